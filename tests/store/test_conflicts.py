"""Two laptops' real logs, written apart and merged by bundles both ways: each conflict of
meaning shows the same on both, and settling it on one settles it on both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from commander_app.core.bundle import parse_bundle
from commander_app.core.clock import FixedClock
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.follow_ups import FollowUpRequest
from commander_app.core.model import (
    Audience,
    DecisionKind,
    FollowUpState,
    Kind,
    Role,
)
from commander_app.core.outbox import OutboxState
from commander_app.core.rollback import DecisionRequest
from commander_app.core.sync_conflicts import Conflict, ConflictKind
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.outbox_worker import deliver_due
from commander_app.publish.secrets import SecretStore
from commander_app.store import board as board_store
from commander_app.store import bundles, channels, handoff, rollback, rollback_files
from commander_app.store import conflicts as conflict_store
from commander_app.store import follow_ups as follow_ups_store
from commander_app.store import outbox as outbox_store
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.health import check_log
from commander_app.store.incident_log import IncidentLog
from tests.support.bodies import KIND_BODIES, body_problems
from tests.support.status_pages import FakeStatuspage

KEY = "sp-key-7f3a9c0d1e2b"


@pytest.fixture
def laptops(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[IncidentLog, IncidentLog]]:
    with (
        IncidentLog(tmp_path / "alice.db", device_id="laptop-alice", clock=clock) as a,
        IncidentLog(tmp_path / "bob.db", device_id="laptop-bob", clock=clock) as b,
    ):
        yield a, b


def exchange(a: IncidentLog, b: IncidentLog, incident_id: str) -> None:
    """The partition heals: each laptop imports the other's bundle."""
    import_bundle(b, parse_bundle(export_bundle(a, incident_id)))
    import_bundle(a, parse_bundle(export_bundle(b, incident_id)))


def shared_incident(a: IncidentLog, b: IncidentLog, clock: FixedClock) -> str:
    incident = a.open_incident("Checkout 500s", commander="alice", author="alice")
    clock.advance(timedelta(seconds=1))
    import_bundle(b, parse_bundle(export_bundle(a, incident.id)))
    return incident.id


def the_same_on_both(a: IncidentLog, b: IncidentLog, incident_id: str) -> list[Conflict]:
    on_a = conflict_store.conflicts(a, incident_id)
    assert on_a == conflict_store.conflicts(b, incident_id)
    return on_a


def settled_on_both(a: IncidentLog, b: IncidentLog, incident_id: str) -> None:
    assert conflict_store.conflicts(a, incident_id) == []
    exchange(a, b, incident_id)
    assert conflict_store.conflicts(a, incident_id) == []
    assert conflict_store.conflicts(b, incident_id) == []
    assert a.events(incident_id) == b.events(incident_id)
    assert a.incident(incident_id) == b.incident(incident_id)
    assert check_log(a) == []
    assert check_log(b) == []
    settlements = [e for e in a.events(incident_id) if e.kind is Kind.CONFLICT]
    assert settlements
    assert all(body_problems(e.body, KIND_BODIES[Kind.CONFLICT]) == [] for e in settlements)


