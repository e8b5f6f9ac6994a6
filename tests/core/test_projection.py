from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commander_app.core import projection
from commander_app.core.ids import new_ulid
from commander_app.core.metrics import durations, metrics_dict
from commander_app.core.model import Event, Kind, Severity, Status
from commander_app.core.times import to_iso

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
INCIDENT = new_ulid(T0)


def make(
    kind: Kind,
    body: dict[str, Any],
    minute: int,
    supersedes: str | None = None,
    recorded_minute: int | None = None,
) -> Event:
    occurred = T0 + timedelta(minutes=minute)
    recorded = T0 + timedelta(minutes=recorded_minute if recorded_minute is not None else minute)
    return Event(
        new_ulid(recorded),
        INCIDENT,
        kind,
        body,
        "alice",
        "dev",
        to_iso(occurred),
        to_iso(recorded),
        supersedes,
    )


def opened(minute: int = 0) -> Event:
    body = {
        "action": "opened",
        "title": "Checkout down",
        "severity": "SEV2",
        "drill": False,
        "commander": "alice",
    }
    return make(Kind.INCIDENT, body, minute)


def test_fold_tracks_status_severity_roles_and_milestones() -> None:
    events = [
        opened(),
        make(Kind.SEVERITY, {"severity": "SEV1", "from": "SEV2"}, 1),
        make(Kind.ROLE, {"role": "communicator", "person": "bea"}, 2),
        make(Kind.STATUS, {"status": "identified", "from": "investigating"}, 3),
        make(Kind.MILESTONE, {"milestone": "mitigated"}, 4),
        make(Kind.NOTE, {"text": "rolled back"}, 5),
    ]
    state = projection.fold(INCIDENT, events)
    assert state.title == "Checkout down"
    assert state.severity is Severity.SEV1
    assert state.status is Status.IDENTIFIED
    assert (state.commander, state.communicator) == ("alice", "bea")
    assert state.mitigated_at == events[4].occurred_at
    assert state.opened_at == events[0].occurred_at
    assert state.event_count == 6


def test_advancing_with_the_latest_event_needs_no_history() -> None:
    events = [opened(), make(Kind.STATUS, {"status": "monitoring"}, 2)]
    state = projection.fold(INCIDENT, events[:1])
    assert projection.can_extend(state, events[1])
    assert not projection.needs_state_events(state, events[1:])
    assert projection.advance(state, events[1:]) == projection.fold(INCIDENT, events)


def test_backfilled_notes_only_move_the_counters() -> None:
    events = [opened(), make(Kind.STATUS, {"status": "monitoring"}, 10)]
    state = projection.fold(INCIDENT, events)
    late_note = make(Kind.NOTE, {"text": "paper note"}, 5, recorded_minute=20)
    assert not projection.needs_state_events(state, [late_note])
    assert projection.advance(state, [late_note]) == projection.fold(INCIDENT, [*events, late_note])


def test_backfilled_state_changes_need_a_refold_and_story_order_wins() -> None:
    events = [opened(), make(Kind.STATUS, {"status": "monitoring"}, 10)]
    state = projection.fold(INCIDENT, events)
    late = make(Kind.STATUS, {"status": "identified"}, 5, recorded_minute=20)
    assert projection.needs_state_events(state, [late])
    with pytest.raises(ValueError, match="needs the incident's state events"):
        projection.advance(state, [late])
    advanced = projection.advance(state, [late], [*events, late])
    assert advanced == projection.fold(INCIDENT, [*events, late])
    assert advanced.status is Status.MONITORING  # what happened last still stands
    assert advanced.last_event_at == late.recorded_at


