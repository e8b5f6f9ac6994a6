"""One incident's figures, against tables worked out by hand: each says what it is
measured from, and a missing or out-of-order milestone is said, never a zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from commander_app.core.board import Board, Decision, Hypothesis
from commander_app.core.cadence import Adherence
from commander_app.core.incident_figures import incident_figures
from commander_app.core.model import (
    Audience,
    DecisionKind,
    Event,
    HypothesisState,
    IncidentState,
    Kind,
    Severity,
    Status,
)
from commander_app.core.times import to_iso

T0 = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return to_iso(T0 + timedelta(minutes=minutes))


def event(n: int, kind: Kind, minutes: float, **body: Any) -> Event:
    when = at(minutes)
    return Event(f"E{n:03d}", "I1", kind, body, "ada", "d", when, when)


def resolved_incident(**changes: Any) -> IncidentState:
    fields: dict[str, Any] = {
        "id": "I1",
        "title": "Checkout failing",
        "severity": Severity.SEV1,
        "status": Status.RESOLVED,
        "opened_at": at(5),
        "impact_started_at": at(0),
        "detected_at": at(4),
        "mitigated_at": at(52),
        "resolved_at": at(80),
    }
    return IncidentState(**{**fields, **changes})


def board() -> Board:
    refuted = Hypothesis(
        "H1",
        "Gateway degraded",
        "dana",
        "ada",
        at(8),
        state=HypothesisState.REFUTED,
        state_changed_at=at(30),
    )
    right = Hypothesis(
        "H2",
        "Pool exhausted after release 42",
        "chen",
        "ada",
        at(19),
        state=HypothesisState.CONFIRMED,
        state_changed_at=at(40),
        confirmed_at=at(40),
    )
    third = Hypothesis(
        "H3", "DNS", None, "bo", at(21), state=HypothesisState.REFUTED, state_changed_at=at(25)
    )
    rollback = Decision(
        "D1", "Roll back release 42", "alice", at(47), decision_kind=DecisionKind.ROLLBACK
    )
    return Board(hypotheses=[refuted, right, third], decisions=[rollback])


EVENTS = [
    event(1, Kind.COMMS, 9, action="sent", audience="internal"),
    event(2, Kind.COMMS, 16, action="sent", audience="customers"),
    event(3, Kind.COMMS, 30, action="sent", audience="internal"),
    event(4, Kind.CHECKLIST, 41, item="c1", checked=True),
    event(5, Kind.CHECKLIST, 44, item="c2", checked=True),
    event(6, Kind.ROLE, 60, action="handoff_accepted", role="commander", person="bo"),
]
ADHERENCE = {Audience.INTERNAL: Adherence(due=4, on_time=3)}
NOW = T0 + timedelta(hours=3)


def test_a_resolved_incident_by_hand() -> None:
    figures = incident_figures(resolved_incident(), board(), EVENTS, ADHERENCE)
    minutes = {
        f.key: (f.value / 60 if f.value is not None and f.unit == "seconds" else f.value)
        for f in figures.figures
    }
    assert minutes["time_to_detect"] == 4
    assert minutes["time_to_correct_hypothesis"] == 15  # detected 14:04 → H2 raised 14:19
    assert figures.get("time_to_correct_hypothesis").by == "chen"  # type: ignore[union-attr]
    assert minutes["correct_hypothesis_to_mitigated"] == 33
    assert minutes["time_to_mitigate"] == 52
    assert minutes["time_to_resolve"] == 80
    assert minutes["time_to_first_update.internal"] == 5
    assert minutes["time_to_first_update.customers"] == 12
    assert minutes["time_to_first_update.executives"] is None
    assert figures.get("time_to_first_update.executives").note == (  # type: ignore[union-attr]
        "no update was sent to executives"
    )
    assert minutes["cadence_adherence.internal"] == 0.75
    assert minutes["cadence_adherence.customers"] is None
    assert minutes["decision_latency"] == 6  # first tick 14:41 → decided 14:47
    assert minutes["peak_parallel_hypotheses"] == 3  # 14:21–14:25: H1, H2 and H3
    assert minutes["handoffs"] == 1
    shown = {f.key: (f.measured, f.shown(), f.note) for f in figures.figures}
    assert shown["time_to_detect"] == ("impact start → detected", "4 min", None)
    assert shown["cadence_adherence.internal"] == (
        "updates on time / updates due",
        "75%",
        "3 of 4",
    )


def test_missing_and_out_of_order_milestones_are_said_never_zero() -> None:
    state = resolved_incident(impact_started_at=None, detected_at=None, mitigated_at=at(2))
    figures = incident_figures(state, Board(), [], {})
    detect = figures.get("time_to_detect")
    assert detect is not None
    assert (detect.value, detect.note) == (None, "no detected milestone")
    mitigate = figures.get("time_to_mitigate")
    assert mitigate is not None
    assert mitigate.value is None  # mitigated 14:02, before the opening at 14:05
    assert mitigate.note == "mitigated is recorded before opened: check the times"
    resolve = figures.get("time_to_resolve")
    assert resolve is not None
    assert resolve.value == 75 * 60
    assert resolve.note == "impact start not recorded: measured from when the incident was opened"
    correct = figures.get("time_to_correct_hypothesis")
    assert correct is not None
    assert correct.value is None
    assert correct.note == "no detected milestone"
    first = figures.get("time_to_first_update.internal")
    assert first is not None
    assert first.note == "no update was sent to internal"
    latency = figures.get("decision_latency")
    assert latency is not None
    assert latency.note == "no production change was decided"
    assert all(f.value is None or f.value >= 0 for f in figures.figures)


def test_a_corrected_update_does_not_count_and_a_change_without_a_checklist_says_so() -> None:
    voided = event(1, Kind.COMMS, 6, action="sent", audience="internal")
    correction = Event(
        "E900",
        "I1",
        Kind.NOTE,
        {"text": "sent to the wrong list"},
        "ada",
        "d",
        at(7),
        at(7),
        supersedes="E001",
    )
    later = event(2, Kind.COMMS, 10, action="sent", audience="internal")
    figures = incident_figures(resolved_incident(), board(), [voided, correction, later], {})
    first = figures.get("time_to_first_update.internal")
    assert first is not None
    assert first.value == 6 * 60  # detected 14:04 → 14:10, not the voided 14:06
    latency = figures.get("decision_latency")
    assert latency is not None
    assert latency.value is None
    assert latency.note == "no checklist was ticked before a change was decided"


def test_an_open_incident_counts_open_hypotheses_until_now() -> None:
    state = resolved_incident(status=Status.INVESTIGATING, mitigated_at=None, resolved_at=None)
    still = Board(
        hypotheses=[
            Hypothesis("H1", "Pool", None, "ada", at(10)),
            Hypothesis("H2", "DNS", None, "ada", at(90)),
        ]
    )
    figures = incident_figures(state, still, [], {})
    assert figures.value("peak_parallel_hypotheses") == 2
    resolve = figures.get("time_to_resolve")
    assert resolve is not None
    assert (resolve.value, resolve.note) == (None, "not resolved yet")
    assert figures.as_dict()["time_to_resolve"] == {
        "value": None,
        "unit": "seconds",
        "measured": "impact start → resolved",
        "note": "not resolved yet",
    }
