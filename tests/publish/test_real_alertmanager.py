"""A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) routes alerts
posted to its own API (`POST /api/v2/alerts`) to Commander's receiver: what arrives in
the log is what was sent, grouped and deduplicated, then resolved."""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commander_app.core.clock import SystemClock
from commander_app.publish.alert_receiver import AlertReceiver
from commander_app.store.alerts import groups
from commander_app.store.incident_log import IncidentLog

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
TOKEN = "real-alertmanager-token"
DEADLINE_S = 30  # Alertmanager's group_wait and group_interval here are 1 s

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BINARY is None, reason="prometheus-alertmanager is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CONFIG = """
route:
  receiver: commander
  group_by: ['alertname', 'service']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: commander
    webhook_configs:
      - url: 'http://127.0.0.1:{port}/alerts'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: '{token_file}'
"""


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Alertmanager in a temporary directory, routing to a receiver on `receiver_port`;
    stopped (killed if need be) whatever the test does."""
    receiver_port, api_port = free_port(), free_port()
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    config = tmp_path / "alertmanager.yml"
    config.write_text(CONFIG.format(port=receiver_port, token_file=token_file))
    assert BINARY is not None
    log_file = (tmp_path / "alertmanager.log").open("w")
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{api_port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    base = f"http://127.0.0.1:{api_port}"

    def api(method: str, path: str, body: object = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            text = response.read()
            return json.loads(text) if text else None

    api.receiver_port = receiver_port  # type: ignore[attr-defined]
    api.api_port = api_port  # type: ignore[attr-defined]
    try:
        until(lambda: _ready(base), "Alertmanager to start", process)
        yield api
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log_file.close()


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/-/ready", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def until(
    check: Callable[[], bool], what: str, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll an outside process's progress, bounded by DEADLINE_S."""
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        if process is not None and process.poll() is not None:
            pytest.fail(f"Alertmanager exited ({process.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} after {DEADLINE_S} s")
        time.sleep(0.1)


def test_alerts_routed_by_a_real_alertmanager_arrive_grouped_and_resolve(
    alertmanager: Any, db_path: Path
) -> None:
    clock = SystemClock()
    with IncidentLog(db_path, device_id="laptop", clock=clock) as log:
        incident = log.open_incident("Checkout 500s", author="alice").id
    receiver = AlertReceiver(
        db_path, device_id="receiver", clock=clock, port=alertmanager.receiver_port, token=TOKEN
    )
    receiver.start()
    try:
        started = datetime.now(UTC) - timedelta(minutes=2)
        sent = [
            {
                "labels": {"alertname": "HighErrorRate", "service": "payments", "pod": f"pay-{n}"},
                "annotations": {"summary": "5xx above 2%", "runbook_url": "https://wiki/5xx"},
                "startsAt": started.isoformat(),
                "generatorURL": "http://prometheus:9090/graph",
            }
            for n in range(3)
        ]
        alertmanager("POST", "/api/v2/alerts", sent)
        with IncidentLog(db_path, device_id="reader", clock=clock) as log:
            until(lambda: sum(g.alerts for g in groups(log, incident)) == 3, "three alerts")
            (group,) = groups(log, incident)
            assert (group.name, group.key, group.state) == (
                "HighErrorRate", 'HighErrorRate{service="payments"}', "firing",
            )  # fmt: skip
            fingerprints = {a["fingerprint"] for a in alertmanager("GET", "/api/v2/alerts")}
            stored = {r[0] for r in log.conn.execute("SELECT fingerprint FROM alerts")}
            assert stored == fingerprints  # Alertmanager's own fingerprints
            ended = datetime.now(UTC) - timedelta(seconds=1)
            alertmanager(
                "POST", "/api/v2/alerts", [{**a, "endsAt": ended.isoformat()} for a in sent]
            )
            until(lambda: groups(log, incident)[0].state == "resolved", "the resolve")
            states = log.conn.execute("SELECT state, fires FROM alerts").fetchall()
            assert states == [("resolved", 1)] * 3
            events = log.conn.execute(
                "SELECT count(*) FROM events WHERE kind = 'alert'"
            ).fetchone()[0]
            assert events == 6  # three firings, three resolves; repeats wrote nothing
    finally:
        receiver.stop()


def test_alerts_pulled_from_a_real_alertmanagers_api_arrive_and_resolve(
    alertmanager: Any, db_path: Path
) -> None:
    from commander_app.cli.alert_pull_commands import follow
    from commander_app.publish.alert_pull import pull_address

    started = datetime.now(UTC) - timedelta(minutes=2)
    sent = [
        {
            "labels": {"alertname": "CheckoutLatency", "service": "checkout", "pod": f"co-{n}"},
            "annotations": {"summary": "p99 above 2 s"},
            "startsAt": started.isoformat(),
        }
        for n in range(4)
    ] + [
        {"labels": {"alertname": "DiskFull", "service": "ledger"}, "startsAt": started.isoformat()}
    ]
    alertmanager("POST", "/api/v2/alerts", sent)
    until(lambda: len(alertmanager("GET", "/api/v2/alerts")) == 5, "five alerts listed")
    address = pull_address(
        f"http://127.0.0.1:{alertmanager.api_port}", ['service="checkout"'], "commander"
    )

    def resolve_two(_: float) -> None:
        ended = datetime.now(UTC) - timedelta(seconds=1)
        alertmanager(
            "POST", "/api/v2/alerts", [{**a, "endsAt": ended.isoformat()} for a in sent[:2]]
        )
        until(lambda: len(alertmanager("GET", "/api/v2/alerts")) == 3, "two resolves")

    args = argparse.Namespace(incident=None, timeout=10.0, every=5, author="alice")
    with IncidentLog(db_path, device_id="laptop", clock=SystemClock()) as log:
        incident = log.open_incident("Checkout slow", author="alice").id
        follow(log, address, None, args, resolve_two, rounds=2)
        (group,) = groups(log, incident)  # the filter kept DiskFull out
        assert (group.key, group.alerts, group.firing) == (
            'CheckoutLatency{service="checkout"}',
            4,
            2,
        )
        listed = {a["fingerprint"] for a in alertmanager("GET", "/api/v2/alerts")}
        firing = {
            r[0] for r in log.conn.execute("SELECT fingerprint FROM alerts WHERE state = 'firing'")
        }
        assert firing == listed - {
            a["fingerprint"]
            for a in alertmanager("GET", "/api/v2/alerts")
            if a["labels"]["alertname"] == "DiskFull"
        }
