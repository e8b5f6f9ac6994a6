import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import Kind, Milestone, Role, Severity, Status
from commander_app.store import handoff
from commander_app.store.errors import BusyError
from commander_app.store.health import check_log
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import INCIDENT_COLUMNS
from commander_app.store.timeline import timeline_page


def test_every_connection_is_durable(log: IncidentLog) -> None:
    assert log.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert log.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert log.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_open_log_and_read_back(log: IncidentLog, clock: FixedClock) -> None:
    incident = log.open_incident(
        "Checkout 500s", severity=Severity.SEV1, commander="alice", author="alice"
    )
    clock.advance(timedelta(minutes=1))
    event = log.log(incident.id, "p99 up 10x", kind=Kind.OBSERVATION, author="bob")
    assert log.event(event.id) == event
    state = log.incident(incident.id)
    assert (state.title, state.severity, state.status) == (
        "Checkout 500s",
        Severity.SEV1,
        Status.INVESTIGATING,
    )
    assert state.commander == "alice"
    assert state.event_count == 2
    assert state.last_event_at == event.recorded_at
    assert [e.kind for e in log.events(incident.id)] == [Kind.INCIDENT, Kind.OBSERVATION]


def test_events_cannot_be_changed_or_deleted(log: IncidentLog) -> None:
    incident = log.open_incident("x", author="a")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        log.conn.execute("UPDATE events SET text = 'rewritten'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        log.conn.execute("DELETE FROM events WHERE incident_id = ?", [incident.id])


def test_rejected_input_writes_nothing(log: IncidentLog) -> None:
    incident = log.open_incident("x", author="a")
    before = log.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(ValidationError):
        log.log(incident.id, "   ", author="a")
    with pytest.raises(ValidationError):
        log.set_status(incident.id, Status.INVESTIGATING, author="a")
    with pytest.raises(NotFoundError):
        log.log("01JAAAAAAAAAAAAAAAAAAAAAAA", "text", author="a")
    assert log.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before


def test_find_incident_defaults_to_most_recently_active_open(
    log: IncidentLog, clock: FixedClock
) -> None:
    first = log.open_incident("first", author="a")
    clock.advance(timedelta(minutes=1))
    second = log.open_incident("second", author="a")
    clock.advance(timedelta(minutes=1))
    log.log(first.id, "activity", author="a")
    assert log.find_incident(None).id == first.id
    clock.advance(timedelta(minutes=1))
    log.set_status(first.id, Status.RESOLVED, author="a")
    assert log.find_incident(None).id == second.id
    assert log.find_incident(second.id).id == second.id


def test_find_incident_by_prefix(log: IncidentLog) -> None:
    incident = log.open_incident("only", author="a")
    assert log.find_incident(incident.id[:8].lower()).id == incident.id
    with pytest.raises(ValidationError, match="first 4"):
        log.find_incident("01")
    with pytest.raises(NotFoundError, match="no incident 'ZZZZZZ'"):
        log.find_incident("ZZZZZZ")


def test_ambiguous_prefix_asks_for_more(log: IncidentLog) -> None:
    a = log.open_incident("a", author="x")
    b = log.open_incident("b", author="x")
    common = next(i for i in range(26) if a.id[i] != b.id[i])
    assert common >= 4
    with pytest.raises(ValidationError, match="more than one") as refused:
        log.find_incident(a.id[:common])
    # Opened in the same second: the candidates are listed, not just refused.
    assert f"  {a.id}  a\n  {b.id}  b" in str(refused.value)


def test_no_open_incident_says_how_to_start_one(log: IncidentLog) -> None:
    with pytest.raises(NotFoundError, match="commander new"):
        log.find_incident(None)


def test_status_severity_milestone_and_roles_are_events(
    log: IncidentLog, clock: FixedClock
) -> None:
    incident = log.open_incident("x", author="a")
    log.set_severity(incident.id, Severity.SEV1, author="a")
    log.set_status(incident.id, Status.IDENTIFIED, author="a")
    backfilled = clock.now() - timedelta(minutes=30)
    log.mark_milestone(incident.id, Milestone.IMPACT_STARTED, author="a", at=backfilled)
    log.assign_role(incident.id, Role.COMMUNICATOR, "bea", author="a")
    state = log.incident(incident.id)
    assert state.severity is Severity.SEV1
    assert state.status is Status.IDENTIFIED
    assert state.impact_started_at == "2026-11-28T13:30:00.000000Z"
    assert state.communicator == "bea"
    kinds = [e.kind for e in log.events(incident.id)]
    assert kinds == [Kind.MILESTONE, Kind.INCIDENT, Kind.SEVERITY, Kind.STATUS, Kind.ROLE]


def test_corrections_point_at_what_they_amend(log: IncidentLog) -> None:
    incident = log.open_incident("x", author="a")
    wrong = log.log(incident.id, "db-7 is down", author="a")
    fixed = log.log(incident.id, "db-3 is down", author="a", supersedes=wrong.id)
    assert fixed.supersedes == wrong.id
    other = log.open_incident("y", author="a")
    with pytest.raises(ValidationError, match="same incident"):
        log.log(other.id, "nope", author="a", supersedes=wrong.id)
    with pytest.raises(NotFoundError):
        log.log(incident.id, "nope", author="a", supersedes="01JAAAAAAAAAAAAAAAAAAAAAAA")


def test_projection_equals_a_rebuild_from_events_alone(log: IncidentLog, clock: FixedClock) -> None:
    one = log.open_incident("one", severity=Severity.SEV2, commander="al", author="a")
    two = log.open_incident("two", drill=True, author="a")
    for minute in range(5):
        clock.advance(timedelta(minutes=1))
        log.log(one.id, f"note {minute}", author="a")
    wrong = log.mark_milestone(one.id, Milestone.DETECTED, author="a")
    log.append(
        one.id,
        Kind.MILESTONE,
        {"milestone": "detected"},
        author="a",
        at=clock.now() - timedelta(minutes=3),
        supersedes=wrong.id,
    )
    log.log(two.id, "backfilled", author="a", at=clock.now() - timedelta(hours=1))
    log.set_status(one.id, Status.RESOLVED, author="a")
    log.set_status(one.id, Status.MONITORING, author="a")
    clock.advance(timedelta(minutes=1))
    handoff.offer_handoff(log, one.id, "bea", author="al")
    clock.advance(timedelta(minutes=1))
    handoff.accept_handoff(log, one.id, author="bea")
    clock.advance(timedelta(minutes=1))
    handoff.offer_handoff(log, one.id, "cy", author="bea")
    clock.advance(timedelta(minutes=1))
    handoff.offer_handoff(log, two.id, "dee", author="a")
    log.append(  # an acceptance from a paper note, before the offer it answers
        two.id,
        Kind.ROLE,
        {"role": "commander", "person": "dee", "action": "handoff_accepted"},
        author="dee",
        at=clock.now() - timedelta(hours=2),
    )
    assert (log.incident(one.id).commander, log.incident(one.id).pending_handoff_to) == (
        "bea",
        "cy",
    )
    cols = ", ".join(INCIDENT_COLUMNS)
    before = log.conn.execute(f"SELECT {cols} FROM incidents ORDER BY id").fetchall()
    assert log.rebuild_projection() == 2
    after = log.conn.execute(f"SELECT {cols} FROM incidents ORDER BY id").fetchall()
    assert before == after
    assert check_log(log) == []


def test_check_notices_a_projection_out_of_step(log: IncidentLog) -> None:
    incident = log.open_incident("x", author="a")
    log.conn.execute("UPDATE incidents SET status = 'resolved' WHERE id = ?", [incident.id])
    problems = check_log(log)
    assert len(problems) == 1
    assert "check --rebuild" in problems[0]
    log.rebuild_projection()
    assert check_log(log) == []


def test_timeline_pages_in_story_order(log: IncidentLog, clock: FixedClock) -> None:
    incident = log.open_incident("x", author="a")
    for n in range(25):
        clock.advance(timedelta(seconds=1))
        log.log(incident.id, f"entry {n}", author="a")
    seen: list[str] = []
    after = None
    while True:
        page = timeline_page(log.conn, incident.id, after, limit=10)
        if not page:
            break
        seen += [row.event.id for row in page]
        after = page[-1].position
    assert seen == [e.id for e in log.events(incident.id)]
    assert len(seen) == 26


def test_reopening_keeps_everything(db_path: Path, clock: FixedClock) -> None:
    with IncidentLog(db_path, device_id="d1", clock=clock) as first:
        incident = first.open_incident("persisted", author="a")
        first.log(incident.id, "entry", author="a")
    with IncidentLog(db_path, device_id="d2", clock=clock) as second:
        assert [e.device_id for e in second.events(incident.id)] == ["d1", "d1"]
        assert second.incident(incident.id).event_count == 2


def test_incidents_list_puts_what_needs_attention_first(
    log: IncidentLog, clock: FixedClock
) -> None:
    old = log.open_incident("old sev1, resolved", severity=Severity.SEV1, author="a")
    log.set_status(old.id, Status.RESOLVED, author="a")
    sev3 = log.open_incident("sev3", severity=Severity.SEV3, author="a")
    sev1 = log.open_incident("sev1", severity=Severity.SEV1, author="a")
    drill = log.open_incident("drill", severity=Severity.SEV1, drill=True, author="a")
    clock.advance(timedelta(minutes=1))
    log.log(sev3.id, "busy", author="a")
    assert [i.id for i in log.incidents()] == [sev1.id, sev3.id, drill.id]
    assert [i.id for i in log.incidents(include_resolved=True)][-1] == old.id


def test_a_writer_held_up_too_long_is_told_busy_and_nothing_is_written(log: IncidentLog) -> None:
    incident = log.open_incident("x", author="a")
    log.conn.execute("PRAGMA busy_timeout = 100")
    other = sqlite3.connect(log.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(BusyError, match="busy"):
            log.log(incident.id, "must not be half-written", author="a")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [e.kind for e in log.events(incident.id)] == [Kind.INCIDENT]
    log.log(incident.id, "now it goes in", author="a")


def test_find_incident_defaults_to_real_work_over_a_more_recent_drill(
    log: IncidentLog, clock: FixedClock
) -> None:
    real = log.open_incident("ES heap", author="a")
    clock.advance(timedelta(minutes=1))
    drill = log.open_incident("Drill: DNS", drill=True, author="a")
    clock.advance(timedelta(minutes=1))
    log.log(drill.id, "inject 1", author="a")
    assert log.find_incident(None).id == real.id
    clock.advance(timedelta(minutes=1))
    log.set_status(real.id, Status.RESOLVED, author="a")
    assert log.find_incident(None).id == drill.id  # only a drill is open
