"""Conflicts of meaning in a merged log: produced only when two laptops acted apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from commander_app.core.conflict_bodies import settle_body, subject_of
from commander_app.core.errors import ValidationError
from commander_app.core.events import validate_body
from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind
from commander_app.core.sync_conflicts import ConflictKind, find_conflicts
from commander_app.core.times import to_iso

INCIDENT = "01JN0000000000000000000000"
T0 = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
_NOT_GIVEN: Any = object()


class Story:
    """Events of one incident written on named laptops, a minute apart."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def write(
        self, kind: Kind, body: dict[str, Any], device: str, *, seen: Any = _NOT_GIVEN
    ) -> Event:
        at = T0 + timedelta(minutes=len(self.events))
        if seen is not _NOT_GIVEN:
            body = {**body, "seen": seen}
        event = Event(
            new_ulid(at), INCIDENT, kind, validate_body(kind, body), device.split("-")[-1],
            device, to_iso(at), to_iso(at),
        )  # fmt: skip
        self.events.append(event)
        return event


def _commander(person: str) -> dict[str, Any]:
    return {"role": "commander", "person": person}


def test_two_commanders_named_apart_are_a_conflict_naming_both() -> None:
    story = Story()
    ann = story.write(Kind.ROLE, _commander("ann"), "laptop-alice", seen=None)
    bob = story.write(Kind.ROLE, _commander("bob"), "laptop-bob", seen=None)
    (conflict,) = find_conflicts(story.events)
    assert conflict.kind is ConflictKind.ROLE
    assert conflict.title == "Two commanders"
    assert conflict.event_ids == (ann.id, bob.id)
    assert "ann as commander (alice on laptop-alice, 2026-11-28 14:00 UTC)" in conflict.sentence
    assert "bob as commander (bob on laptop-bob, 2026-11-28 14:01 UTC)" in conflict.sentence
    assert conflict.key == find_conflicts(reversed(story.events))[0].key  # any laptop's order


def test_a_commander_named_knowing_the_other_is_a_handover_not_a_conflict() -> None:
    story = Story()
    ann = story.write(Kind.ROLE, _commander("ann"), "laptop-alice", seen=None)
    story.write(Kind.ROLE, _commander("bob"), "laptop-bob", seen=ann.id)
    assert find_conflicts(story.events) == []


def test_older_logs_without_seen_and_agreeing_laptops_make_no_conflict() -> None:
    story = Story()
    story.write(Kind.ROLE, _commander("ann"), "laptop-alice")
    story.write(Kind.ROLE, _commander("bob"), "laptop-bob")
    story.write(Kind.ROLE, _commander("carl"), "laptop-carl", seen=None)
    story.write(Kind.ROLE, _commander("carl"), "laptop-dan", seen=None)  # the same person
    assert find_conflicts(story.events) == []


def test_one_laptop_changing_its_mind_is_not_a_conflict() -> None:
    story = Story()
    story.write(Kind.ROLE, _commander("ann"), "laptop-alice", seen=None)
    story.write(Kind.ROLE, _commander("bob"), "laptop-alice", seen=None)
    assert find_conflicts(story.events) == []


def test_a_settled_conflict_no_longer_shows_and_a_third_laptop_shows_it_again() -> None:
    story = Story()
    ann = story.write(Kind.ROLE, _commander("ann"), "laptop-alice", seen=None)
    story.write(Kind.ROLE, _commander("bob"), "laptop-bob", seen=None)
    (conflict,) = find_conflicts(story.events)
    story.write(Kind.CONFLICT, dict(settle_body(conflict.key, ann.id, "kept ann")), "laptop-bob")
    assert find_conflicts(story.events) == []
    story.write(Kind.ROLE, _commander("carl"), "laptop-carl", seen=None)  # apart all along
    (again,) = find_conflicts(story.events)
    assert again.key != conflict.key
    assert len(again.sides) == 3


def _sent(remote: str | None, channel: str = "status") -> dict[str, Any]:
    body: dict[str, Any] = {
        "action": "sent", "audience": "customers", "channel": channel, "text": "We are on it",
    }  # fmt: skip
    if remote is not None:
        body["remote_incident_id"] = remote
    return body


def test_two_status_page_incidents_for_one_channel_are_a_conflict() -> None:
    story = Story()
    first = story.write(Kind.COMMS, _sent("p1"), "laptop-alice")
    story.write(Kind.COMMS, _sent("p1"), "laptop-alice")  # an amendment of the same one
    second = story.write(Kind.COMMS, _sent("p2"), "laptop-bob")
    story.write(Kind.COMMS, _sent("p3", channel="other-page"), "laptop-bob")
    story.write(Kind.COMMS, _sent(None), "laptop-carl")  # an older Commander's: no incident
    (conflict,) = find_conflicts(story.events)
    assert conflict.kind is ConflictKind.STATUS_PAGE
    assert (conflict.channel, conflict.remote_ids) == ("status", ("p1", "p2"))
    assert conflict.event_ids == (first.id, second.id)
    assert "remote incident p1 (alice on laptop-alice" in conflict.sentence
    assert "resolve the other on the status page by hand" in conflict.sentence
    settled = settle_body(
        conflict.key, first.id, "kept p1", channel="status", remote_incident_id="p1"
    )
    story.write(Kind.CONFLICT, dict(settled), "laptop-alice")
    assert find_conflicts(story.events) == []


def test_a_laptop_amending_the_adopted_incident_makes_no_conflict() -> None:
    story = Story()
    story.write(Kind.COMMS, _sent("p1"), "laptop-alice")
    story.write(Kind.COMMS, _sent("p1"), "laptop-bob")
    assert find_conflicts(story.events) == []


