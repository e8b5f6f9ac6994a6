"""The alert receiver over real HTTP on 127.0.0.1: status codes, limits, token, and
that every alert answered 200 is already in the log."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commander_app.core.clock import FixedClock
from commander_app.publish.alert_receiver import AlertReceiver
from commander_app.store.alerts import groups, inbox_count
from commander_app.store.incident_log import IncidentLog
from tests.conftest import START
from tests.core.test_alert_payloads import alert, webhook

TOKEN = "t0ken-for-tests"


@pytest.fixture
def incident(db_path: Path, clock: FixedClock) -> str:
    with IncidentLog(db_path, device_id="device-test", clock=clock) as log:
        return log.open_incident("Checkout 500s", author="alice").id


def start(db_path: Path, clock: FixedClock, **options: Any) -> AlertReceiver:
    receiver = AlertReceiver(db_path, device_id="receiver", clock=clock, port=0, **options)
    receiver.start()
    return receiver


@pytest.fixture
def receiver(db_path: Path, clock: FixedClock, incident: str) -> Iterator[AlertReceiver]:
    running = start(db_path, clock, token=TOKEN, max_body=64 * 1024)
    try:
        yield running
    finally:
        running.stop()


def post(
    receiver: AlertReceiver,
    body: bytes | object,
    *,
    token: str | None = TOKEN,
    path: str = "/alerts",
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
    try:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        text = response.read()
        return response.status, json.loads(text) if text else {}
    finally:
        conn.close()


def stored(db_path: Path) -> list[tuple[str, str]]:
    """What another connection reads from the file right now."""
    with IncidentLog(db_path, device_id="reader", clock=FixedClock(START)) as log:
        return log.conn.execute("SELECT fingerprint, state FROM alerts ORDER BY 1").fetchall()


def test_alerts_answered_200_are_already_in_the_log(receiver: AlertReceiver, db_path: Path) -> None:
    status, answer = post(receiver, webhook(alert(1), alert(2)))
    assert status == 200
    assert (answer["written"], answer["repeats"]) == (2, 0)
    assert stored(db_path) == [("fp0001", "firing"), ("fp0002", "firing")]
    status, answer = post(receiver, webhook(alert(1, "resolved")))
    assert (status, answer["written"]) == (200, 1)
    assert stored(db_path)[0] == ("fp0001", "resolved")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"token": None}, 401),
        ({"token": "wrong"}, 401),
        ({"token": TOKEN + "x"}, 401),
        ({"path": "/"}, 404),
        ({"path": "/alerts/../x"}, 404),
        ({"method": "GET"}, 405),
        ({"method": "PUT"}, 405),
    ],
)
def test_wrong_requests_get_the_right_status(
    receiver: AlertReceiver, db_path: Path, kwargs: dict[str, Any], expected: int
) -> None:
    status, _ = post(receiver, webhook(alert(1)), **kwargs)
    assert status == expected
    assert stored(db_path) == []


def test_malformed_and_unreadable_bodies_are_400(receiver: AlertReceiver, db_path: Path) -> None:
    assert post(receiver, b"{not json")[0] == 400
    assert post(receiver, b"\xff\xfe")[0] == 400
    status, answer = post(receiver, {"alerts": [{"labels": {}}]})
    assert status == 400
    assert "no 'alertname' label" in answer["problems"][0]
    assert stored(db_path) == []


def test_a_body_over_the_limit_is_413_unread(receiver: AlertReceiver, db_path: Path) -> None:
    big = webhook(*(alert(n) for n in range(400)))
    assert len(json.dumps(big)) > 64 * 1024
    assert post(receiver, big)[0] == 413
    # A client that claims a huge body is refused before sending it.
    conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
    conn.putrequest("POST", "/alerts")
    conn.putheader("Authorization", f"Bearer {TOKEN}")
    conn.putheader("Content-Length", str(10**12))
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()
    assert stored(db_path) == []


def test_good_alerts_are_kept_and_bad_ones_named(receiver: AlertReceiver, db_path: Path) -> None:
    status, answer = post(receiver, webhook(alert(1), {"labels": {"x": "y"}}))
    assert status == 200
    assert answer["written"] == 1
    assert answer["refused"] == ["Alert 2: it has no 'alertname' label."]


def test_the_health_path_answers(receiver: AlertReceiver) -> None:
    assert post(receiver, b"", method="GET", path="/health", token=None) == (200, {"status": "ok"})


def test_the_receiver_binds_to_loopback_by_default(
    db_path: Path, clock: FixedClock, incident: str
) -> None:
    running = start(db_path, clock)
    try:
        assert running.url.startswith("http://127.0.0.1:")
        assert post(running, webhook(alert(1)), token=None)[0] == 200  # no token: none asked
    finally:
        running.stop()


def test_with_no_open_incident_alerts_wait_in_the_inbox(db_path: Path, clock: FixedClock) -> None:
    with IncidentLog(db_path, device_id="device-test", clock=clock):
        pass
    running = start(db_path, clock)
    try:
        status, answer = post(running, webhook(alert(1), alert(2)), token=None)
    finally:
        running.stop()
    assert (status, answer["inbox"]) == (200, 2)
    with IncidentLog(db_path, device_id="reader", clock=clock) as log:
        assert inbox_count(log) == 2


def test_a_named_incident_gets_the_alerts(db_path: Path, clock: FixedClock, incident: str) -> None:
    with IncidentLog(db_path, device_id="device-test", clock=clock) as log:
        newer = log.open_incident("Search slow", author="alice").id
    running = start(db_path, clock, incident_id=incident)
    try:
        assert post(running, webhook(alert(1)), token=None)[1]["incident"] == incident
    finally:
        running.stop()
    with IncidentLog(db_path, device_id="reader", clock=clock) as log:
        assert len(groups(log, incident)) == 1
        assert groups(log, newer) == []


def test_a_flood_is_absorbed_in_batches(receiver: AlertReceiver, db_path: Path) -> None:
    """10,000 alerts in 100 requests: each request one transaction, all of them kept."""
    for start_at in range(0, 10_000, 100):
        batch = webhook(*(alert(n) for n in range(start_at, start_at + 100)))
        assert post(receiver, batch)[0] == 200
    assert len(stored(db_path)) == 10_000
