"""The noise report read from a real log: incidents, alert events, triage, the inbox,
the filters; and a proposal made a follow-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commander_app.core.alert_noise import Proposal
from commander_app.core.alert_payloads import IncomingAlert, parse_payload
from commander_app.core.alerts import AlertTriage
from commander_app.core.clock import FixedClock
from commander_app.core.errors import ValidationError
from commander_app.core.model import Kind, Milestone
from commander_app.store.alert_noise import (
    NoiseFilter,
    find_miss,
    find_row,
    propose_miss,
    propose_row,
    read_report,
)
from commander_app.store.alerts import find_group, ingest, keep_in_inbox, triage
from commander_app.store.incident_log import IncidentLog
from tests.core.test_alert_payloads import webhook

BERLIN = ZoneInfo("Europe/Berlin")


def am(
    name: str,
    fingerprint: str,
    starts: str,
    *,
    resolved: str | None = None,
    service: str = "payments",
    runbook: bool = True,
) -> dict[str, Any]:
    annotations = {"summary": f"{name} is up"}
    if runbook:
        annotations["runbook_url"] = "https://wiki/rb"
    return {
        "status": "resolved" if resolved else "firing",
        "labels": {"alertname": name, "service": service, "severity": "critical"},
        "annotations": annotations,
        "startsAt": starts,
        "endsAt": resolved or "0001-01-01T00:00:00Z",
        "fingerprint": fingerprint,
    }


def alerts(*items: dict[str, Any]) -> list[IncomingAlert]:
    parsed = parse_payload(webhook(*items))
    assert parsed.problems == []
    return parsed.alerts


@pytest.fixture
def two_incidents(log: IncidentLog, clock: FixedClock) -> tuple[str, str]:
    """Incident A (28 Nov 14:00 UTC): DiskFull fires 13:50, two minutes before it was
    detected, and is triaged noise; Latency fires 14:10 without a runbook.
    Incident B (29 Nov): only Latency, at 14:30, after detection at 14:02: a miss."""
    a = log.open_incident("Checkout 500s", author="alice").id
    clock.advance(timedelta(minutes=1))
    log.mark_milestone(
        a, Milestone.DETECTED, author="alice", at=datetime(2026, 11, 28, 13, 52, tzinfo=UTC)
    )
    clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))
    ingest(log, a, alerts(am("DiskFull", "d1", "2026-11-28T13:50:00Z")), author="am")
    ingest(
        log,
        a,
        alerts(am("DiskFull", "d1", "2026-11-28T13:50:00Z", resolved="2026-11-28T14:20:00Z")),
        author="am",
    )
    ingest(log, a, alerts(am("Latency", "l1", "2026-11-28T14:10:00Z", runbook=False)), author="am")
    triage(log, a, find_group(log, a, "DiskFull"), AlertTriage.NOISE, hypothesis=None, author="bo")
    clock.set(datetime(2026, 11, 29, 14, 0, tzinfo=UTC))
    b = log.open_incident("Search slow", author="alice").id
    clock.advance(timedelta(minutes=1))
    log.mark_milestone(
        b, Milestone.DETECTED, author="alice", at=datetime(2026, 11, 29, 14, 2, tzinfo=UTC)
    )
    clock.set(datetime(2026, 11, 29, 15, 0, tzinfo=UTC))
    ingest(
        log, b, alerts(am("Latency", "l2", "2026-11-29T14:30:00Z", service="search")), author="am"
    )
    return a, b


def test_the_report_reads_every_real_incident(
    log: IncidentLog, two_incidents: tuple[str, str]
) -> None:
    b = two_incidents[1]
    drill = log.open_incident("Game day", drill=True, author="alice").id
    ingest(log, drill, alerts(am("DiskFull", "x", "2026-11-29T14:50:00Z")), author="am")
    report = read_report(log, NoiseFilter(), BERLIN)
    assert report.incidents == 2  # the drill is left out
    disk = find_row(report, "diskfull")
    assert (disk.incidents, disk.alerts, disk.noise, disk.proposal) == (1, 1, 1, Proposal.DELETE)
    assert disk.page_hours == pytest.approx(0.5)  # 13:50 to 14:20
    latency = find_row(report, "Latency")
    assert (latency.incidents, latency.alerts, latency.without_context) == (2, 2, 1)
    assert latency.proposal is Proposal.ADD_CONTEXT
    assert [m.incident_id for m in report.misses] == [b]
    assert "first alert started 2026-11-29 15:30, 28 min later" in report.misses[0].reason


def test_since_and_service_narrow_the_report(
    log: IncidentLog, two_incidents: tuple[str, str]
) -> None:
    later = read_report(log, NoiseFilter(since=datetime(2026, 11, 29, tzinfo=UTC)), BERLIN)
    assert later.incidents == 1
    assert [r.name for r in later.rows] == ["Latency"]
    search = read_report(log, NoiseFilter(service="Search"), BERLIN)
    assert search.incidents == 1
    assert [(r.name, r.alerts) for r in search.rows] == [("Latency", 1)]
    payments = read_report(log, NoiseFilter(service="payments"), BERLIN)
    assert sorted(r.name for r in payments.rows) == ["DiskFull", "Latency"]
    assert find_row(payments, "Latency").alerts == 1


def test_alerts_in_the_inbox_count_as_outside_incidents(
    log: IncidentLog, two_incidents: tuple[str, str]
) -> None:
    keep_in_inbox(log, alerts(am("DiskFull", "d9", "2026-11-29T16:00:00Z")))
    report = read_report(log, NoiseFilter(), BERLIN)
    assert find_row(report, "DiskFull").outside == 1


def test_a_proposal_becomes_a_follow_up_with_its_evidence(
    log: IncidentLog, two_incidents: tuple[str, str]
) -> None:
    a, b = two_incidents
    report = read_report(log, NoiseFilter(), BERLIN)
    event = propose_row(log, find_row(report, "DiskFull"), None, author="lead")
    assert (event.incident_id, event.kind) == (a, Kind.ACTION)
    assert event.body["follow_up"] is True
    assert event.body["type"] == "detect"
    text = str(event.body["text"])
    assert text.startswith("Delete the alert rule DiskFull")
    assert "triaged noise in 1 of 1 triaged groups" in text
    missed = propose_miss(log, find_miss(report, b), author="lead")
    assert missed.incident_id == b
    assert "Add an alert or a health check" in str(missed.body["text"])
    assert "28 min later" in str(missed.body["text"])


def test_keeping_an_alert_is_no_follow_up(log: IncidentLog, clock: FixedClock) -> None:
    a = log.open_incident("Checkout 500s", author="alice").id
    clock.advance(timedelta(hours=1))
    ingest(log, a, alerts(am("Good", "g1", "2026-11-28T13:50:00Z")), author="am")
    report = read_report(log, NoiseFilter(), BERLIN)
    with pytest.raises(ValidationError, match="proposes no change to Good"):
        propose_row(log, find_row(report, "Good"), None, author="lead")
