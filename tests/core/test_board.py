import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commander_app.core import projection
from commander_app.core.board import (
    action_done_body,
    action_update_body,
    board_dict,
    fold_board,
    hypothesis_state_body,
    is_overdue,
)
from commander_app.core.board_text import render_board
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.events import validate_body
from commander_app.core.ids import new_ulid
from commander_app.core.markdown_export import render_markdown
from commander_app.core.model import Event, FollowUpState, HypothesisState, Kind
from commander_app.core.times import to_iso

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
INCIDENT = new_ulid(T0)
BERLIN = ZoneInfo("Europe/Berlin")
UNKNOWN = "01KB0000000000000000000000"


def at(minute: float) -> str:
    return to_iso(T0 + timedelta(minutes=minute))


def make(
    kind: Kind,
    body: dict[str, Any],
    minute: float,
    *,
    supersedes: str | None = None,
    recorded_minute: float | None = None,
    author: str = "alice",
) -> Event:
    """An event as the store would write it: its body checked like every append."""
    recorded = T0 + timedelta(minutes=recorded_minute if recorded_minute is not None else minute)
    return Event(
        new_ulid(recorded),
        INCIDENT,
        kind,
        validate_body(kind, body),
        author,
        "dev",
        at(minute),
        to_iso(recorded),
        supersedes,
    )


def hypothesis(text: str, minute: float, owner: str | None = None) -> Event:
    body: dict[str, Any] = {"text": text}
    if owner:
        body["owner"] = owner
    return make(Kind.HYPOTHESIS, body, minute)


def state_change(target: Event, state: str, minute: float, **extra: Any) -> Event:
    body = {"text": f"{state}: {target.body['text']}", "ref": target.id, "state": state}
    return make(Kind.HYPOTHESIS, body, minute, **extra)


def test_a_hypothesis_has_owner_state_findings_and_the_time_it_was_confirmed() -> None:
    pool = hypothesis("DB pool exhausted", 1, owner="bob")
    found = make(Kind.FINDING, {"text": "pool at 100/100", "ref": pool.id}, 5, author="carl")
    confirmed = state_change(pool, "confirmed", 9)
    board = fold_board([pool, found, confirmed])
    [item] = board.hypotheses
    assert (item.id, item.text, item.owner, item.author) == (
        pool.id,
        "DB pool exhausted",
        "bob",
        "alice",
    )
    assert item.state is HypothesisState.CONFIRMED
    assert item.opened_at == at(1)
    assert item.confirmed_at == item.state_changed_at == at(9)
    assert [(f.text, f.author, f.hypothesis_id) for f in item.findings] == [
        ("pool at 100/100", "carl", pool.id)
    ]
    assert board.findings == []
    assert board.open_hypotheses == []
    assert board.settled_hypotheses == [item]


def test_leaving_confirmed_clears_the_confirmation_and_a_repeat_changes_nothing() -> None:
    pool = hypothesis("pool", 0)
    events = [
        pool,
        state_change(pool, "confirmed", 5),
        state_change(pool, "confirmed", 7),  # e.g. from a second laptop: not a new change
    ]
    assert fold_board(events).hypotheses[0].state_changed_at == at(5)
    events.append(state_change(pool, "investigating", 12))
    item = fold_board(events).hypotheses[0]
    assert item.state is HypothesisState.INVESTIGATING
    assert item.confirmed_at is None
    assert item.state_changed_at == at(12)
    assert item.is_open


def test_story_order_decides_not_the_order_of_recording() -> None:
    pool = hypothesis("pool", 0)
    refuted_later = state_change(pool, "refuted", 20)
    confirmed_from_paper = state_change(pool, "confirmed", 10, recorded_minute=30)
    item = fold_board([pool, refuted_later, confirmed_from_paper]).hypotheses[0]
    assert item.state is HypothesisState.REFUTED
    assert item.confirmed_at is None


def test_updates_naming_no_item_on_the_board_are_ignored() -> None:
    pool = hypothesis("pool", 0)
    task = make(Kind.ACTION, {"text": "page DBA"}, 1)
    clean = fold_board([pool, task])
    strays = [
        make(Kind.HYPOTHESIS, {"text": "Confirmed: ?", "ref": UNKNOWN, "state": "confirmed"}, 2),
        make(Kind.HYPOTHESIS, {"text": "Confirmed: ?", "ref": task.id, "state": "confirmed"}, 3),
        make(Kind.ACTION, {"text": "Done: ?", "ref": pool.id, "done": True}, 4),
        make(Kind.ACTION, {"text": "Done: ?", "ref": UNKNOWN, "done": True}, 5),
    ]
    board = fold_board([pool, task, *strays])
    assert board == clean
    assert board.hypotheses[0].state is HypothesisState.INVESTIGATING
    assert not board.actions[0].done