ITEM = "01JN00000000000000000000AA"


@pytest.mark.parametrize(
    ("one", "other", "conflicts"),
    [
        ({"state": "done", "done": True}, {"owner": "carol"}, True),  # closed / reassigned
        ({"state": "wont", "reason": "moot"}, {"due": to_iso(T0)}, True),  # dropped / moved
        ({"owner": "carol"}, {"owner": "dave"}, True),  # given to two people
        ({"state": "done", "done": True}, {"state": "wont", "reason": "moot"}, True),
        ({"state": "done", "done": True}, {"state": "done", "done": True}, False),  # agree
        ({"owner": "carol"}, {"due": to_iso(T0)}, False),  # both changes stand together
        ({"state": "done", "done": True}, {"ack": "accepted"}, False),  # an answer, no change
    ],
)
def test_an_action_item_changed_two_ways_apart(
    one: dict[str, Any], other: dict[str, Any], conflicts: bool
) -> None:
    story = Story()
    story.write(Kind.ACTION, {"ref": ITEM, "text": "one", **one}, "laptop-alice", seen=ITEM)
    story.write(Kind.ACTION, {"ref": ITEM, "text": "other", **other}, "laptop-bob", seen=ITEM)
    found = find_conflicts(story.events)
    assert bool(found) is conflicts
    if conflicts:
        assert found[0].kind is ConflictKind.ACTION
        assert found[0].item == ITEM


def test_an_action_item_closed_then_reassigned_knowingly_is_no_conflict() -> None:
    story = Story()
    item = story.write(Kind.ACTION, {"text": "Add an alert", "owner": "bob"}, "laptop-alice")
    done = {"ref": item.id, "text": "Done", "state": "done", "done": True}
    closed = story.write(Kind.ACTION, done, "laptop-alice", seen=item.id)
    reassign = {"ref": item.id, "text": "Given to carol", "owner": "carol"}
    story.write(Kind.ACTION, reassign, "laptop-bob", seen=closed.id)
    assert find_conflicts(story.events) == []
    story.write(Kind.ACTION, reassign, "laptop-carl")  # an older Commander's: no seen
    assert find_conflicts(story.events) == []
    story.write(Kind.ACTION, reassign, "laptop-dan", seen=item.id)  # apart from the close
    (conflict,) = find_conflicts(story.events)
    assert "“Add an alert” was changed two ways" in conflict.sentence
    assert "closes it (done) (alice on laptop-alice" in conflict.sentence
    assert "gives it to carol (dan on laptop-dan" in conflict.sentence


def _rollback(text: str, kind: str = "rollback") -> dict[str, Any]:
    return {"text": text, "decision_kind": kind}


def test_a_rollback_decided_on_two_laptops_apart_is_a_decision_taken_twice() -> None:
    story = Story()
    one = story.write(Kind.DECISION, _rollback("Roll back to 4811"), "laptop-alice", seen=None)
    two = story.write(Kind.DECISION, _rollback("Roll back to 4811"), "laptop-bob", seen=None)
    (conflict,) = find_conflicts(story.events)
    assert conflict.kind is ConflictKind.DECISION
    assert conflict.title == "A rollback decided twice"
    assert conflict.event_ids == (one.id, two.id)
    story.write(Kind.CONFLICT, dict(settle_body(conflict.key, one.id, "kept")), "laptop-bob")
    assert find_conflicts(story.events) == []


def test_decisions_of_other_kinds_or_later_rounds_are_not_taken_twice() -> None:
    story = Story()
    one = story.write(Kind.DECISION, _rollback("Roll back"), "laptop-alice", seen=None)
    story.write(Kind.DECISION, _rollback("Flag off", "flag"), "laptop-bob", seen=None)
    story.write(Kind.DECISION, _rollback("Roll back again"), "laptop-bob", seen=one.id)
    story.write(Kind.DECISION, _rollback("Roll back"), "laptop-carl")  # no seen
    story.write(Kind.DECISION, {"text": "Page the DBA", "decision_kind": "other"}, "laptop-dan")
    assert find_conflicts(story.events) == []


def test_what_seen_is_about() -> None:
    assert subject_of(Kind.ROLE, {"role": "commander", "person": "a"}) is not None
    offer = {"role": "commander", "person": "a", "action": "handoff_offered"}
    assert subject_of(Kind.ROLE, offer) is None  # an offer does not change who commands
    assert subject_of(Kind.ACTION, {"text": "new item"}) is None
    assert subject_of(Kind.DECISION, {"text": "x", "decision_kind": "other"}) is None


@pytest.mark.parametrize(
    ("kind", "body", "words"),
    [
        (Kind.ROLE, {"role": "commander", "person": "a", "seen": "yesterday"}, "not a valid id"),
        (Kind.ACTION, {"text": "x", "ref": ITEM, "seen": 12}, "must be text"),
        (Kind.CONFLICT, {"action": "kept", "key": "k", "keep": ITEM, "text": "x"}, "settled"),
        (Kind.CONFLICT, {"action": "settled", "key": "k", "keep": "x", "text": "x"}, "valid id"),
        (
            Kind.CONFLICT,
            {"action": "settled", "key": "k", "keep": ITEM, "text": "x", "channel": "status"},
            "names its channel and incident",
        ),
    ],
)
def test_seen_and_settlements_are_checked_strictly(
    kind: Kind, body: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValidationError, match=words):
        validate_body(kind, body)
    assert validate_body(Kind.ROLE, {"role": "commander", "person": "a", "seen": None})
