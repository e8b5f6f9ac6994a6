"""The README's screenshots: the real window during a scripted SEV1, at two screen sizes.

    xvfb-run -s "-screen 0 1440x900x24" python build/screenshots.py resources/

writes screenshot-1440x900.png and screenshot-1280x800.png there (8-bit PNGs when
ImageMagick's `convert` is on the PATH). The incident is the one the layout tests
use (tests/support/sev1.py). With --follow-ups it also writes screenshot-follow-ups.png:
the Follow-ups view over a few weeks of incidents (tests/support/follow_ups_data.py); with
--metrics screenshot-metrics.png: the Metrics window over 18 months of incidents
(tests/support/metrics_data.py); with --alerts screenshot-alerts.png and
screenshot-noise.png: the Alerts pane in the SEV1's storm and the noise report over a
season (build/alert_screenshots.py); with --drills screenshot-drill.png and
screenshot-drill-report.png: the facilitator's window during the payment failure
scenario, and its report (build/drill_screenshots.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication

from commander_app.core.clock import FixedClock
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.app import application_icon
from commander_app.ui.follow_ups.follow_ups_model import STANDING
from commander_app.ui.follow_ups.follow_ups_view import FollowUpsView
from commander_app.ui.main_window import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the scenario the tests use
from tests.support.follow_ups_data import realistic_follow_ups
from tests.support.metrics_data import write_history
from tests.support.sev1 import START, scripted_sev1

ZONE = ZoneInfo("Europe/Berlin")
SIZES = ((1440, 900), (1280, 800))


def shoot(out_dir: Path) -> list[Path]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setWindowIcon(application_icon())
    made = []
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(START)
        with IncidentLog(Path(tmp) / "incidents.db", device_id="screenshots", clock=clock) as log:
            scripted_sev1(log, clock)
            for width, height in SIZES:
                window = MainWindow(log, "alice", ZONE)
                window.resize(width, height)
                window.show()
                for _ in range(20):
                    app.processEvents()
                window.updates.cadence.tick()
                window.rollback.tick()
                app.processEvents()
                path = out_dir / f"screenshot-{width}x{height}.png"
                window.grab().save(str(path))
                if "--rollback" in sys.argv:  # the other tab, to look at, not for the README
                    window.tabs.setCurrentWidget(window.rollback_tab)
                    app.processEvents()
                    window.grab().save(str(out_dir / f"rollback-{width}x{height}.png"))
                if "--postmortem" in sys.argv and width == SIZES[0][0]:
                    made.append(_postmortem_shot(app, window, log, out_dir))
                window.close()
                made.append(path)
        if "--follow-ups" in sys.argv:
            made.append(shoot_follow_ups(app, Path(tmp) / "follow-ups.db", out_dir))
        if "--metrics" in sys.argv:
            made.append(shoot_metrics(app, Path(tmp) / "metrics.db", out_dir))
        if "--runbooks" in sys.argv:
            made.append(shoot_runbooks(app, Path(tmp) / "runbooks.db", out_dir))
        if "--alerts" in sys.argv:
            from alert_screenshots import shoot_alerts

            made.extend(shoot_alerts(app, Path(tmp), out_dir))
        if "--drills" in sys.argv:
            from drill_screenshots import shoot_drills

            made.extend(shoot_drills(app, Path(tmp), out_dir))
    if shutil.which("convert"):
        for path in made:
            subprocess.run(
                ["convert", str(path), "-strip", "-colors", "256", f"PNG8:{path}"], check=True
            )
    return made


def _postmortem_shot(app: QApplication, window: MainWindow, log: IncidentLog, out: Path) -> Path:
    """The postmortem window over the same incident, written as a team would."""
    from commander_app.core.follow_ups import FollowUpRequest
    from commander_app.core.postmortem import FactorCategory, Section
    from commander_app.store import follow_ups, postmortem

    incident = window.current_incident()
    assert incident is not None
    texts = {
        Section.SUMMARY: "Release 42 raised the checkout service's database connections per "
        "request; under the evening peak the pool ran out and checkout failed for 38 minutes. "
        "Nothing in the deploy path compares a release's connection use with the pool size.",
        Section.CUSTOMER_IMPACT: "About 30 % of EU checkout attempts failed between 19:26 and "
        "20:04 (about 4,100 orders); card holds were released automatically.",
        Section.DETECTION: "The error-rate alert fired 4 minutes after impact began; the pool "
        "saturation metric existed but had no alert.",
    }
    for section, text in texts.items():
        postmortem.write_section(log, incident.id, section, text, author="alice")
    factor = postmortem.add_factor(
        log,
        incident.id,
        "The deploy pipeline does not compare a release's connections per request with the pool",
        FactorCategory.DEPLOY_SAFETY,
        author="alice",
    )
    postmortem.add_factor(
        log,
        incident.id,
        "Pool saturation has a dashboard but no alert",
        FactorCategory.ALERTING_MISSING,
        author="dan",
    )
    follow_ups.add_follow_up(
        log,
        incident.id,
        FollowUpRequest("Raise the pool size to 200", owner="kim", symptom=True, factor=factor.id),
        author="alice",
    )
    dialog = window.show_postmortem()
    assert dialog is not None
    dialog.resize(1100, 720)
    dialog.contents.setCurrentRow(0)
    for _ in range(10):
        app.processEvents()
    path = out / "screenshot-postmortem.png"
    dialog.grab().save(str(path))
    dialog.close()
    return path


def _first(view: FollowUpsView, standing: str) -> str:
    rows = range(view.model.rowCount())
    row = next(r for r in rows if view.model.index(r, STANDING).data() == standing)
    return view.model.item(row).id


def shoot_follow_ups(app: QApplication, db: Path, out_dir: Path) -> Path:
    clock = FixedClock(START)
    with IncidentLog(db, device_id="screenshots", clock=clock) as log:
        realistic_follow_ups(log, clock)
        window = MainWindow(log, "alice", ZONE)
        window.resize(1440, 900)
        window.show()
        for _ in range(20):
            app.processEvents()
        view = window.follow_ups.show_view()
        view.resize(1280, 400)
        view.table.selectRow(view.model.row_of(_first(view, "not accepted")))  # to answer
        for _ in range(20):
            app.processEvents()
        path = out_dir / "screenshot-follow-ups.png"
        view.grab().save(str(path))
        window.close()
    return path


def shoot_metrics(app: QApplication, db: Path, out_dir: Path) -> Path:
    """The Metrics window's trend of time to resolve over 18 months of incidents."""
    clock = FixedClock(START)
    with IncidentLog(db, device_id="screenshots", clock=clock) as log:
        write_history(log, 400, START)
        realistic_follow_ups(log, clock)
        window = MainWindow(log, "alice", ZONE)
        window.resize(1440, 900)
        window.show()
        for _ in range(20):
            app.processEvents()
        metrics = window.show_metrics()
        metrics.resize(1200, 620)
        while metrics.trends.data is None:
            app.processEvents()
        chart = metrics.trends.chart
        chart.setFocus()
        chart.highlighted = len(chart.trend.buckets) - 1 if chart.trend else -1
        for _ in range(20):
            app.processEvents()
        path = out_dir / "screenshot-metrics.png"
        metrics.grab().save(str(path))
        metrics.tabs.setCurrentWidget(metrics.review)
        metrics.review.last.setValue(5)
        for _ in range(20):
            app.processEvents()
        metrics.grab().save(str(out_dir / "screenshot-review.png"))
        window.close()
    return path


