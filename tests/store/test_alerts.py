"""Alerts in the log: deduplicated by fingerprint, grouped, triaged, rebuilt from events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commander_app.core.alert_payloads import IncomingAlert, parse_payload
from commander_app.core.alerts import AlertTriage
from commander_app.core.bundle import parse_bundle
from commander_app.core.clock import FixedClock
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import Kind
from commander_app.store import alert_projection
from commander_app.store.alerts import (
    MAX_INBOX,
    InboxFullError,
    attach_inbox,
    find_group,
    groups,
    inbox_count,
    ingest,
    keep_in_inbox,
    triage,
)
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.incident_log import IncidentLog
from tests.core.test_alert_payloads import alert, webhook
from tests.store.conftest import count


def incoming(*alerts: dict[str, object]) -> list[IncomingAlert]:
    parsed = parse_payload(webhook(*alerts))
    assert parsed.problems == []
    return parsed.alerts


def rows(log: IncidentLog, incident_id: str) -> list[tuple[object, ...]]:
    return alert_projection.stored_rows(log.conn, incident_id)


def test_a_storm_is_one_group_and_repeats_write_nothing(log: IncidentLog, incident_id: str) -> None:
    before = count(log)
    storm = incoming(*(alert(n) for n in range(40)))
    assert ingest(log, incident_id, storm, author="am").events == 40
    again = ingest(log, incident_id, storm, author="am")  # Alertmanager's repeat_interval
    assert (again.events, again.repeats) == (0, 40)
    assert count(log) == before + 40
    (group,) = groups(log, incident_id)
    assert (group.name, group.alerts, group.firing, group.fires, group.state) == (
        "HighErrorRate", 40, 40, 40, "firing",
    )  # fmt: skip
    assert group.first_seen == "2026-11-28T13:58:00.123456Z"
    assert group.triage is None


def test_a_resolve_and_a_refire_update_one_row(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    ingest(log, incident_id, incoming(alert(1), alert(2)), author="am")
    clock.advance(timedelta(minutes=10))
    ingest(log, incident_id, incoming(alert(1, "resolved")), author="am")
    refire = {**alert(1), "startsAt": "2026-11-28T14:08:00Z"}
    ingest(log, incident_id, incoming(refire), author="am")
    (group,) = groups(log, incident_id)
    assert (group.alerts, group.firing, group.fires) == (2, 2, 3)
    states = log.conn.execute(
        "SELECT fingerprint, state, fires, last_seen FROM alerts ORDER BY fingerprint"
    ).fetchall()
    assert states == [
        ("fp0001", "firing", 2, "2026-11-28T14:08:00.000000Z"),
        ("fp0002", "firing", 1, "2026-11-28T13:58:00.123456Z"),
    ]
    alert_events = [e for e in log.events(incident_id) if e.kind is Kind.ALERT]
    assert [e.body["state"] for e in alert_events] == ["firing", "firing", "resolved", "firing"]


def test_triage_is_an_event_and_the_latest_holds(log: IncidentLog, incident_id: str) -> None:
    ingest(log, incident_id, incoming(alert(1), alert(2, service="db")), author="am")
    hypothesis = log.log(incident_id, "DB pool exhausted", kind=Kind.HYPOTHESIS, author="bo")
    group = find_group(log, incident_id, 'HighErrorRate{service="payments"}')
    triage(log, incident_id, group, AlertTriage.NOISE, hypothesis=None, author="bo")
    event = triage(
        log, incident_id, group, AlertTriage.SYMPTOM, hypothesis=(hypothesis.id, "H1"), author="bo"
    )
    assert event.body["text"] == "Alerts HighErrorRate triaged: symptom of H1"
    by_id = {g.group_id: g for g in groups(log, incident_id)}
    assert by_id[group.group_id].triage == "symptom"
    assert by_id[group.group_id].hypothesis == hypothesis.id
    assert sum(g.triage is None for g in by_id.values()) == 1
    triage(log, incident_id, group, AlertTriage.UNKNOWN, hypothesis=None, author="bo")
    assert all(g.triage is None for g in groups(log, incident_id))


def test_groups_are_found_by_id_prefix_or_unique_name(log: IncidentLog, incident_id: str) -> None:
    ingest(log, incident_id, incoming(alert(1), alert(2, service="db")), author="am")
    first = groups(log, incident_id)[0]
    assert find_group(log, incident_id, first.group_id[:4]).key == first.key
    with pytest.raises(ValidationError, match="more than one alert group"):
        find_group(log, incident_id, "HighErrorRate")
    with pytest.raises(NotFoundError, match="No alert group"):
        find_group(log, incident_id, "Nope")


def test_the_tables_rebuild_from_the_events_alone(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    ingest(log, incident_id, incoming(*(alert(n) for n in range(5))), author="am")
    clock.advance(timedelta(minutes=10))
    ingest(log, incident_id, incoming(alert(3, "resolved")), author="am")
    group = groups(log, incident_id)[0]
    triage(log, incident_id, group, AlertTriage.CAUSE, hypothesis=None, author="bo")
    kept = rows(log, incident_id)
    log.conn.execute("DELETE FROM alerts")
    log.rebuild_projection()
    assert rows(log, incident_id) == kept


def test_an_exported_incident_brings_its_alerts(
    log: IncidentLog, incident_id: str, tmp_path, clock: FixedClock
) -> None:
    ingest(log, incident_id, incoming(alert(1), alert(2)), author="am")
    triage(log, incident_id, groups(log, incident_id)[0], AlertTriage.NOISE, hypothesis=None,
           author="bo")  # fmt: skip
    bundle = export_bundle(log, incident_id)
    with IncidentLog(tmp_path / "other.db", device_id="laptop-2", clock=clock) as other:
        import_bundle(other, parse_bundle(bundle))
        assert rows(other, incident_id) == rows(log, incident_id)
        assert groups(other, incident_id)[0].triage == "noise"


def test_older_typed_alerts_stay_plain_entries(log: IncidentLog, incident_id: str) -> None:
    log.log(incident_id, "pager: checkout 500s", kind=Kind.ALERT, author="bo")
    assert groups(log, incident_id) == []
    log.rebuild_projection()
    assert groups(log, incident_id) == []


def test_alerts_wait_in_the_inbox_until_attached(log: IncidentLog, incident_id: str) -> None:
    keep_in_inbox(log, incoming(alert(1), alert(2)))
    keep_in_inbox(log, incoming(alert(1)))
    assert inbox_count(log) == 3
    done = attach_inbox(log, incident_id, author="bo")
    assert (done.events, done.repeats) == (2, 1)
    assert inbox_count(log) == 0
    assert groups(log, incident_id)[0].alerts == 2


def test_a_full_inbox_refuses_the_batch_whole(log: IncidentLog, monkeypatch) -> None:
    monkeypatch.setattr("commander_app.store.alerts.MAX_INBOX", 2)
    keep_in_inbox(log, incoming(alert(1)))
    with pytest.raises(InboxFullError, match="open an incident"):
        keep_in_inbox(log, incoming(alert(2), alert(3)))
    assert inbox_count(log) == 1
    assert MAX_INBOX == 20_000


def test_a_batch_for_an_unknown_incident_writes_nothing(log: IncidentLog, incident_id: str) -> None:
    before = count(log)
    with pytest.raises(NotFoundError):
        ingest(log, "01" + "0" * 24, incoming(alert(1)), author="am")
    assert count(log) == before


def test_odd_imported_alert_bodies_are_refused_or_kept_as_text(
    log: IncidentLog, incident_id: str
) -> None:
    """A hand-edited bundle's alert: null structured fields leave a plain alert; a triage
    that is not text is refused in words (never a crash or a broken projection)."""
    log.append(incident_id, Kind.ALERT, {"text": "x", "fingerprint": None}, author="bo")
    assert groups(log, incident_id) == []
    with pytest.raises(ValidationError, match="cause, symptom, noise or unknown"):
        log.append(incident_id, Kind.ALERT, {"text": "x", "triage": {"a": 1}}, author="bo")


def test_the_check_tells_a_table_out_of_step_and_the_rebuild_mends_it(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    from commander_app.store.health import check_log

    ingest(log, incident_id, incoming(alert(1), alert(2)), author="am")
    clock.advance(timedelta(minutes=10))
    ingest(log, incident_id, incoming(alert(1, "resolved")), author="am")
    triage(log, incident_id, groups(log, incident_id)[0], AlertTriage.NOISE, hypothesis=None,
           author="bo")  # fmt: skip
    assert alert_projection.expected_rows(log.conn, incident_id) == rows(log, incident_id)
    assert not [p for p in check_log(log) if "alerts table" in p]
    log.conn.execute("UPDATE alerts SET fires = 7")
    assert [p for p in check_log(log) if "alerts table" in p]
    log.rebuild_projection()
    assert not [p for p in check_log(log) if "alerts table" in p]