def test_two_commanders_named_apart_show_on_both_and_settle_on_both(
    laptops: tuple[IncidentLog, IncidentLog], clock: FixedClock
) -> None:
    a, b = laptops
    incident_id = shared_incident(a, b, clock)
    ann = a.assign_role(incident_id, Role.COMMANDER, "ann", author="alice")
    clock.advance(timedelta(seconds=1))
    bob = b.assign_role(incident_id, Role.COMMANDER, "bob", author="bob")
    clock.advance(timedelta(seconds=1))
    assert conflict_store.conflicts(a, incident_id) == []  # apart, each log is consistent
    exchange(a, b, incident_id)

    (conflict,) = the_same_on_both(a, b, incident_id)
    assert conflict.kind is ConflictKind.ROLE
    assert conflict.event_ids == (ann.id, bob.id)
    assert a.incident(incident_id).commander == "bob"  # the later one, as the fold has it
    with pytest.raises(ValidationError, match="Keep one of the conflict's sides"):
        conflict_store.settle(a, incident_id, conflict.key, incident_id, author="alice")
    settled = conflict_store.settle(
        a, incident_id, conflict.key[:12], ann.id, author="alice", reason="ann has the bridge"
    )
    assert settled.body["text"] == "Conflict settled: ann is the commander. — ann has the bridge"
    assert a.incident(incident_id).commander == "ann"
    settled_on_both(a, b, incident_id)
    assert b.incident(incident_id).commander == "ann"
    b.assign_role(incident_id, Role.COMMANDER, "carl", author="bob")  # knowing all of it
    exchange(a, b, incident_id)
    assert conflict_store.count(a, incident_id) == 0
    with pytest.raises(NotFoundError, match="may be settled already"):
        conflict_store.settle(b, incident_id, conflict.key, ann.id, author="bob")


@pytest.fixture
def statuspage(httpserver: HTTPServer, clock: FixedClock) -> FakeStatuspage:
    fake = FakeStatuspage("pg1", KEY, {"cmpA"}, now=clock.now())
    httpserver.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    return fake


def add_status_page(log: IncidentLog, httpserver: HTTPServer) -> None:
    channels.save_channel(
        log, "status", "statuspage",
        {"page_id": "pg1", "base_url": httpserver.url_for("/v1"), "components": {"c": "cmpA"}},
    )  # fmt: skip
    SecretStore().set("status", KEY)


def publish(log: IncidentLog, incident_id: str, text: str) -> None:
    outbox_store.enqueue(
        log, incident_id, Audience.CUSTOMERS, ["status"], "Checkout problems", text,
        author="cara", facts=UpdateFacts(services=("c",)),
    )  # fmt: skip
    assert [a.outcome for a in deliver_due(log, SecretStore())] == [OutboxState.SENT]


def test_a_laptop_that_receives_the_sent_update_amends_the_same_status_page_incident(
    laptops: tuple[IncidentLog, IncidentLog],
    clock: FixedClock,
    httpserver: HTTPServer,
    statuspage: FakeStatuspage,
) -> None:
    a, b = laptops
    incident_id = shared_incident(a, b, clock)
    add_status_page(a, httpserver)
    add_status_page(b, httpserver)
    publish(a, incident_id, "We are investigating.")
    (remote,) = statuspage.incidents
    (sent,) = [e for e in a.events(incident_id) if e.body.get("action") == "sent"]
    assert sent.body["remote_incident_id"] == remote
    assert outbox_store.remote_incident(b, "status", incident_id) is None
    exchange(a, b, incident_id)
    assert outbox_store.remote_incident(b, "status", incident_id) == remote

    clock.advance(timedelta(minutes=5))
    publish(b, incident_id, "We found the cause.")
    assert list(statuspage.incidents) == [remote]  # amended, not opened a second time
    writes = [(s.method, s.path) for s in statuspage.sent if s.method != "GET"]
    assert writes[-1] == ("PATCH", f"/v1/pages/pg1/incidents/{remote}")
    exchange(a, b, incident_id)
    assert the_same_on_both(a, b, incident_id) == []