_KIND_BODIES = [
    (Kind.NOTE, {"text": "n"}),
    (Kind.STATUS, {"status": "identified"}),
    (Kind.STATUS, {"status": "resolved"}),
    (Kind.STATUS, {"status": "investigating"}),
    (Kind.SEVERITY, {"severity": "SEV1"}),
    (Kind.MILESTONE, {"milestone": "detected"}),
    (Kind.MILESTONE, {"milestone": "mitigated"}),
    (Kind.ROLE, {"role": "communicator", "person": "kim"}),
    (Kind.ROLE, {"role": "commander", "person": "lee"}),
    (Kind.ROLE, {"role": "commander", "person": "kim", "action": "handoff_offered", "from": "lee"}),
    (Kind.ROLE, {"role": "commander", "person": "kim", "action": "handoff_accepted"}),
    (Kind.ROLE, {"role": "commander", "person": "kim", "action": "handoff_declined"}),
    (Kind.ROLE, {"role": "commander", "person": "kim", "action": "handoff_cancelled"}),
    (Kind.ROLE, {"role": "commander", "person": "max", "action": "handoff_offered"}),
]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_advancing_in_any_order_equals_folding_everything(data: st.DataObject) -> None:
    """However events arrive (backfilled, corrected, in batches), the stored state
    must equal a fold of all events: the promise behind `check --rebuild`."""
    events = [opened()]
    for index in range(data.draw(st.integers(1, 12))):
        kind, body = data.draw(st.sampled_from(_KIND_BODIES))
        minute = data.draw(st.integers(0, 60))
        target = data.draw(st.sampled_from([None, *events[1:]])) if index % 3 == 2 else None
        supersedes = target.id if target is not None and target.kind is kind else None
        events.append(make(kind, body, minute, supersedes=supersedes, recorded_minute=61 + index))
    state = projection.fold(INCIDENT, events[:1])
    position = 1
    while position < len(events):
        size = data.draw(st.integers(1, 3))
        batch = events[position : position + size]
        position += len(batch)
        seen = events[:position]
        state = projection.advance(state, batch, [e for e in seen if projection.changes_state(e)])
    assert state == projection.fold(INCIDENT, events)


def test_a_correction_replaces_the_event_it_supersedes() -> None:
    wrong = make(Kind.MILESTONE, {"milestone": "detected"}, 30)
    fixed = make(
        Kind.MILESTONE, {"milestone": "detected"}, 12, supersedes=wrong.id, recorded_minute=31
    )
    state = projection.fold(INCIDENT, [opened(), wrong, fixed])
    assert state.detected_at == fixed.occurred_at
    assert state.event_count == 3


def test_resolve_and_reopen() -> None:
    resolved = make(Kind.STATUS, {"status": "resolved"}, 40)
    state = projection.fold(INCIDENT, [opened(), resolved])
    assert state.resolved_at == resolved.occurred_at
    assert not state.is_open
    reopened = make(Kind.STATUS, {"status": "investigating", "reopened": True}, 50)
    state = projection.fold(INCIDENT, [opened(), resolved, reopened])
    assert state.resolved_at is None
    assert state.is_open


def test_durations_from_backfilled_milestones() -> None:
    events = [
        opened(minute=20),
        make(Kind.MILESTONE, {"milestone": "impact_started"}, 0, recorded_minute=21),
        make(Kind.MILESTONE, {"milestone": "detected"}, 15, recorded_minute=22),
        make(Kind.MILESTONE, {"milestone": "mitigated"}, 50),
        make(Kind.STATUS, {"status": "resolved"}, 80),
    ]
    metrics = metrics_dict(projection.fold(INCIDENT, events))
    assert metrics["time_to_detect_seconds"] == 15 * 60
    assert metrics["time_to_mitigate_seconds"] == 50 * 60
    assert metrics["time_to_resolve_seconds"] == 80 * 60
    assert metrics["notes"] == {}


def test_missing_impact_start_falls_back_to_incident_start_and_says_so() -> None:
    state = projection.fold(
        INCIDENT, [opened(), make(Kind.MILESTONE, {"milestone": "detected"}, 7)]
    )
    by_name = {d.name: d for d in durations(state)}
    assert by_name["time_to_detect"].seconds == 7 * 60
    assert "impact start not recorded" in (by_name["time_to_detect"].note or "")
    assert by_name["time_to_mitigate"].seconds is None
    assert by_name["time_to_mitigate"].note == "not mitigated yet"


