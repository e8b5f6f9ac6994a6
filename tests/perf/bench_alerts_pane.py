"""The Alerts pane's first paint: an incident with 10,000 alerts in 50 groups against one
with 50 alerts in the same 50 groups (one each), in the same process and run.

Each sample builds a new `ui.alerts.alerts_pane.AlertsPane` on the real log, shows the
incident (groups read from the `alerts` table, the hypotheses, the first group's labels
and annotations read from its events), and waits for its first paint. Target: ratio <= 1.5.

Run from the repository root (a report, not a test):

    QT_QPA_PLATFORM=offscreen python tests/perf/bench_alerts_pane.py [--alerts 10000] [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_store import Row, open_log, print_table
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from commander_app.core.alert_payloads import parse_payload
from commander_app.store.alerts import ingest
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.alerts.alerts_pane import AlertsPane

GROUPS = 50
ZONE = ZoneInfo("Europe/Berlin")


def storm(count: int) -> list[dict[str, Any]]:
    return [
        {
            "status": "firing",
            "labels": {"alertname": f"HighErrorRate{n % GROUPS}", "service": "payments",
                       "severity": "page", "pod": f"pod-{n}"},
            "annotations": {"summary": f"5xx above 2% on pod-{n}",
                            "runbook_url": "https://wiki.example/runbooks/5xx"},
            "startsAt": "2026-11-28T13:58:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"{n:08x}",
        }
        for n in range(count)
    ]  # fmt: skip


def incident_with(log: IncidentLog, count: int) -> str:
    incident = log.open_incident(f"{count} alerts", author="bench").id
    alerts = storm(count)
    for first in range(0, count, 1000):
        parsed = parse_payload({"version": "4", "alerts": alerts[first : first + 1000]})
        assert not parsed.problems, parsed.problems[:3]
        ingest(log, incident, parsed.alerts, author="bench")
    return incident


class FirstPaint(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def first_paint(app: QApplication, log: IncidentLog, incident: str) -> None:
    pane = AlertsPane(log, "bench", ZONE)
    watcher = FirstPaint()
    pane.installEventFilter(watcher)
    pane.show_incident(incident)
    while not watcher.painted:
        app.processEvents()
    pane.close()
    pane.deleteLater()
    app.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as folder:
        log = open_log(Path(folder) / "bench.db")
        try:
            big = incident_with(log, args.alerts)
            small = incident_with(log, GROUPS)
            for _ in range(2):  # warm-up: imports, fonts, the first style polish
                first_paint(app, log, big)
                first_paint(app, log, small)
            ours: list[float] = []
            base: list[float] = []
            for run in range(args.runs):
                order = [(big, ours), (small, base)]
                for incident, samples in order if run % 2 else reversed(order):
                    started = time.perf_counter()
                    first_paint(app, log, incident)
                    samples.append(time.perf_counter() - started)
        finally:
            log.close()
    print(f"Alerts pane, first paint: {args.alerts:,} alerts in {GROUPS} groups vs "
          f"{GROUPS} alerts in {GROUPS} groups; median of {args.runs} runs")  # fmt: skip
    print_table(
        [Row(f"first paint, {args.alerts:,} vs {GROUPS} alerts",
             statistics.median(ours), statistics.median(base), 1.5)]
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