def test_two_status_page_incidents_made_apart_show_and_the_kept_one_is_amended_by_both(
    laptops: tuple[IncidentLog, IncidentLog],
    clock: FixedClock,
    httpserver: HTTPServer,
    statuspage: FakeStatuspage,
) -> None:
    a, b = laptops
    incident_id = shared_incident(a, b, clock)
    add_status_page(a, httpserver)
    add_status_page(b, httpserver)
    publish(a, incident_id, "We are investigating.")
    clock.advance(timedelta(seconds=1))
    publish(b, incident_id, "Checkout is failing for some customers.")
    first, second = statuspage.incidents
    exchange(a, b, incident_id)
    # Each laptop keeps amending its own until someone settles it.
    assert outbox_store.remote_incident(a, "status", incident_id) == first
    assert outbox_store.remote_incident(b, "status", incident_id) == second

    (conflict,) = the_same_on_both(a, b, incident_id)
    assert conflict.kind is ConflictKind.STATUS_PAGE
    assert conflict.remote_ids == (first, second)
    keep = conflict.sides[0].event_id
    settled = conflict_store.settle(b, incident_id, conflict.key, keep, author="bob")
    assert f"resolve {second} on the status page by hand" in settled.body["text"]
    assert outbox_store.remote_incident(b, "status", incident_id) == first
    settled_on_both(b, a, incident_id)
    assert outbox_store.remote_incident(a, "status", incident_id) == first

    clock.advance(timedelta(minutes=5))
    publish(b, incident_id, "A fix is rolling out.")
    assert len(statuspage.incidents) == 2  # nothing new opened
    assert statuspage.incidents[first]["incident_updates"][0]["body"] == "A fix is rolling out."


def test_an_action_item_closed_on_one_laptop_and_reassigned_on_the_other(
    laptops: tuple[IncidentLog, IncidentLog], clock: FixedClock
) -> None:
    a, b = laptops
    incident_id = shared_incident(a, b, clock)
    item = follow_ups_store.add_follow_up(
        a, incident_id, FollowUpRequest("Alert when checkout 500s pass 1% for 5 min", owner="bob"),
        author="alice",
    )  # fmt: skip
    clock.advance(timedelta(seconds=1))
    exchange(a, b, incident_id)
    follow_ups_store.move(
        a, incident_id, item.id, FollowUpState.DONE, evidence="PR 12", author="alice"
    )
    clock.advance(timedelta(seconds=1))
    reassigned = board_store.update_action(b, incident_id, item.id, owner="carol", author="bob")
    clock.advance(timedelta(seconds=1))
    exchange(a, b, incident_id)

    (conflict,) = the_same_on_both(a, b, incident_id)
    assert conflict.kind is ConflictKind.ACTION
    assert conflict.item == item.id
    assert [s.says for s in conflict.sides] == ["closes it (done)", "gives it to carol"]
    conflict_store.settle(a, incident_id, conflict.key, reassigned.id, author="alice")
    action = board_store.board(a, incident_id).find_action(item.id)
    assert (action.state, action.owner) == (FollowUpState.OPEN, "carol")
    settled_on_both(a, b, incident_id)
    action = board_store.board(b, incident_id).find_action(item.id)
    assert (action.state, action.owner) == (FollowUpState.OPEN, "carol")


def test_a_rollback_decided_on_both_laptops_apart_is_a_decision_taken_twice(
    laptops: tuple[IncidentLog, IncidentLog], clock: FixedClock
) -> None:
    a, b = laptops
    incident_id = shared_incident(a, b, clock)
    for checklist_item in rollback_files.load_checklist().items:
        if checklist_item.required:
            rollback.tick_item(a, incident_id, checklist_item.id, author="alice")
    clock.advance(timedelta(seconds=1))
    exchange(a, b, incident_id)
    request = DecisionRequest("Roll back checkout to 4811", DecisionKind.ROLLBACK)
    first = rollback.decide(a, incident_id, request, author="alice")
    clock.advance(timedelta(seconds=1))
    rollback.decide(b, incident_id, request, author="bob")
    clock.advance(timedelta(seconds=1))
    exchange(a, b, incident_id)

    (conflict,) = the_same_on_both(a, b, incident_id)
    assert conflict.kind is ConflictKind.DECISION
    assert conflict.title == "A rollback decided twice"
    settled = conflict_store.settle(b, incident_id, conflict.key, first.id, author="bob")
    assert "stands as the decision of record" in settled.body["text"]
    assert "(bob on laptop-bob) does not" in settled.body["text"]
    settled_on_both(b, a, incident_id)


