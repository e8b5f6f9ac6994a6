"""Alerts as Alertmanager, PagerDuty and a CSV export send them: read, bounded, grouped."""

from __future__ import annotations

import json
from typing import Any

import pytest

from commander_app.core.alert_payloads import (
    MAX_LABELS,
    group_id,
    group_key,
    parse_csv,
    parse_file,
    parse_payload,
)
from commander_app.core.alerts import AlertTriage, Known, alert_body, news
from commander_app.core.errors import ValidationError
from commander_app.core.events import validate_body
from commander_app.core.model import Kind
from tests.conftest import START


def webhook(*alerts: dict[str, Any], truncated: int = 0) -> dict[str, Any]:
    """Alertmanager's webhook payload, version 4, as its documentation shows it."""
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "truncatedAlerts": truncated,
        "status": "firing",
        "receiver": "commander",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


def alert(n: int = 1, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "HighErrorRate", "service": "payments", "pod": f"pay-{n}",
                   **labels},
        "annotations": {"summary": "5xx above 2%", "runbook_url": "https://wiki/rb/5xx"},
        "startsAt": "2026-11-28T13:58:00.123456789Z",
        "endsAt": "2026-11-28T14:05:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=x",
        "fingerprint": f"fp{n:04d}",
    }  # fmt: skip


def test_an_alertmanager_webhook_is_read_with_every_field() -> None:
    parsed = parse_payload(webhook(alert(1), alert(2, "resolved"), truncated=3))
    assert parsed.problems == []
    assert parsed.truncated == 3
    first, second = parsed.alerts
    assert (first.source, first.fingerprint, first.state, first.name) == (
        "alertmanager", "fp0001", "firing", "HighErrorRate",
    )  # fmt: skip
    assert first.starts_at == "2026-11-28T13:58:00.123456Z"  # nanoseconds cut to micro
    assert first.ends_at is None  # a firing alert's end is Alertmanager's guess
    assert first.url == "http://prometheus:9090/graph?g0.expr=x"
    assert first.summary == "5xx above 2%"
    assert second.state == "resolved"
    assert second.ends_at == "2026-11-28T14:05:00.000000Z"


def test_the_group_is_the_name_and_labels_but_instance_and_pod() -> None:
    one, two, other = parse_payload(
        webhook(alert(1), alert(2, instance="10.0.0.2:9100"), alert(3, service="search"))
    ).alerts
    assert one.group == two.group == 'HighErrorRate{service="payments"}'
    assert other.group != one.group
    assert group_key("A", {"b": "1", "a": "2", "pod": "x"}) == 'A{a="2",b="1"}'
    assert len(group_id(one.group)) == 8


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ({"labels": {}}, "no 'alertname' label"),
        ({"status": "weird"}, "neither firing nor resolved"),
        ({"labels": {"alertname": "A", "x": ["list"]}}, "label 'x' is not text"),
        ({"startsAt": "yesterday"}, "start time 'yesterday' is not an ISO-8601 time"),
        ({"generatorURL": "javascript:alert(1)"}, "link is not a web address"),
        ({"fingerprint": "f" * 101}, "fingerprint is 101 characters long"),
        ({"annotations": {"summary": "x\x00y"}}, "NUL"),
    ],
)
def test_a_bad_alert_is_a_problem_in_words(broken: dict[str, Any], problem: str) -> None:
    parsed = parse_payload(webhook(alert(1), {**alert(2), **broken}))
    assert len(parsed.alerts) == 1
    assert parsed.problems[0].startswith("Alert 2: ")
    assert problem in parsed.problems[0]


def test_labels_are_bounded() -> None:
    labels = {f"l{i}": "v" for i in range(MAX_LABELS + 1)}
    parsed = parse_payload(webhook({**alert(1), "labels": {"alertname": "A", **labels}}))
    assert parsed.alerts == []
    assert f"(limit {MAX_LABELS})" in parsed.problems[0]
    huge = {"alertname": "A", **{f"l{i}": "v" * 1000 for i in range(35)}}
    assert (
        "labels and annotations hold"
        in parse_payload(webhook({**alert(1), "labels": huge})).problems[0]
    )


def test_other_versions_and_shapes_are_refused() -> None:
    assert "only 4 is read" in parse_payload({**webhook(), "version": "3"}).problems[0]
    assert parse_payload("text").problems
    assert parse_payload(webhook()).alerts == []  # an empty group is no problem


