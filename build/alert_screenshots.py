"""The README's alert screenshots (`build/screenshots.py --alerts`): the Alerts pane
during the SEV1's storm, and the Metrics window's noise report over a season."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication

from commander_app.core.clock import FixedClock
from commander_app.store import board
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.main_window import MainWindow
from tests.support.alert_storm import noisy_season, sev1_storm, triage_sev1
from tests.support.sev1 import START, scripted_sev1

ZONE = ZoneInfo("Europe/Berlin")


def settle(app: QApplication, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def shoot_alerts(app: QApplication, folder: Path, out_dir: Path) -> list[Path]:
    clock = FixedClock(START)
    with IncidentLog(folder / "storm.db", device_id="screenshots", clock=clock) as log:
        incident = scripted_sev1(log, clock)
        clock.set(START + timedelta(minutes=50))
        sev1_storm(log, incident, START - timedelta(minutes=1))
        pool = next(h for h in board.board(log, incident).hypotheses if "pool" in h.text.lower())
        triage_sev1(log, incident, pool.id)
        window = MainWindow(log, "alice", ZONE)
        window.resize(1440, 900)
        window.show()
        settle(app)
        pane = window.show_alerts()
        pane.resize(1280, 720)
        settle(app)
        pane.table.selectRow(0)
        settle(app)
        storm = out_dir / "screenshot-alerts.png"
        pane.grab().save(str(storm))
        window.close()
    clock = FixedClock(START)
    with IncidentLog(folder / "season.db", device_id="screenshots", clock=clock) as log:
        noisy_season(log, clock, START)
        clock.set(START)
        window = MainWindow(log, "alice", ZONE)
        window.resize(1440, 900)
        window.show()
        settle(app)
        metrics = window.show_metrics()
        metrics.resize(1280, 760)
        metrics.tabs.setCurrentWidget(metrics.noise)
        while metrics.noise.report is None:
            app.processEvents()
        metrics.noise.table.selectRow(0)
        settle(app)
        noise = out_dir / "screenshot-noise.png"
        metrics.grab().save(str(noise))
        window.close()
    return [storm, noise]