def test_a_finding_naming_no_hypothesis_is_kept_unlinked() -> None:
    loose = make(Kind.FINDING, {"text": "cpu normal"}, 1)
    stray = make(Kind.FINDING, {"text": "disk fine", "ref": UNKNOWN}, 2)
    board = fold_board([loose, stray])
    assert [(f.text, f.hypothesis_id) for f in board.findings] == [
        ("cpu normal", None),
        ("disk fine", None),
    ]


def test_a_corrected_hypothesis_keeps_its_id_and_its_updates() -> None:
    typo = hypothesis("DB pol exhausted", 1, owner="bob")
    confirmed = state_change(typo, "confirmed", 5)
    fixed = make(
        Kind.HYPOTHESIS, {"text": "DB pool exhausted", "owner": "bob"}, 8, supersedes=typo.id
    )
    board = fold_board([typo, confirmed, fixed])
    [item] = board.hypotheses
    assert item.id == typo.id
    assert item.text == "DB pool exhausted"
    assert item.state is HypothesisState.CONFIRMED  # the update before the correction still holds
    assert board.find_hypothesis(fixed.id) is item
    assert board.hypothesis(fixed.id) is board.hypothesis(typo.id) is item
    assert board.action(typo.id) is None
    assert board.find_hypothesis(typo.id[:12]) is item


def test_superseded_entries_are_ignored() -> None:
    pool = hypothesis("pool", 0)
    wrong = state_change(pool, "confirmed", 5)
    right = state_change(pool, "refuted", 5, supersedes=wrong.id, recorded_minute=6)
    noise = hypothesis("not a hypothesis after all", 7)
    voided = make(Kind.NOTE, {"text": "just a note"}, 7, supersedes=noise.id, recorded_minute=8)
    task = make(Kind.ACTION, {"text": "page DBA"}, 9)
    undone = make(Kind.ACTION, {"text": "Done: page DBA", "ref": task.id, "done": True}, 10)
    oops = make(Kind.NOTE, {"text": "not done yet"}, 10, supersedes=undone.id, recorded_minute=11)
    board = fold_board([pool, wrong, right, noise, voided, task, undone, oops])
    assert [(h.text, h.state) for h in board.hypotheses] == [("pool", HypothesisState.REFUTED)]
    assert not board.actions[0].done


def test_actions_are_overdue_only_past_their_due_time_and_while_not_done() -> None:
    task = make(Kind.ACTION, {"text": "page DBA", "owner": "carl", "due": at(30)}, 0)
    someday = make(Kind.ACTION, {"text": "write postmortem"}, 1)
    board = fold_board([task, someday])
    page, postmortem = board.actions
    assert (page.owner, page.due, page.done) == ("carl", at(30), False)
    assert not is_overdue(page, T0 + timedelta(minutes=30))
    assert is_overdue(page, T0 + timedelta(minutes=31))
    assert not is_overdue(postmortem, T0 + timedelta(days=365))
    assert board.overdue_actions(T0 + timedelta(minutes=31)) == [page]
    done = make(Kind.ACTION, {"text": "Done: page DBA", "ref": task.id, "done": True}, 40)
    finished = fold_board([task, someday, done]).actions[0]
    assert (finished.done, finished.done_at) == (True, at(40))
    assert not is_overdue(finished, T0 + timedelta(hours=2))


def test_open_actions_soonest_due_first_and_actions_can_be_reassigned() -> None:
    late = make(Kind.ACTION, {"text": "late", "due": at(60)}, 0)
    soon = make(Kind.ACTION, {"text": "soon", "due": at(20)}, 1)
    whenever = make(Kind.ACTION, {"text": "whenever"}, 2)
    moved = make(
        Kind.ACTION, {"text": "Action owner dan", "ref": late.id, "owner": "dan", "due": at(10)}, 3
    )
    board = fold_board([late, soon, whenever, moved])
    assert [a.text for a in board.open_actions] == ["late", "soon", "whenever"]
    assert (board.open_actions[0].owner, board.open_actions[0].due) == ("dan", at(10))


