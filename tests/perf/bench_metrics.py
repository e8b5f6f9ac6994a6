"""The trends over many incidents, against a bare SQL aggregate over the same rows.

Builds a log of N resolved incidents spread over two years, each with its milestones, a
refuted and a confirmed hypothesis, an update and E notes (the notes are what makes an
incident long; the kept figures mean a trend never reads them). Then times, interleaved:

- ours: `store.incident_figures.figured_incidents` and `core.trends.trends` for every
  figure by month (what `commander trends --json` computes);
- the baseline: one `SELECT strftime('%Y-%m', …), count(*), avg(json_extract(…))` per
  figure over the same incidents_figures rows joined to the incidents, in SQL.

Target: ratio <= 2. Then the Metrics window's first paint over this log against one of
100 incidents (target: ratio <= 1.5; the figures are read on a thread, so the first paint
waits for none of them), and, for information, when the chart is shown over each.
Run from the repository root (a report, not a test):

    python tests/perf/bench_metrics.py [--incidents 10000] [--notes 20] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_store import START, Row, open_log, paired, print_table

from commander_app.core.events import opened_body, status_body
from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind, Milestone, Severity, Status
from commander_app.core.times import to_iso
from commander_app.core.trends import TREND_FIGURES, trends
from commander_app.store import incident_figures as store
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog


def _incident(number: int, notes: int) -> list[Event]:
    start = START - timedelta(days=730) + timedelta(hours=number * 17520 / 10_000)
    incident_id = new_ulid(start)
    minute = 0

    def event(kind: Kind, body: dict[str, object], after: int) -> Event:
        nonlocal minute
        minute += after
        at = to_iso(start + timedelta(minutes=minute))
        return Event(new_ulid(start + timedelta(minutes=minute)), incident_id, kind, body,
                     "bench", "bench", at, at)  # fmt: skip

    severity = (Severity.SEV1, Severity.SEV2, Severity.SEV3)[number % 3]
    made = [
        Event(incident_id, incident_id, Kind.INCIDENT,
              dict(opened_body(f"Incident {number}", severity, False, None)), "bench", "bench",
              to_iso(start), to_iso(start)),
        event(Kind.MILESTONE, {"milestone": Milestone.IMPACT_STARTED.value}, 0),
        event(Kind.MILESTONE, {"milestone": Milestone.DETECTED.value}, 3 + number % 11),
        event(Kind.COMMS, {"action": "sent", "audience": "customers", "text": "Looking into it",
                           "channel": "manual", "services": ["payments"]}, 4),
    ]  # fmt: skip
    for n in range(notes):
        made.append(event(Kind.NOTE, {"text": f"reading {n} of the pool gauge"}, 1))
    wrong = event(Kind.HYPOTHESIS, {"text": "Gateway degraded"}, 2)
    right = event(Kind.HYPOTHESIS, {"text": "Pool exhausted", "owner": "chen"}, 5 + number % 23)
    made += [
        wrong,
        right,
        event(
            Kind.HYPOTHESIS,
            {"text": "Refuted: Gateway degraded", "ref": wrong.id, "state": "refuted"},
            3,
        ),
        event(
            Kind.HYPOTHESIS,
            {"text": "Confirmed: Pool exhausted", "ref": right.id, "state": "confirmed"},
            4,
        ),
        event(Kind.MILESTONE, {"milestone": Milestone.MITIGATED.value}, 10 + number % 37),
        event(Kind.STATUS, dict(status_body(Status.INVESTIGATING, Status.RESOLVED)), 15),
    ]
    return made


def build(log: IncidentLog, incidents: int, notes: int) -> None:
    """Written as a colleague's import would: events and projections, batch by batch."""
    for first in range(0, incidents, 500):
        with write_transaction(log.conn):
            for number in range(first, min(first + 500, incidents)):
                events = _incident(number, notes)
                log.insert_events(events)
                log.update_projection(events[0].incident_id, events)


_BASE_SQL = (
    "SELECT strftime('%Y-%m', COALESCE(i.impact_started_at, i.opened_at)) AS bucket, "
    "count(v), avg(v) FROM (SELECT i.*, json_extract(f.figures, :path) AS v FROM incidents i "
    "JOIN incident_figures f ON f.incident_id = i.id WHERE i.status = 'resolved' AND "
    "i.is_drill = 0) AS i GROUP BY bucket ORDER BY bucket"
)


def first_paint_rows(big: IncidentLog, folder: Path, runs: int) -> list[Row]:
    """The Metrics window opened over `big` and over a log of 100 incidents: until its
    first paint, and until the chart shows (the figures read on the loader's thread)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from commander_app.ui.metrics.metrics_window import MetricsWindow

    app = QApplication.instance() or QApplication(["bench"])
    small = open_log(folder / "small.db")
    build(small, 100, 20)

    class Painted(QObject):
        def __init__(self, window: MetricsWindow) -> None:
            super().__init__()
            self.window, self.at = window, 0.0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                not self.at
                and event.type() == QEvent.Type.Paint
                and getattr(watched, "window", lambda: None)() is self.window
            ):
                self.at = time.perf_counter()
            return False

    def opened(log: IncidentLog) -> tuple[float, float]:
        began = time.perf_counter()
        window = MetricsWindow(log, UTC)
        painted = Painted(window)
        app.installEventFilter(painted)
        window.show_for(None)
        while not painted.at or window.trends.data is None:
            app.processEvents()
            time.sleep(0.001)
        shown = time.perf_counter()
        app.removeEventFilter(painted)
        window.shut_down()
        window.close()
        window.deleteLater()
        app.processEvents()
        return painted.at - began, shown - began

    opened(small), opened(big)  # warm-up: imports, fonts
    small_times, big_times = [], []
    for n in range(runs):
        for log, into in ((small, small_times), (big, big_times))[:: 1 if n % 2 else -1]:
            into.append(opened(log))
    small.close()
    return [
        Row("Metrics window: first paint", statistics.median(t[0] for t in big_times),
            statistics.median(t[0] for t in small_times), 1.5),
        Row("Metrics window: chart shown", statistics.median(t[1] for t in big_times),
            statistics.median(t[1] for t in small_times), None),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--notes", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log = open_log(Path(folder) / "metrics.db")
        began = time.perf_counter()
        build(log, args.incidents, args.notes)
        events = log.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        print(f"built {args.incidents:,} incidents, {events:,} events in "
              f"{time.perf_counter() - began:.0f} s")  # fmt: skip

        def ours() -> object:
            return trends(store.figured_incidents(log), "month", UTC)

        def base() -> object:
            return [
                log.conn.execute(_BASE_SQL, {"path": f'$."{key}".value'}).fetchall()
                for key, _ in TREND_FIGURES
            ]

        found = ours()
        assert isinstance(found, list)
        assert sum(s.n for s in found[0].buckets) == args.incidents
        s, b = paired(ours, base, args.runs, warmup=1)
        rows = [Row("trends by month, every figure", statistics.median(s),
                    statistics.median(b), 2.0)]  # fmt: skip
        rows += first_paint_rows(log, Path(folder), args.runs)
        print_table(rows)
        # The per-incident table (`metrics --all`) is an export, not a view: reported, no
        # target. It works out cadence adherence per incident, which is not kept.
        from commander_app.core.incident_table import table_row
        from commander_app.store.incident_table import incident_records

        began = time.perf_counter()
        table = [table_row(r) for r in incident_records(log)]
        print(f"metrics --all: {len(table):,} rows in {time.perf_counter() - began:.1f} s")
        log.close()


if __name__ == "__main__":
    main()
