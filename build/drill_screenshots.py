"""The README's drill screenshots (`build/screenshots.py --drills`): the payment failure
scenario 16 minutes in, the facilitator's window beside the drill incident, and the drill
report once it ended."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication

from commander_app.core.alerts import AlertTriage
from commander_app.core.clock import FixedClock
from commander_app.core.model import Audience, Role
from commander_app.publish.sending import queue_update
from commander_app.store import alerts, board, drills
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.main_window import MainWindow
from tests.support.sev1 import START

ZONE = ZoneInfo("Europe/Berlin")


def settle(app: QApplication, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def played(log: IncidentLog, clock: FixedClock) -> str:
    """Sixteen minutes of the tabletop: a commander at T+1, a communicator at T+3, three
    hypotheses (one without an owner, two on the same thing), the storm triaged, one
    executives' update recorded in the drill outbox, the rollback not yet decided."""
    incident = drills.start(log, "payment-failure-after-deploy", author="fay").incident.id

    now = {"minute": 0}

    def at(minutes: int) -> None:  # the facilitator's window ticks; here once a minute
        while now["minute"] < minutes:
            now["minute"] += 1
            clock.set(START + timedelta(minutes=now["minute"]))
            drills.tick(log, author="fay", incident_id=incident)

    at(1)
    log.assign_role(incident, Role.COMMANDER, "alice", author="alice")
    at(3)
    log.assign_role(incident, Role.COMMUNICATOR, "carol", author="alice")
    group = alerts.find_group(log, incident, "PaymentProviderTLSHandshakeFailures")
    alerts.triage(log, incident, group, AlertTriage.CAUSE, hypothesis=None, author="erin")
    at(5)
    board.open_hypothesis(log, incident, "Database connection pool exhausted", owner="dana",
                          author="dana")  # fmt: skip
    board.open_hypothesis(log, incident, "CDN serving stale errors", author="chris")
    board.open_hypothesis(log, incident, "Database connection pool exhausted by the deploy",
                          owner="priya", author="priya")  # fmt: skip
    at(7)
    queue_update(
        log, incident, Audience.EXECUTIVES, "Card payments failing",
        "Card payments have been failing since 02:47 for about 30% of orders. We are "
        "investigating the database, the CDN and the deploy. Next update by 03:25.",
        author="carol",
    )  # fmt: skip
    at(16)
    return incident


def shoot_drills(app: QApplication, folder: Path, out_dir: Path) -> list[Path]:
    clock = FixedClock(START)
    with IncidentLog(folder / "drill.db", device_id="screenshots", clock=clock) as log:
        played(log, clock)
        window = MainWindow(log, "alice", ZONE)
        window.resize(1440, 900)
        window.show()
        settle(app)
        facilitator = window.show_drills()
        facilitator.timer.stop()  # the clock stands still here: nothing more falls due
        facilitator.resize(1200, 860)
        facilitator.table.selectRow(7)
        settle(app)
        progress = out_dir / "screenshot-drill.png"
        facilitator.grab().save(str(progress))
        facilitator.tabs.setCurrentWidget(facilitator.report)
        settle(app)
        report = out_dir / "screenshot-drill-report.png"
        facilitator.grab().save(str(report))
        facilitator.tabs.setCurrentWidget(facilitator.outbox)
        settle(app)
        facilitator.grab().save(str(folder / "drill-outbox.png"))  # to look at, not shipped
        window.close()
    return [progress, report]