def test_pagerduty_events_are_read() -> None:
    events = [
        {
            "routing_key": "R" * 32,
            "event_action": "trigger",
            "dedup_key": "db-pool-1",
            "payload": {
                "summary": "DB pool exhausted on db-1",
                "source": "db-1",
                "severity": "critical",
                "component": "postgres",
                "group": "prod-db",
                "class": "pool",
                "timestamp": "2026-11-28T13:59:00Z",
                "custom_details": {"free": 0, "runbook_url": "https://wiki/db"},
            },
        },
        {"routing_key": "R" * 32, "event_action": "resolve", "dedup_key": "db-pool-1"},
    ]
    parsed = parse_file(json.dumps(events))
    assert parsed.problems == []
    trigger, resolve = parsed.alerts
    assert (trigger.source, trigger.fingerprint, trigger.name) == ("pagerduty", "db-pool-1", "pool")
    assert trigger.labels["severity"] == "critical"
    assert trigger.annotations["summary"] == "DB pool exhausted on db-1"
    assert trigger.annotations["free"] == "0"
    assert trigger.starts_at == "2026-11-28T13:59:00.000000Z"
    assert resolve.state == "resolved"
    bad = parse_file(json.dumps([{"event_action": "resolve"}, {"event_action": "poke"}]))
    assert [p.split(":")[0] for p in bad.problems] == ["Event 1", "Event 2"]
    assert "dedup_key" in bad.problems[0]


def test_a_csv_export_is_read_and_every_bad_line_named() -> None:
    good = parse_csv(
        "alertname,status,service,pod,startsAt,summary\n"
        "HighErrorRate,firing,payments,pay-1,2026-11-28T13:58:00Z,5xx up\n"
        "HighErrorRate,resolved,payments,pay-1,2026-11-28T13:58:00Z,5xx up\n"
    )
    assert good.problems == []
    assert [a.state for a in good.alerts] == ["firing", "resolved"]
    assert good.alerts[0].fingerprint == good.alerts[1].fingerprint  # same labels, same alert
    assert good.alerts[0].group == 'HighErrorRate{service="payments"}'
    bad = parse_csv(
        "alertname,status,startsAt\nA,firing,2026-11-28T13:58:00Z\n,firing,\nB,maybe,\nC,firing,x\n"
    )
    assert [p.split(":")[0] for p in bad.problems] == ["Line 3", "Line 4", "Line 5"]
    assert "no alert name" in bad.problems[0]
    assert parse_csv("host,value\nx,1\n").problems[0].startswith("Line 1:")


def test_invalid_json_is_a_problem_not_a_crash() -> None:
    assert "not valid JSON" in parse_file("{nope").problems[0]
    assert "not valid JSON" in parse_file("[" * 100_000).problems[0]


def test_only_news_becomes_an_event() -> None:
    """First sight, then only changes of state; repeats and late arrivals write nothing."""
    one, again = parse_payload(webhook(alert(1), alert(1))).alerts
    (resolved,) = parse_payload(webhook(alert(1, "resolved"))).alerts
    kept = news([one, again, resolved], {}, START)
    assert [(a.state, at.isoformat()) for a, at in kept] == [
        ("firing", "2026-11-28T13:58:00.123456+00:00"),
        ("resolved", "2026-11-28T14:00:00+00:00"),  # its 14:05 end is later than now: now
    ]
    (ancient,) = parse_payload(webhook({**alert(2), "startsAt": "1970-01-01T00:00:00Z"})).alerts
    assert news([ancient], {}, START)[0][1] == START  # a broken clock: its arrival instead
    known = {"fp0001": Known("resolved", "2026-11-28T14:10:00.000000Z")}
    assert news([one], known, START) == []  # older than what is known: a late retry


def test_alert_bodies_validate_and_typed_alerts_stay_valid() -> None:
    (incoming,) = parse_payload(webhook(alert(1))).alerts
    body = validate_body(Kind.ALERT, alert_body(incoming))
    assert body["text"] == (
        "Alert firing: HighErrorRate — 5xx above 2% (pod=pay-1, service=payments)"
    )
    assert validate_body(Kind.ALERT, {"text": "pager went off"}) == {"text": "pager went off"}
    with pytest.raises(ValidationError, match="state must be firing or resolved"):
        validate_body(Kind.ALERT, {**body, "state": "meh"})
    with pytest.raises(ValidationError, match="must have a fingerprint"):
        validate_body(Kind.ALERT, {"text": "x", "state": "firing"})
    with pytest.raises(ValidationError, match="cause, symptom, noise or unknown"):
        validate_body(Kind.ALERT, {"text": "x", "triage": "meh", "group": "A{}"})
    assert AlertTriage.parse(" Noise ") is AlertTriage.NOISE
    with pytest.raises(ValidationError, match="Unknown triage"):
        AlertTriage.parse("ignore")
