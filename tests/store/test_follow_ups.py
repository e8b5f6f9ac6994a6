"""Follow-ups in the log: the projection across incidents, in step with every write."""

import itertools
import sqlite3
from datetime import timedelta
from types import SimpleNamespace

import pytest

from commander_app.core.clock import FixedClock
from commander_app.core.errors import ValidationError
from commander_app.core.follow_ups import (
    DUE_SOON,
    URGENCY,
    FollowUpRequest,
    Standing,
    standing,
)
from commander_app.core.model import Ack, FollowUpState, Severity, Status
from commander_app.core.times import to_iso
from commander_app.store import board as board_store
from commander_app.store import follow_ups as store
from commander_app.store.incident_log import IncidentLog
from commander_app.store.postmortem_words import action_words_path


def rows(log: IncidentLog) -> list[tuple[object, ...]]:
    return log.conn.execute("SELECT * FROM follow_ups ORDER BY id").fetchall()


def test_items_of_every_incident_most_urgent_first(log: IncidentLog, clock: FixedClock) -> None:
    old = log.open_incident("Checkout 500s in March", severity=Severity.SEV1, author="ada")
    late = store.add_follow_up(
        log, old.id, FollowUpRequest("Add a canary stage", owner="Kim"), author="ada"
    )
    store.answer(log, old.id, late.id, Ack.ACCEPTED, author="Kim")
    log.set_status(old.id, Status.RESOLVED, author="ada")
    clock.advance(timedelta(days=20))  # past the SEV1 default of 15 days
    new = log.open_incident("Search latency", severity=Severity.SEV3, author="ada")
    store.add_follow_up(log, new.id, FollowUpRequest("Alert on search p99"), author="ada")
    store.add_follow_up(
        log, new.id, FollowUpRequest("Document the reindex", owner="Lee"), author="ada"
    )
    board_store.add_action(log, new.id, "Page the DBA", owner="Dana", author="ada")
    drill = log.open_incident("Drill: region loss", drill=True, author="ada")
    store.add_follow_up(
        log, drill.id, FollowUpRequest("Practise the region failover each quarter"), author="ada"
    )

    listed = store.follow_ups(log, clock.now())
    assert [(r.text, standing(r, clock.now())) for r in listed] == [
        ("Add a canary stage", Standing.OVERDUE),
        ("Alert on search p99", Standing.OWNERLESS),
        ("Document the reindex", Standing.UNACKNOWLEDGED),
        ("Page the DBA", Standing.ON_TRACK),  # written mid-incident: no offer to accept
    ]
    assert listed[0].incident_resolved  # reminders outlive the incident
    assert [
        r.text for r in store.follow_ups(log, clock.now(), store.FollowUpFilter(owner="kim"))
    ] == ["Add a canary stage"]
    overdue = store.FollowUpFilter(overdue_only=True)
    assert [r.number for r in store.follow_ups(log, clock.now(), overdue)] == ["A1"]
    drills = store.FollowUpFilter(include_drills=True)
    assert "Practise the region failover each quarter" in {
        r.text for r in store.follow_ups(log, clock.now(), drills)
    }
    assert store.counts(log, clock.now())[Standing.UNACKNOWLEDGED] == 1