def test_decisions_are_listed_in_story_order_with_options() -> None:
    second = make(Kind.DECISION, {"text": "fail over", "reversible": False}, 20)
    first = make(
        Kind.DECISION,
        {"text": "roll back", "options": ["roll back", "fix forward"], "reversible": True},
        5,
    )
    board = fold_board([second, first])
    assert [(d.text, d.reversible, d.options) for d in board.decisions] == [
        ("roll back", True, ["roll back", "fix forward"]),
        ("fail over", False, []),
    ]


def test_other_kinds_do_not_reach_the_board() -> None:
    events = [
        make(Kind.NOTE, {"text": "a note"}, 0),
        make(Kind.STATUS, {"status": "identified"}, 1),
        make(Kind.ROLE, {"role": "scribe", "person": "kim"}, 2),
    ]
    board = fold_board(events)
    assert (board.hypotheses, board.findings, board.actions, board.decisions) == ([], [], [], [])


def test_finding_an_item_by_id_prefix_says_what_went_wrong() -> None:
    one = hypothesis("one", 0)
    two = hypothesis("two", 0)
    board = fold_board([one, two])
    with pytest.raises(ValidationError, match="at least the first 6 characters"):
        board.find_hypothesis(one.id[:5])
    with pytest.raises(ValidationError, match="matches 2 hypotheses"):
        board.find_hypothesis(one.id[:10])  # same millisecond: same time part
    with pytest.raises(NotFoundError, match="no hypothesis 'ZZZZZZZZ'"):
        board.find_hypothesis("ZZZZZZZZ")
    assert board.find_hypothesis(two.id.lower()).text == "two"


def test_updates_refuse_to_change_nothing() -> None:
    pool = hypothesis("DB pool exhausted", 0)
    task = make(Kind.ACTION, {"text": "page DBA", "owner": "carl"}, 1)
    board = fold_board([pool, task])
    item, action = board.hypotheses[0], board.actions[0]
    with pytest.raises(ValidationError, match="already investigating"):
        hypothesis_state_body(item, HypothesisState.INVESTIGATING)
    assert hypothesis_state_body(item, HypothesisState.CONFIRMED) == {
        "text": "Confirmed: DB pool exhausted",
        "ref": pool.id,
        "state": "confirmed",
    }
    with pytest.raises(ValidationError, match="already has that owner"):
        action_update_body(action, "carl", None)
    action.state = FollowUpState.DONE
    with pytest.raises(ValidationError, match="already done"):
        action_done_body(action)


