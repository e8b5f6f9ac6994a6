"""Follow-ups as commitments: due dates from the severity, acknowledgement, states."""

from datetime import UTC, datetime, timedelta

import pytest

from commander_app.core.board import Action, fold_board
from commander_app.core.errors import ValidationError
from commander_app.core.follow_ups import (
    FollowUpRequest,
    Standing,
    ack_body,
    default_due,
    follow_up_body,
    standing,
    state_body,
)
from commander_app.core.model import Ack, Event, FollowUpState, Kind, Priority, Severity
from commander_app.core.times import from_iso, to_iso

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("severity", "days"),
    [(Severity.SEV1, 15), (Severity.SEV2, 30), (Severity.SEV3, 56), (Severity.SEV4, 56)],
)
def test_the_due_date_defaults_from_the_severity(severity: Severity, days: int) -> None:
    assert from_iso(default_due(severity, NOW)) == NOW + timedelta(days=days)
    body = follow_up_body(
        FollowUpRequest("Add a canary stage to config deploys"), severity, NOW, []
    )
    assert from_iso(body["due"]) == NOW + timedelta(days=days)


def test_a_team_may_set_its_own_due_dates() -> None:
    days = {Severity.SEV1: 7, Severity.SEV2: 14, Severity.SEV3: 28, Severity.SEV4: 28}
    assert from_iso(default_due(Severity.SEV1, NOW, days)) == NOW + timedelta(days=7)


def test_a_new_item_is_offered_to_its_owner_with_priority_from_severity() -> None:
    request = FollowUpRequest("Alert on checkout error rate above 1%", owner=" Kim ")
    body = follow_up_body(request, Severity.SEV1, NOW, [])
    assert (body["owner"], body["ack"], body["priority"], body["follow_up"]) == (
        "Kim",
        "offered",
        "P1",
        True,
    )


def test_the_text_check_refuses_unless_the_author_says_why() -> None:
    request = FollowUpRequest("Be more careful")
    with pytest.raises(ValidationError, match=r"vague.*--override REASON"):
        follow_up_body(request, Severity.SEV2, NOW, ["This is vague."])
    kept = follow_up_body(
        FollowUpRequest("Be more careful", override="the team asked for it"),
        Severity.SEV2,
        NOW,
        ["This is vague."],
    )
    assert kept["text_override"] == "the team asked for it"


def _event(n: int, body: dict[str, object], author: str = "ada") -> Event:
    at = to_iso(NOW + timedelta(minutes=n))
    return Event(f"01EVENT{n:019d}", "inc", Kind.ACTION, body, author, "dev", at, at)


def _item(*updates: dict[str, object]) -> Action:
    body = follow_up_body(FollowUpRequest("Add a canary", owner="Kim"), Severity.SEV2, NOW, [])
    events = [_event(0, body)]
    events += [_event(n, {**u, "ref": events[0].id}) for n, u in enumerate(updates, 1)]
    [action] = fold_board(events).actions
    return action


def test_accepting_and_declining() -> None:
    item = _item()
    assert item.ack is Ack.OFFERED
    accepted = _item(ack_body(item, Ack.ACCEPTED, "Kim"))
    assert accepted.ack is Ack.ACCEPTED
    with pytest.raises(ValidationError, match="already accepted"):
        ack_body(accepted, Ack.ACCEPTED, "Kim")
    with pytest.raises(ValidationError, match="Say why"):
        ack_body(item, Ack.DECLINED, "Kim")
    declined = _item(ack_body(item, Ack.DECLINED, "Kim", "not my service"))
    assert (declined.ack, declined.reason) == (Ack.DECLINED, "not my service")


def test_a_new_owner_must_accept_again() -> None:
    item = _item({"ack": "accepted"}, {"owner": "Lee", "text": "Owner Lee"})
    assert (item.owner, item.ack) == ("Lee", Ack.OFFERED)


def test_done_needs_evidence_and_wont_needs_a_reason() -> None:
    item = _item()
    with pytest.raises(ValidationError, match="how it is known to be done"):
        state_body(item, FollowUpState.DONE)
    with pytest.raises(ValidationError, match="is a decision: give the reason"):
        state_body(item, FollowUpState.WONT)
    done = _item(state_body(item, FollowUpState.DONE, evidence="https://git/merge/1"))
    assert (done.state, done.done, done.evidence) == (
        FollowUpState.DONE,
        True,
        "https://git/merge/1",
    )
    dropped = _item(state_body(item, FollowUpState.WONT, reason="service retired"))
    assert (dropped.state, dropped.closed, dropped.done) == (FollowUpState.WONT, True, False)
    reopened = _item(
        state_body(item, FollowUpState.WONT, reason="x"),
        state_body(dropped, FollowUpState.OPEN),
    )
    assert (reopened.state, reopened.closed, reopened.done_at) == (FollowUpState.OPEN, False, None)


def test_an_older_done_action_reads_as_done() -> None:
    event = _event(0, {"text": "Page the DBA"})
    done = _event(1, {"text": "Done: Page the DBA", "ref": event.id, "done": True})
    [action] = fold_board([event, done]).actions
    assert (action.state, action.closed, action.follow_up) == (FollowUpState.DONE, True, False)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"due": to_iso(NOW - timedelta(days=1)), "ack": Ack.ACCEPTED}, Standing.OVERDUE),
        ({"owner": None, "ack": None}, Standing.OWNERLESS),
        ({"ack": Ack.OFFERED}, Standing.UNACKNOWLEDGED),
        ({"due": to_iso(NOW + timedelta(days=2)), "ack": Ack.ACCEPTED}, Standing.DUE_SOON),
        ({"ack": Ack.ACCEPTED}, Standing.ON_TRACK),
        ({"state": FollowUpState.WONT, "ack": Ack.ACCEPTED}, Standing.CLOSED),
    ],
)
def test_standing_most_urgent_first(changes: dict[str, object], expected: Standing) -> None:
    base = Action("A", "Add a canary", "Kim", to_iso(NOW + timedelta(days=20)), "ada", to_iso(NOW))
    for name, value in changes.items():
        setattr(base, name, value)
    assert standing(base, NOW) is expected


def test_priorities_read_forgivingly() -> None:
    assert Priority.parse("1") is Priority.P1
    assert Priority.parse("p2") is Priority.P2