def test_a_large_import_adopts_the_remote_incident_too(
    laptops: tuple[IncidentLog, IncidentLog],
    clock: FixedClock,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More events than one transaction takes are staged and published (`import_stage`):
    the remote incident is adopted in the publishing's last transaction."""
    a, b = laptops
    incident_id = shared_incident(a, b, clock)
    add_status_page(a, httpserver)
    (row,) = outbox_store.enqueue(
        a, incident_id, Audience.CUSTOMERS, ["status"], "Checkout problems", "On it",
        author="cara",
    )  # fmt: skip
    assert outbox_store.claim_next(a) is not None
    outbox_store.record_sent(a, row.id, remote_id="u1", remote_incident_id="p7")
    for n in range(40):
        a.log(incident_id, f"reading {n}", author="alice")
    monkeypatch.setattr(bundles, "LARGE_IMPORT", 30)
    result = import_bundle(b, parse_bundle(export_bundle(a, incident_id)))
    assert result.added > 30
    assert outbox_store.remote_incident(b, "status", incident_id) == "p7"


def _sent_by_hand(log: IncidentLog, incident_id: str, remote: str) -> None:
    (row,) = outbox_store.enqueue(
        log, incident_id, Audience.CUSTOMERS, ["status"], "Checkout problems", "On it",
        author="cara",
    )  # fmt: skip
    assert outbox_store.claim_next(log) is not None
    outbox_store.record_sent(log, row.id, remote_id=f"u-{remote}", remote_incident_id=remote)


def test_an_update_in_flight_while_settling_does_not_undo_the_settlement(
    laptops: tuple[IncidentLog, IncidentLog], clock: FixedClock, httpserver: HTTPServer
) -> None:
    a, b = laptops
    incident_id = shared_incident(a, b, clock)
    add_status_page(a, httpserver)
    add_status_page(b, httpserver)
    _sent_by_hand(a, incident_id, "p1")
    _sent_by_hand(b, incident_id, "p2")
    (in_flight,) = outbox_store.enqueue(
        b, incident_id, Audience.CUSTOMERS, ["status"], "Checkout problems", "Still on it",
        author="cara",
    )  # fmt: skip
    assert outbox_store.claim_next(b) is not None  # its send to p2 has begun
    exchange(a, b, incident_id)
    (conflict,) = conflict_store.conflicts(b, incident_id)
    conflict_store.settle(b, incident_id, conflict.key, conflict.sides[0].event_id, author="bob")
    outbox_store.record_sent(b, in_flight.id, remote_id="u-late", remote_incident_id="p2")
    assert outbox_store.remote_incident(b, "status", incident_id) == "p1"
    assert conflict_store.conflicts(b, incident_id) == []


def test_each_write_records_the_newest_event_about_the_same_thing_its_log_held(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    first = log.assign_role(incident_id, Role.COMMANDER, "ann", author="alice")
    assert first.body["seen"] is None  # no assignment of the role before it
    log.assign_role(incident_id, Role.COMMUNICATOR, "cara", author="alice")
    offer = handoff.offer_handoff(log, incident_id, "bob", author="ann")
    assert "seen" not in offer.body  # an offer does not change who commands
    accepted = handoff.accept_handoff(log, incident_id, author="bob")
    assert accepted.body["seen"] == first.id
    item = board_store.add_action(log, incident_id, "Page the DBA", owner="bob", author="ann")
    assert "seen" not in item.body
    moved = board_store.update_action(log, incident_id, item.id, owner="dan", author="ann")
    assert moved.body["seen"] == item.id
    done = board_store.complete_action(log, incident_id, item.id, author="dan")
    assert done.body["seen"] == moved.id
    note = rollback.decide(log, incident_id, DecisionRequest("Keep paging"), author="bob")
    assert "seen" not in note.body  # not a production change
    override = DecisionRequest("Roll back", DecisionKind.ROLLBACK, override_reason="burning")
    one = rollback.decide(log, incident_id, override, author="bob")
    two = rollback.decide(log, incident_id, override, author="bob")
    assert (one.body["seen"], two.body["seen"]) == (None, one.id)