def test_a_long_hypothesis_gives_a_short_update_text() -> None:
    long_text = "first line " + "x" * 300 + "\nsecond line"
    item = fold_board([hypothesis(long_text, 0)]).hypotheses[0]
    text = hypothesis_state_body(item, HypothesisState.REFUTED)["text"]
    assert text.startswith("Refuted: first line x")
    assert text.endswith("…")
    assert "second line" not in text
    assert len(text) < 140


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        (Kind.HYPOTHESIS, {"text": "t", "ref": "nope", "state": "confirmed"}, "not a valid id"),
        (
            Kind.HYPOTHESIS,
            {"text": "t", "ref": UNKNOWN, "state": "proven"},
            "Unknown hypothesis state",
        ),
        (Kind.HYPOTHESIS, {"text": "t", "state": "confirmed"}, "must name the hypothesis"),
        (Kind.HYPOTHESIS, {"text": "t", "owner": "a\nb"}, "single line"),
        (Kind.FINDING, {"text": "t", "ref": 42}, "must be text"),
        (Kind.ACTION, {"text": "t", "due": "tomorrow"}, "not an ISO-8601"),
        (Kind.ACTION, {"text": "t", "due": "2026-11-28T10:00"}, "no time zone"),
        (Kind.ACTION, {"text": "t", "ref": UNKNOWN, "done": "yes"}, "true or false"),
        (Kind.ACTION, {"text": "t", "done": True}, "must name the action"),
        (Kind.DECISION, {"text": "t", "options": "roll back"}, "list of texts"),
        (Kind.DECISION, {"text": "t", "options": ["ok", ""]}, "empty"),
        (Kind.DECISION, {"text": "t", "reversible": "maybe"}, "true or false"),
    ],
)
def test_board_fields_are_checked_when_present(kind: Kind, body: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_body(kind, body)


def test_ids_and_due_times_are_stored_in_one_form() -> None:
    body = validate_body(
        Kind.ACTION, {"text": "t", "ref": UNKNOWN.lower(), "due": "2026-11-28T10:00+01:00"}
    )
    assert body["ref"] == UNKNOWN
    assert body["due"] == "2026-11-28T09:00:00.000000Z"


def test_board_dict_is_plain_json() -> None:
    pool = hypothesis("pool", 0, owner="bob")
    events = [
        pool,
        state_change(pool, "confirmed", 3),
        make(Kind.FINDING, {"text": "seen", "ref": pool.id}, 2),
        make(Kind.ACTION, {"text": "page", "due": at(30)}, 4),
        make(Kind.DECISION, {"text": "roll back", "reversible": True}, 5),
    ]
    data = json.loads(json.dumps(board_dict(fold_board(events))))
    [item] = data["hypotheses"]
    assert item["state"] == "confirmed"
    assert item["confirmed_at"] == at(3)
    assert item["findings"][0]["text"] == "seen"
    assert data["actions"][0]["due"] == at(30)
    assert data["actions"][0]["done"] is False
    assert data["decisions"][0]["reversible"] is True
    assert data["findings"] == []


def test_the_board_as_text_marks_what_is_overdue() -> None:
    pool = hypothesis("DB pool exhausted", 0, owner="bob")
    events = [
        pool,
        make(Kind.FINDING, {"text": "pool at 100/100", "ref": pool.id}, 2, author="carl"),
        make(Kind.ACTION, {"text": "page DBA", "owner": "carl", "due": at(30)}, 4),
        make(Kind.DECISION, {"text": "roll back", "reversible": True}, 5),
    ]
    text = render_board(fold_board(events), T0 + timedelta(minutes=45), BERLIN)
    assert f"{pool.id}  investigating since 10:00: DB pool exhausted (owner bob)" in text
    assert "finding 10:02 carl: pool at 100/100" in text
    assert "[ ] page DBA (owner carl; due 10:30, OVERDUE)" in text
    assert "10:05 roll back (alice; reversible)" in text
    early = render_board(fold_board(events), T0 + timedelta(minutes=10), BERLIN)
    assert "OVERDUE" not in early


def test_markdown_export_has_the_board_after_the_durations() -> None:
    opened = make(Kind.INCIDENT, {"action": "opened", "title": "API down", "severity": "SEV1"}, 0)
    pool = hypothesis("DB pool exhausted", 1, owner="bob")
    task = make(Kind.ACTION, {"text": "page DBA", "owner": "carl", "due": at(30)}, 2)
    events = [
        opened,
        pool,
        state_change(pool, "confirmed", 9),
        make(Kind.FINDING, {"text": "pool at 100/100\nsince 08:55", "ref": pool.id}, 5),
        task,
        make(Kind.ACTION, {"text": "Done: page DBA", "ref": task.id, "done": True}, 20),
        make(Kind.DECISION, {"text": "roll back", "options": ["roll back", "wait"]}, 10),
    ]
    state = projection.fold(INCIDENT, events)
    text = render_markdown(state, events, BERLIN)
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections[1:5] == ["## Durations", "## Hypotheses", "## Actions", "## Decisions"]
    assert sections[5].startswith("## Timeline")
    assert (
        "- H1 **Confirmed:** DB pool exhausted (owner: bob; opened 2026-11-28 10:01:00; "
        "confirmed 2026-11-28 10:09:00)"
    ) in text
    assert "  - F1 Finding (2026-11-28 10:05:00, alice): pool at 100/100\n    since 08:55" in text
    assert (
        "- [x] A1 page DBA (owner: carl; due 2026-11-28 10:30:00; done 2026-11-28 10:20:00)"
    ) in text
    assert "- D1 2026-11-28 10:10:00: roll back (alice; options: roll back, wait)" in text


def test_only_an_action_without_an_owner_misses_one() -> None:
    from commander_app.core.board import owner_missing

    assert owner_missing(Kind.ACTION, None)
    assert owner_missing(Kind.ACTION, "  ")
    assert not owner_missing(Kind.ACTION, "bob")
    assert not owner_missing(Kind.NOTE, None)
    assert not owner_missing(Kind.HYPOTHESIS, None)
