"""Alert ingestion through the real receiver, against plain event appends.

Ours: 10,000 distinct alerts posted to `publish.alert_receiver.AlertReceiver` on
127.0.0.1 as Alertmanager would (webhook payload version 4, 100 alerts per request),
each request parsed, checked, deduplicated against the `alerts` table, written as
alert events with the projection in one transaction, and answered after the commit.
The baseline: the same number of plain events (notes with the same text and body
size) appended through `IncidentLog.insert_events` and `update_projection` in the same
batches of 100, one transaction each, on the same disk. Target: ratio <= 1.5.

Run from the repository root (a report, not a test):

    python tests/perf/bench_alerts.py [--alerts 10000] [--batch 100] [--runs 3] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_store import START, Row, open_log, paired, print_table

from commander_app.core.alert_payloads import parse_payload
from commander_app.core.alerts import alert_body
from commander_app.core.clock import FixedClock
from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso
from commander_app.publish.alert_receiver import AlertReceiver
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog

SERVICES = ("payments", "checkout", "auth", "search", "ledger")


def payloads(count: int, batch: int, run: int) -> list[bytes]:
    """Alertmanager webhooks of `batch` alerts each, fingerprints new in every run."""
    bodies = []
    for first in range(0, count, batch):
        alerts = [
            {
                "status": "firing",
                "labels": {"alertname": f"HighErrorRate{n % 50}", "service": SERVICES[n % 5],
                           "severity": "page", "pod": f"pod-{n}", "instance": f"10.0.{n % 250}.1"},
                "annotations": {"summary": f"5xx above 2% on pod-{n}",
                                "runbook_url": "https://wiki.example/runbooks/5xx"},
                "startsAt": "2026-11-28T13:58:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=rate",
                "fingerprint": f"r{run}-{n:08x}",
            }
            for n in range(first, min(first + batch, count))
        ]  # fmt: skip
        bodies.append(json.dumps({"version": "4", "status": "firing", "alerts": alerts}).encode())
    return bodies


def plain_batches(bodies: list[bytes]) -> list[list[dict[str, Any]]]:
    """The same alerts as plain note bodies: the same text, labels and annotations."""
    batches = []
    for body in bodies:
        parsed = parse_payload(json.loads(body))
        batches.append(
            [
                {k: v for k, v in alert_body(a).items() if k in ("text", "labels", "annotations")}
                for a in parsed.alerts
            ]
        )
    return batches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 alerts, one run")
    parser.add_argument("--dir", type=Path, help="where the log is written (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.quick:
        args.alerts, args.runs = 1_000, 1
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "bench.db"
        clock = FixedClock(START)
        log = open_log(path, clock)
        receiver = AlertReceiver(path, device_id="bench", clock=clock, port=0)
        receiver.start()
        run = {"n": 0}
        try:

            def through_receiver() -> None:
                run["n"] += 1
                log.open_incident(f"Storm {run['n']}", author="bench")
                clock.advance(timedelta(seconds=1))  # the newest incident takes the alerts
                bodies = payloads(args.alerts, args.batch, run["n"])
                conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=60)
                for body in bodies:
                    conn.request("POST", "/alerts", body=body)
                    response = conn.getresponse()
                    response.read()
                    assert response.status == 200, response.status
                conn.close()

            def plain_appends() -> None:
                incident = log.open_incident("Notes", author="bench").id
                batches = plain_batches(payloads(args.alerts, args.batch, 0))
                append_batches(log, incident, batches)

            store_s, base_s = paired(through_receiver, plain_appends, args.runs, warmup=1)
            count = log.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
        finally:
            receiver.stop()
            log.close()
    store, base = statistics.median(store_s), statistics.median(base_s)
    print(f"{args.alerts:,} alerts in requests of {args.batch}; {args.runs} runs; "
          f"{count:,} alert rows at the end")  # fmt: skip
    print_table(
        [
            Row(f"ingest {args.alerts:,} alerts vs appends", store, base, 1.5),
            Row("  per alert (µs) vs per append", store / args.alerts * 1e3,
                base / args.alerts * 1e3, None),
        ]
    )  # fmt: skip
    return 0


def append_batches(log: IncidentLog, incident: str, batches: list[list[dict[str, Any]]]) -> None:
    """The baseline: plain events in the same batches, one transaction each."""
    for bodies in batches:
        now = log.clock.now()
        events = [
            Event(new_ulid(now), incident, Kind.NOTE, body, "bench", "bench", to_iso(now),
                  to_iso(now))
            for body in bodies
        ]  # fmt: skip
        with write_transaction(log.conn):
            log.insert_events(events)
            log.update_projection(incident, events)


if __name__ == "__main__":
    sys.exit(main())