def shoot_runbooks(app: QApplication, db: Path, out_dir: Path) -> Path:
    """The SEV1 with the pool runbook being followed: two steps done with their output,
    the third (cancel the runaway queries) selected, the timeline beside it."""
    from datetime import timedelta

    from commander_app.store.runbook_steps import record_done
    from commander_app.store.runbooks import find_runbook, refresh_index, shipped_folder

    clock = FixedClock(START)
    with IncidentLog(db, device_id="screenshots", clock=clock) as log:
        incident = scripted_sev1(log, clock)
        refresh_index(log.conn, shipped_folder(), clock.now())
        pool = find_runbook(log.conn, "database-pool-exhausted")
        clock.set(START + timedelta(minutes=46))
        record_done(log, incident, pool, 1, POOLS_SEEN, author="dan")
        clock.set(START + timedelta(minutes=49))
        record_done(log, incident, pool, 2, QUERIES_SEEN, author="dan")
        clock.set(START + timedelta(minutes=50))
        window = MainWindow(log, "alice", ZONE)
        window.resize(1440, 900)
        window.show()
        for _ in range(20):
            app.processEvents()
        pane = window.show_runbooks()
        while pane.indexer.running:
            app.processEvents()
        pane.open_runbook("database-pool-exhausted")
        pane.checklist.steps.setCurrentRow(2)
        window.timeline_view.table.scrollToBottom()
        for _ in range(20):
            app.processEvents()
        path = out_dir / "screenshot-runbook.png"
        window.grab().save(str(path))
        window.close()
    return path


POOLS_SEEN = """ database | user | cl_active | cl_waiting | sv_active | sv_idle
----------+------+-----------+------------+-----------+---------
 payments | app  |       100 |         37 |       100 |       0"""
QUERIES_SEEN = """  pid  | running  | state  | left
-------+----------+--------+------------------------------------------
 48211 | 00:07:41 | active | SELECT * FROM ledger_entries WHERE order_
 48230 | 00:07:39 | active | SELECT * FROM ledger_entries WHERE order_
 (18 more rows of the same query)"""


if __name__ == "__main__":
    for shot in shoot(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(shot, shot.stat().st_size, "bytes")
