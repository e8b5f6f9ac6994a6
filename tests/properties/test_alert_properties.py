"""Arbitrary JSON to the alert parser and the receiver: problems in words, never a crash,
never a 500, and whatever is accepted validates as an event body."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commander_app.core.alert_payloads import parse_csv, parse_file, parse_payload
from commander_app.core.alerts import alert_body
from commander_app.core.clock import FixedClock
from commander_app.core.events import validate_body
from commander_app.core.model import Kind
from commander_app.publish.alert_receiver import AlertReceiver
from commander_app.store.incident_log import IncidentLog
from tests.conftest import START

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=30,
)
label_maps = st.dictionaries(st.text(max_size=20), st.text(max_size=40) | scalars, max_size=6)
alertish = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["firing", "resolved", "odd"]) | scalars,
        "labels": label_maps | json_values,
        "annotations": label_maps | json_values,
        "startsAt": st.sampled_from(["2026-11-28T13:00:00Z", "0001-01-01T00:00:00Z", "x"])
        | scalars,
        "endsAt": st.sampled_from(["2026-11-28T13:05:00+02:00", ""]) | scalars,
        "fingerprint": st.text(max_size=20) | scalars,
        "generatorURL": st.sampled_from(["http://p/x", "ftp://x"]) | scalars,
    },
)
payloads = (
    st.fixed_dictionaries(
        {"alerts": st.lists(alertish, max_size=6)},
        optional={"version": st.sampled_from(["4", 4, "3"]), "truncatedAlerts": scalars},
    )
    | json_values
    | st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "event_action": st.sampled_from(["trigger", "resolve", "x"]),
                "dedup_key": st.text(max_size=10) | scalars,
                "payload": st.fixed_dictionaries(
                    {}, optional={"summary": st.text(max_size=30) | scalars,
                                  "class": scalars, "custom_details": json_values}
                )
                | scalars,
            },
        ),
        max_size=4,
    )
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(payloads)
def test_any_json_is_read_or_refused_in_words(payload: Any) -> None:
    parsed = parse_payload(payload)
    assert all(isinstance(p, str) and p for p in parsed.problems)
    for alert in parsed.alerts:
        validate_body(Kind.ALERT, alert_body(alert))  # what is accepted can be written


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_file_is_read_or_refused_in_words(text: str) -> None:
    for parsed in (parse_file(text), parse_csv(text)):
        assert all(isinstance(p, str) and p for p in parsed.problems)
        for alert in parsed.alerts:
            validate_body(Kind.ALERT, alert_body(alert))


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertReceiver]:
    path = tmp_path_factory.mktemp("receiver") / "log.db"
    clock = FixedClock(START)
    with IncidentLog(path, device_id="d", clock=clock) as log:
        log.open_incident("Storm", author="alice")
    receiver = AlertReceiver(path, device_id="r", clock=clock, port=0)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payloads | st.binary(max_size=200))
def test_the_receiver_never_answers_500(running: AlertReceiver, payload: Any) -> None:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
    try:
        conn.request("POST", "/alerts", body=data)
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    assert response.status in (200, 400)
