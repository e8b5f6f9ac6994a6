from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commander_app.core.cadence import CadencePolicy
from commander_app.core.clock import FixedClock
from commander_app.core.errors import ValidationError
from commander_app.core.model import Audience, Kind, Severity
from commander_app.store import board, cadence, handoff
from commander_app.store.health import check_log
from commander_app.store.incident_log import IncidentLog
from tests.store.conftest import count

BERLIN = ZoneInfo("Europe/Berlin")


def test_command_changes_hands_only_when_the_offer_is_accepted(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    board.open_hypothesis(log, incident_id, "DB pool exhausted", owner="bob", author="a")
    clock.advance(timedelta(minutes=42))
    offer = handoff.offer_handoff(log, incident_id, "bob", author="alice", local_zone=BERLIN)
    assert offer.kind is Kind.ROLE
    assert offer.body["from"] == "alice"
    assert offer.body["briefing"].startswith("HANDOFF BRIEFING: Checkout 500s\n")
    assert "open 42 min" in offer.body["briefing"]
    assert "  - H1 DB pool exhausted\n    owner bob" in offer.body["briefing"]
    state = log.incident(incident_id)
    assert (state.commander, state.pending_handoff_to) == ("alice", "bob")
    clock.advance(timedelta(minutes=1))
    accepted = handoff.accept_handoff(log, incident_id, author="bob")
    assert "entered_by" not in accepted.body
    state = log.incident(incident_id)
    assert (state.commander, state.pending_handoff_to) == ("bob", None)
    assert check_log(log) == []


def test_someone_else_may_enter_the_acceptance_and_the_log_says_who(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    handoff.offer_handoff(log, incident_id, "bob", author="alice", local_zone=BERLIN)
    clock.advance(timedelta(minutes=1))
    accepted = handoff.accept_handoff(log, incident_id, author="scribe kim")
    assert accepted.author == "scribe kim"
    assert accepted.body["entered_by"] == "scribe kim"
    assert log.incident(incident_id).commander == "bob"


@pytest.mark.parametrize("answer", [handoff.decline_handoff, handoff.cancel_handoff])
def test_a_declined_or_cancelled_offer_keeps_the_commander(
    log: IncidentLog, clock: FixedClock, incident_id: str, answer: Any
) -> None:
    handoff.offer_handoff(log, incident_id, "bob", author="alice", local_zone=BERLIN)
    clock.advance(timedelta(minutes=1))
    answer(log, incident_id, author="bob")
    state = log.incident(incident_id)
    assert (state.commander, state.pending_handoff_to) == ("alice", None)
    clock.advance(timedelta(minutes=1))
    handoff.offer_handoff(log, incident_id, "carl", author="alice", local_zone=BERLIN)
    assert log.incident(incident_id).pending_handoff_to == "carl"


def test_the_briefing_follows_the_log_clock(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    clock.advance(timedelta(hours=2, minutes=5))
    text = handoff.briefing(log, incident_id, policy=CadencePolicy(), local_zone=BERLIN)
    assert "open 2 h 05 min (since 15:00 CET) · as of 17:05 CET" in text
    assert "  internal: OVERDUE by 2 h 00 min (was due 15:05 CET)" in text


def test_the_stored_handoff_briefing_names_each_audiences_next_update(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    log.set_severity(incident_id, Severity.SEV1, author="alice")
    cadence.record_sent(log, incident_id, Audience.EXECUTIVES, "Exec update",
                              next_update_at=clock.now() + timedelta(minutes=30),
                              author="bram")  # fmt: skip
    clock.advance(timedelta(minutes=25))
    event = handoff.offer_handoff(
        log, incident_id, "carl", author="alice", policy=CadencePolicy(), local_zone=BERLIN
    )
    stored = event.body["briefing"]
    assert "not scheduled" not in stored
    assert stored.endswith(
        "Stakeholder updates\n"
        "  internal: OVERDUE by 20 min (was due 15:05 CET)\n"
        "  executives: due 15:30 CET (in 5 min)\n"
        "  customers: OVERDUE by 20 min (was due 15:05 CET)"  # stored without the last break
    )
    offered = [e for e in log.events(incident_id) if e.body.get("action") == "handoff_offered"]
    assert offered[0].body["briefing"] == stored


@pytest.mark.parametrize(
    ("setup", "attempt", "message"),
    [
        ([], lambda log, i: handoff.accept_handoff(log, i, author="bob"), "No handoff"),
        ([], lambda log, i: handoff.decline_handoff(log, i, author="bob"), "No handoff"),
        ([], lambda log, i: handoff.cancel_handoff(log, i, author="alice"), "No handoff"),
        (
            [],
            lambda log, i: handoff.offer_handoff(log, i, "alice", author="alice"),
            "already the commander",
        ),
        (
            ["bob"],
            lambda log, i: handoff.offer_handoff(log, i, "bob", author="a"),
            "already offered",
        ),
        (
            ["bob"],
            lambda log, i: handoff.offer_handoff(log, i, "carl", author="a"),
            "cancel that offer",
        ),
        ([], lambda log, i: handoff.offer_handoff(log, i, "  ", author="a"), "name is empty"),
    ],
)
def test_refusals_write_nothing(
    log: IncidentLog,
    clock: FixedClock,
    incident_id: str,
    setup: list[str],
    attempt: Any,
    message: str,
) -> None:
    for person in setup:
        clock.advance(timedelta(minutes=1))
        handoff.offer_handoff(log, incident_id, person, author="alice", local_zone=BERLIN)
    clock.advance(timedelta(minutes=1))
    before = count(log)
    with pytest.raises(ValidationError, match=message):
        attempt(log, incident_id)
    assert count(log) == before