def test_closed_items_leave_the_list_and_the_projection_rebuilds_the_same(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    item = store.add_follow_up(
        log, incident_id, FollowUpRequest("Add a canary", owner="Kim"), author="ada"
    )
    other = store.add_follow_up(log, incident_id, FollowUpRequest("Alert on p99"), author="ada")
    store.move(log, incident_id, "A1", FollowUpState.DONE, evidence="PR 12", author="Kim")
    store.move(log, incident_id, other.id, FollowUpState.WONT, reason="retired", author="ada")
    assert store.follow_ups(log, clock.now()) == []
    everything = store.follow_ups(log, clock.now(), store.FollowUpFilter(include_closed=True))
    assert [(r.id, r.state) for r in everything] == [
        (item.id, FollowUpState.DONE),
        (other.id, FollowUpState.WONT),
    ]
    before = rows(log)
    log.conn.execute("DELETE FROM follow_ups")
    log.rebuild_projection()
    assert rows(log) == before


def test_refusals_write_nothing(log: IncidentLog, incident_id: str) -> None:
    store.add_follow_up(log, incident_id, FollowUpRequest("Add a canary"), author="ada")
    before = rows(log)
    with pytest.raises(ValidationError, match="has no owner to accept it"):
        store.answer(log, incident_id, "A1", Ack.ACCEPTED, author="Kim")
    with pytest.raises(ValidationError, match="known to be done"):
        store.move(log, incident_id, "A1", FollowUpState.DONE, author="Kim")
    assert rows(log) == before


def test_a_symptom_fix_and_its_systemic_twin(log: IncidentLog, incident_id: str) -> None:
    symptom = store.add_follow_up(
        log, incident_id, FollowUpRequest("Raise the pool size to 200", symptom=True), author="a"
    )
    twin = store.add_follow_up(
        log,
        incident_id,
        FollowUpRequest("Review pool sizing in every service's launch checklist", twin="A1"),
        author="a",
    )
    assert twin.body["twin"] == symptom.id


def test_a_text_check_refusal_keeps_nothing_and_an_override_is_recorded(
    log: IncidentLog, incident_id: str
) -> None:
    """The store checks the text with the team's words, whoever calls it."""
    with pytest.raises(ValidationError, match="careful"):
        store.add_follow_up(log, incident_id, FollowUpRequest("Be more careful"), author="a")
    assert rows(log) == []
    action_words_path().parent.mkdir(parents=True, exist_ok=True)
    action_words_path().write_text('vague_phrases = ["try harder"]\n', "utf-8")
    with pytest.raises(ValidationError, match="try harder"):
        store.add_follow_up(
            log, incident_id, FollowUpRequest("Add alerts and try harder"), author="a"
        )
    kept = store.add_follow_up(
        log,
        incident_id,
        FollowUpRequest("Be more careful", override="quoted from the customer"),
        author="a",
    )
    assert kept.body["text_override"] == "quoted from the customer"


def test_check_finds_a_follow_ups_table_out_of_step_and_writes_nothing(
    log: IncidentLog, incident_id: str
) -> None:
    from commander_app.store.health import check_log

    store.add_follow_up(log, incident_id, FollowUpRequest("Add a canary"), author="ada")
    assert check_log(log) == []
    log.conn.execute("UPDATE follow_ups SET owner = 'Mallory'")
    before = rows(log)
    [problem] = check_log(log)
    assert "its follow-ups table differs from its actions" in problem
    assert rows(log) == before  # the check only reads
    log.rebuild_projection()
    assert check_log(log) == []


def test_the_database_ranks_every_item_as_the_core_rule_does(clock: FixedClock) -> None:
    """The list is sorted and paged in SQL: its CASE is made from `STANDING_RULE`, and must
    agree with `standing` on every mix of state, owner, answer and due date, edges included."""
    now = clock.now()
    dues = [None] + [
        to_iso(now + delta)
        for delta in (
            -timedelta(days=2),
            -timedelta(microseconds=1),
            timedelta(0),
            timedelta(days=1),
            DUE_SOON,
            DUE_SOON + timedelta(microseconds=1),
            timedelta(days=40),
        )
    ]
    grid = list(itertools.product(list(FollowUpState), [None, "Kim"], [None, *Ack], dues))
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE follow_ups (n INTEGER, state TEXT, owner TEXT, ack TEXT, due TEXT)")
    conn.executemany(
        "INSERT INTO follow_ups VALUES (?, ?, ?, ?, ?)",
        [(n, s.value, o, a.value if a else None, d) for n, (s, o, a, d) in enumerate(grid)],
    )
    rank, params = store.standing_sql(now)
    ranked = dict(conn.execute(f"SELECT n, {rank} FROM follow_ups f", params).fetchall())
    for n, (state, owner, ack, due) in enumerate(grid):
        row = SimpleNamespace(state=state, owner=owner, ack=ack, due=due)
        assert URGENCY[ranked[n]] is standing(row, now), (state, owner, ack, due)  # type: ignore[arg-type]
    assert {URGENCY[r] for r in ranked.values()} == set(Standing)


def test_pages_are_slices_of_the_whole_list_and_counts_match_it(
    log: IncidentLog, clock: FixedClock
) -> None:
    for n in range(7):
        incident = log.open_incident(f"Incident {n}", severity=Severity.SEV1, author="ada")
        owner = None if n % 3 == 0 else "Kim"
        store.add_follow_up(
            log,
            incident.id,
            FollowUpRequest(f"Add alert {n} on the checkout queue", owner=owner),
            author="a",
        )
        if owner and n % 2:
            store.answer(log, incident.id, "A1", Ack.ACCEPTED, author="Kim")
        clock.advance(timedelta(days=3))
    now = clock.now()
    whole = store.follow_ups(log, now)
    assert len(whole) == 7
    paged = [
        r for start in range(0, 7, 3) for r in store.follow_ups(log, now, limit=3, offset=start)
    ]
    assert paged == whole
    tally: dict[Standing, int] = {}
    for row in whole:
        tally[standing(row, now)] = tally.get(standing(row, now), 0) + 1
    assert store.counts(log, now) == tally
    assert Standing.OVERDUE in tally
    assert store.owners(log) == ["Kim"]
    assert len(store.incidents_with_follow_ups(log)) == 7


def test_the_table_numbers_items_as_the_board_does_among_hypotheses_and_corrections(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    board_store.open_hypothesis(log, incident_id, "pool exhausted", author="a")
    first = board_store.add_action(log, incident_id, "Page the DBA", owner="Dana", author="a")
    board_store.open_hypothesis(log, incident_id, "bad deploy", author="a")
    board_store.add_action(log, incident_id, "Roll back 4812", owner="Kim", author="a")
    log.log(incident_id, "that was a note, not an action", author="a", supersedes=first.id)
    listed = store.follow_ups(log, clock.now(), store.FollowUpFilter(include_closed=True))
    board = board_store.board(log, incident_id)
    assert [(r.number, r.text) for r in listed] == [
        (board.number(a.id), a.text) for a in board.actions
    ]
    assert [(r.number, r.text) for r in listed] == [("A2", "Roll back 4812")]