def test_negative_duration_is_flagged() -> None:
    events = [
        opened(),
        make(Kind.MILESTONE, {"milestone": "impact_started"}, 30),
        make(Kind.MILESTONE, {"milestone": "detected"}, 10, recorded_minute=31),
    ]
    detect = durations(projection.fold(INCIDENT, events))[0]
    assert detect.seconds == -20 * 60
    assert "before the impact start" in (detect.note or "")


def handoff(action: str, person: str, minute: int, **extra: Any) -> Event:
    body = {"role": "commander", "person": person, "action": action, **extra}
    return make(Kind.ROLE, body, minute)


def test_an_offer_does_not_change_the_commander_until_it_is_accepted() -> None:
    offer = handoff("handoff_offered", "bob", 10, **{"from": "alice"})
    state = projection.fold(INCIDENT, [opened(), offer])
    assert (state.commander, state.pending_handoff_to) == ("alice", "bob")
    assert state.roles["commander"] == "alice"
    state = projection.fold(INCIDENT, [opened(), offer, handoff("handoff_accepted", "bob", 12)])
    assert (state.commander, state.pending_handoff_to) == ("bob", None)
    assert state.roles["commander"] == "bob"


@pytest.mark.parametrize("answer", ["handoff_declined", "handoff_cancelled"])
def test_a_declined_or_cancelled_offer_leaves_the_commander(answer: str) -> None:
    events = [opened(), handoff("handoff_offered", "bob", 10), handoff(answer, "bob", 11)]
    state = projection.fold(INCIDENT, events)
    assert (state.commander, state.pending_handoff_to) == ("alice", None)


def test_an_answer_to_an_older_offer_leaves_the_pending_one() -> None:
    events = [
        opened(),
        handoff("handoff_offered", "bob", 10),
        handoff("handoff_cancelled", "bob", 11),
        handoff("handoff_offered", "carl", 12),
        handoff("handoff_declined", "bob", 13),  # e.g. merged in late from another laptop
    ]
    assert projection.fold(INCIDENT, events).pending_handoff_to == "carl"


def test_plain_assignment_of_command_still_works_and_voids_an_offer() -> None:
    events = [
        opened(),
        handoff("handoff_offered", "bob", 10),
        make(Kind.ROLE, {"role": "commander", "person": "dan", "action": "assigned"}, 11),
    ]
    state = projection.fold(INCIDENT, events)
    assert (state.commander, state.pending_handoff_to) == ("dan", None)
    communicator = make(Kind.ROLE, {"role": "communicator", "person": "eve"}, 12)
    offer = handoff("handoff_offered", "bob", 13)
    state = projection.fold(INCIDENT, [*events, offer, communicator])
    assert state.pending_handoff_to == "bob"  # another role's assignment is not about command


def test_a_backfilled_handoff_is_folded_in_story_order() -> None:
    events = [
        opened(),
        handoff("handoff_offered", "bob", 10),
        handoff("handoff_accepted", "bob", 20),
    ]
    state = projection.fold(INCIDENT, events)
    late_offer = make(
        Kind.ROLE,
        {"role": "commander", "person": "carl", "action": "handoff_offered"},
        15,
        recorded_minute=30,
    )
    assert projection.needs_state_events(state, [late_offer])
    advanced = projection.advance(state, [late_offer], [*events, late_offer])
    assert advanced == projection.fold(INCIDENT, [*events, late_offer])
    assert (advanced.commander, advanced.pending_handoff_to) == ("bob", None)


def test_hypotheses_and_board_entries_do_not_move_the_incident() -> None:
    pool = make(Kind.HYPOTHESIS, {"text": "pool"}, 5)
    confirmed = make(
        Kind.HYPOTHESIS, {"text": "Confirmed", "ref": pool.id, "state": "confirmed"}, 6
    )
    start = opened()
    state = projection.fold(INCIDENT, [start])
    assert not any(projection.changes_state(e) for e in (pool, confirmed))
    advanced = projection.advance(state, [pool, confirmed])
    assert advanced == projection.fold(INCIDENT, [start, pool, confirmed])
    assert advanced.status is Status.INVESTIGATING
