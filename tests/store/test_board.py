from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from commander_app.core.board import fold_board
from commander_app.core.clock import FixedClock
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import HypothesisState, Kind
from commander_app.core.times import to_iso
from commander_app.store import board as board_store
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import BOARD_EVENTS_SQL
from tests.store.conftest import count

UNKNOWN = "01KB0000000000000000000000"


def test_each_board_action_writes_one_event(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    ids: dict[str, str] = {}
    due = clock.now() + timedelta(minutes=15)

    def step(name: str, kind: Kind, action: Callable[[], Any]) -> None:
        before = count(log)
        clock.advance(timedelta(minutes=1))
        event = action()
        assert count(log) == before + 1, name
        assert log.event(event.id) == event
        assert event.kind is kind
        ids[name] = event.id

    step(
        "hypothesis",
        Kind.HYPOTHESIS,
        lambda: board_store.open_hypothesis(
            log, incident_id, "DB pool exhausted", owner="bob", author="alice"
        ),
    )
    step(
        "finding",
        Kind.FINDING,
        lambda: board_store.add_finding(
            log, incident_id, "pool at 100/100", hypothesis_id=ids["hypothesis"], author="carl"
        ),
    )
    step(
        "confirm",
        Kind.HYPOTHESIS,
        lambda: board_store.set_hypothesis_state(
            log, incident_id, ids["hypothesis"][:10], HypothesisState.CONFIRMED, author="alice"
        ),
    )
    step(
        "action",
        Kind.ACTION,
        lambda: board_store.add_action(
            log,
            incident_id,
            "Page the DBA",
            owner="carl",
            due=due,
            author="alice",
        ),
    )
    step(
        "done",
        Kind.ACTION,
        lambda: board_store.complete_action(log, incident_id, ids["action"], author="carl"),
    )
    step(
        "decision",
        Kind.DECISION,
        lambda: board_store.record_decision(
            log,
            incident_id,
            "Roll back release 42",
            options=["roll back", " fix forward "],
            reversible=True,
            author="alice",
        ),
    )
    board = board_store.board(log, incident_id)
    [pool] = board.hypotheses
    assert (pool.id, pool.owner, pool.state) == (
        ids["hypothesis"],
        "bob",
        HypothesisState.CONFIRMED,
    )
    assert pool.confirmed_at == log.event(ids["confirm"]).occurred_at
    assert [(f.text, f.author) for f in pool.findings] == [("pool at 100/100", "carl")]
    [page] = board.actions
    assert (page.owner, page.done, page.done_at) == (
        "carl",
        True,
        log.event(ids["done"]).occurred_at,
    )
    assert page.due == to_iso(due)
    [decision] = board.decisions
    assert (decision.options, decision.reversible) == (["roll back", "fix forward"], True)
    assert log.event(ids["confirm"]).body == {
        "text": "Confirmed: DB pool exhausted",
        "ref": ids["hypothesis"],
        "state": "confirmed",
    }


def test_reassigning_and_moving_updates_the_board(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    pool = board_store.open_hypothesis(log, incident_id, "pool", author="a")
    task = board_store.add_action(log, incident_id, "page", owner="carl", author="a")
    board_store.assign_hypothesis(log, incident_id, pool.id, "dan", author="a")
    due = clock.now() + timedelta(hours=1)
    board_store.update_action(log, incident_id, task.id, owner="eve", due=due, author="a")
    board = board_store.board(log, incident_id)
    assert board.hypotheses[0].owner == "dan"
    assert (board.actions[0].owner, board.actions[0].due) == ("eve", to_iso(due))


def test_a_state_change_can_be_backfilled(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    pool = board_store.open_hypothesis(log, incident_id, "pool", author="a")
    clock.advance(timedelta(minutes=30))
    when = clock.now() - timedelta(minutes=10)
    board_store.set_hypothesis_state(
        log, incident_id, pool.id, HypothesisState.REFUTED, author="a", at=when
    )
    assert board_store.board(log, incident_id).hypotheses[0].state_changed_at == to_iso(when)


@pytest.mark.parametrize(
    ("attempt", "error", "message"),
    [
        (
            lambda log, i, ids: board_store.set_hypothesis_state(
                log, i, UNKNOWN, HypothesisState.CONFIRMED, author="a"
            ),
            NotFoundError,
            "no hypothesis",
        ),
        (
            lambda log, i, ids: board_store.set_hypothesis_state(
                log, i, ids["action"], HypothesisState.CONFIRMED, author="a"
            ),
            NotFoundError,
            "no hypothesis",
        ),
        (
            lambda log, i, ids: board_store.set_hypothesis_state(
                log, i, ids["other_hypothesis"], HypothesisState.CONFIRMED, author="a"
            ),
            NotFoundError,
            "no hypothesis",
        ),
        (
            lambda log, i, ids: board_store.set_hypothesis_state(
                log, i, ids["hypothesis"], HypothesisState.INVESTIGATING, author="a"
            ),
            ValidationError,
            "already investigating",
        ),
        (
            lambda log, i, ids: board_store.set_hypothesis_state(
                log, i, ids["hypothesis"][:4], HypothesisState.REFUTED, author="a"
            ),
            ValidationError,
            "first 6 characters",
        ),
        (
            lambda log, i, ids: board_store.add_finding(
                log, i, "seen", hypothesis_id=ids["action"], author="a"
            ),
            NotFoundError,
            "no hypothesis",
        ),
        (
            lambda log, i, ids: board_store.add_finding(log, i, "  ", author="a"),
            ValidationError,
            "empty",
        ),
        (
            lambda log, i, ids: board_store.complete_action(log, i, ids["hypothesis"], author="a"),
            NotFoundError,
            "no action",
        ),
        (
            lambda log, i, ids: board_store.complete_action(log, i, ids["done_action"], author="a"),
            ValidationError,
            "already done",
        ),
        (
            lambda log, i, ids: board_store.update_action(log, i, ids["action"], author="a"),
            ValidationError,
            "already has that owner",
        ),
        (
            lambda log, i, ids: board_store.add_action(log, i, "x", owner="a\nb", author="a"),
            ValidationError,
            "single line",
        ),
        (
            lambda log, i, ids: board_store.record_decision(log, i, "x", options=[""], author="a"),
            ValidationError,
            "option is empty",
        ),
        (
            lambda log, i, ids: board_store.open_hypothesis(log, UNKNOWN, "x", author="a"),
            NotFoundError,
            "no incident",
        ),
    ],
)
def test_refusals_write_nothing(
    log: IncidentLog, incident_id: str, attempt: Any, error: type[Exception], message: str
) -> None:
    other = log.open_incident("Another incident", author="a").id
    done = board_store.add_action(log, incident_id, "finished", author="a")
    board_store.complete_action(log, incident_id, done.id, author="a")
    ids = {
        "hypothesis": board_store.open_hypothesis(log, incident_id, "pool", author="a").id,
        "action": board_store.add_action(log, incident_id, "page", author="a").id,
        "done_action": done.id,
        "other_hypothesis": board_store.open_hypothesis(log, other, "dns", author="a").id,
    }
    before = count(log)
    with pytest.raises(error, match=message):
        attempt(log, incident_id, ids)
    assert count(log) == before


def test_the_board_reads_only_board_events_through_its_index(
    log: IncidentLog, incident_id: str
) -> None:
    plan = log.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM events WHERE incident_id = ? AND ("
        + BOARD_EVENTS_SQL
        + ")",
        [incident_id],
    ).fetchall()
    assert "events_board" in " ".join(str(row) for row in plan)


def test_a_note_correcting_a_hypothesis_takes_it_off_the_board(
    log: IncidentLog, incident_id: str
) -> None:
    pool = board_store.open_hypothesis(log, incident_id, "pool", author="a")
    log.log(incident_id, "this was a note, not a hypothesis", author="a", supersedes=pool.id)
    assert board_store.board(log, incident_id).hypotheses == []


def test_the_board_read_through_its_index_is_the_board_of_every_event(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    pool = board_store.open_hypothesis(log, incident_id, "pool", author="a")
    dns = board_store.open_hypothesis(log, incident_id, "dns", author="a")
    board_store.add_finding(log, incident_id, "pool at 100%", hypothesis_id=pool.id, author="b")
    fixed = log.log(
        incident_id, "pool exhausted on db-1", kind=Kind.HYPOTHESIS, author="a", supersedes=pool.id
    )
    log.log(incident_id, "dns was only a note", author="a", supersedes=dns.id)
    task = board_store.add_action(log, incident_id, "page the DBA", author="a")
    board_store.record_decision(log, incident_id, "Fail over db-1", author="a")
    log.log(incident_id, "noise", kind=Kind.OBSERVATION, author="c")
    clock.advance(timedelta(minutes=30))
    earlier = clock.now() - timedelta(minutes=20)
    board_store.complete_action(log, incident_id, task.id, author="a", at=earlier)
    board_store.set_hypothesis_state(
        log, incident_id, fixed.id, HypothesisState.CONFIRMED, author="a"
    )
    read = board_store.board(log, incident_id)
    assert read == fold_board(log.events(incident_id))
    assert [(h.id, h.text, h.state) for h in read.hypotheses] == [
        (pool.id, "pool exhausted on db-1", HypothesisState.CONFIRMED)
    ]
    assert [f.text for f in read.hypotheses[0].findings] == ["pool at 100%"]
    assert read.actions[0].done_at == to_iso(earlier)
