"""How one incident went, in figures: the evidence a team reads to see whether it gets
faster. Each figure says what it was measured from and to; a milestone that is missing
or recorded out of order is said in words, never a silent zero or a negative duration.
Backfilled times count as the times things happened (the milestones' own times).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from commander_app.core.board import Board, Hypothesis, summary
from commander_app.core.bodies import read_comms, read_role
from commander_app.core.cadence import Adherence
from commander_app.core.model import (
    Audience,
    CommsAction,
    Event,
    HypothesisState,
    IncidentState,
    Kind,
    RoleChange,
)
from commander_app.core.times import format_minutes, from_iso

Unit = Literal["seconds", "count", "ratio"]


@dataclass(frozen=True)
class Figure:
    key: str  # time_to_detect, time_to_first_update.customers, ...
    label: str  # what a person reads: "Time to detect"
    value: float | None  # seconds, a count or a ratio 0..1; None: cannot be measured
    unit: Unit
    measured: str  # "impact start → detected"
    note: str | None = None  # why it is missing, or what stood in for a milestone
    by: str | None = None  # who, where a person is part of the figure (raised by)

    def shown(self) -> str:
        if self.value is None:
            return "—"
        if self.unit == "seconds":
            return format_minutes(self.value)
        if self.unit == "ratio":
            return f"{self.value:.0%}"
        return f"{self.value:.0f}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "unit": self.unit,
            "measured": self.measured,
            "note": self.note,
            **({"by": self.by} if self.by else {}),
        }


@dataclass(frozen=True)
class IncidentFigures:
    incident_id: str
    figures: tuple[Figure, ...] = field(default_factory=tuple)

    def get(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    def value(self, key: str) -> float | None:
        found = self.get(key)
        return found.value if found else None

    def as_dict(self) -> dict[str, Any]:
        return {f.key: f.as_dict() for f in self.figures}


@dataclass(frozen=True)
class _Moment:
    name: str  # "impact start", "detected", ...
    at: str | None  # UTC ISO-8601
    missing: str  # the words when it is not recorded


def _between(
    key: str,
    label: str,
    start: _Moment,
    end: _Moment,
    *,
    stood_in: str | None = None,
    by: str | None = None,
) -> Figure:
    measured = f"{start.name} → {end.name}"
    if start.at is None or end.at is None:
        missing = start.missing if start.at is None else end.missing
        return Figure(key, label, None, "seconds", measured, missing, by)
    seconds = (from_iso(end.at) - from_iso(start.at)).total_seconds()
    if seconds < 0:
        return Figure(
            key,
            label,
            None,
            "seconds",
            measured,
            f"{end.name} is recorded before {start.name}: check the times",
            by,
        )
    return Figure(key, label, seconds, "seconds", measured, stood_in, by)


def correct_hypothesis(board: Board) -> Hypothesis | None:
    """The hypothesis later confirmed that was raised first (the team had the right idea
    from then on), or None while none is confirmed."""
    confirmed = [h for h in board.hypotheses if h.state is HypothesisState.CONFIRMED]
    return min(confirmed, key=lambda h: (h.opened_at, h.id)) if confirmed else None


def incident_figures(
    state: IncidentState,
    board: Board,
    events: Sequence[Event],
    adherence: Mapping[Audience, Adherence] | str,
) -> IncidentFigures:
    """Every figure of one incident from its events; none depends on the clock (cadence
    adherence does: the caller works it out as of a time). `events`: its comms, checklist
    and role events at least (others are ignored); `adherence` from `core.cadence.adherence`, or
    the words saying why it cannot be worked out (the cadence settings cannot be read)."""
    if state.impact_started_at:
        start = _Moment("impact start", state.impact_started_at, "")
        stood_in = None
    else:
        start = _Moment("opened", state.opened_at, "the incident has no start time")
        stood_in = "impact start not recorded: measured from when the incident was opened"
    detected = _Moment("detected", state.detected_at, "no detected milestone")
    mitigated = _Moment("mitigated", state.mitigated_at, "not mitigated yet")
    resolved = _Moment("resolved", state.resolved_at, "not resolved yet")
    correct = correct_hypothesis(board)
    raised = _Moment(
        "correct hypothesis raised",
        correct.opened_at if correct else None,
        "no hypothesis confirmed: confirm the cause on the board to measure",
    )
    who = (correct.owner or correct.author) if correct else None
    figures = [
        _between("time_to_detect", "Time to detect", start, detected, stood_in=stood_in),
        _between(
            "time_to_correct_hypothesis", "Detected → correct hypothesis", detected, raised, by=who
        ),
        _between(
            "correct_hypothesis_to_mitigated", "Correct hypothesis → mitigated", raised, mitigated
        ),
        _between("time_to_mitigate", "Time to mitigate", start, mitigated, stood_in=stood_in),
        _between("time_to_resolve", "Time to resolve", start, resolved, stood_in=stood_in),
    ]
    voided = {e.supersedes for e in events if e.supersedes}
    live = [e for e in events if e.id not in voided]
    figures += _first_updates(state, live)
    figures += adherence_figures(adherence)
    figures.append(_decision_latency(board, live))
    figures.append(_peak_hypotheses(board, state))
    figures.append(_handoffs(live))
    return IncidentFigures(state.id, tuple(figures))


def _first_updates(state: IncidentState, events: Iterable[Event]) -> list[Figure]:
    """Detected (else opened) → the first update sent to each audience that got one."""
    first: dict[Audience, str] = {}
    for event in sorted(events, key=lambda e: e.sort_key):
        if event.kind is not Kind.COMMS or read_comms(event).get("action") != CommsAction.SENT:
            continue
        try:
            audience = Audience(str(read_comms(event).get("audience")))
        except ValueError:
            continue
        first.setdefault(audience, event.occurred_at)
    if state.detected_at:
        start, note = _Moment("detected", state.detected_at, ""), None
    else:
        start = _Moment("opened", state.opened_at, "the incident has no start time")
        note = "no detected milestone: measured from when the incident was opened"
    result = []
    for audience in Audience:
        end = _Moment(
            f"first update to {audience.value}",
            first.get(audience),
            f"no update was sent to {audience.value}",
        )
        figure = _between(
            f"time_to_first_update.{audience.value}",
            f"Time to first update ({audience.value})",
            start,
            end,
            stood_in=note,
        )
        result.append(figure)
    return result


def adherence_figures(adherence: Mapping[Audience, Adherence] | str) -> list[Figure]:
    """The updates-on-time figure per audience (or the words saying why not, for each)."""
    result = []
    for audience in Audience:
        key, label = f"cadence_adherence.{audience.value}", f"Updates on time ({audience.value})"
        if isinstance(adherence, str):
            result.append(
                Figure(key, label, None, "ratio", "updates on time / updates due", adherence)
            )
            continue
        kept = adherence.get(audience)
        if kept is None or not kept.due:
            result.append(
                Figure(
                    key, label, None, "ratio", "updates on time / updates due", "no update was due"
                )
            )
            continue
        result.append(
            Figure(
                key,
                label,
                kept.ratio,
                "ratio",
                "updates on time / updates due",
                f"{kept.on_time} of {kept.due}",
            )
        )
    return result


def _decision_latency(board: Board, events: Sequence[Event]) -> Figure:
    """The longest wait for a production change: its checklist's first tick (since the
    change before it) → the decision. A change decided with no tick before it says so."""
    key, label = "decision_latency", "Decision latency (production changes)"
    measured = "checklist first ticked → change decided"
    ticks = sorted(e.occurred_at for e in events if e.kind is Kind.CHECKLIST)
    changes = sorted((d for d in board.decisions if d.is_change), key=lambda d: d.decided_at)
    if not changes:
        return Figure(key, label, None, "seconds", measured, "no production change was decided")
    longest: tuple[float, str] | None = None
    since = ""
    for decision in changes:
        started = [t for t in ticks if since < t <= decision.decided_at]
        since = decision.decided_at
        if not started:
            continue
        waited = (from_iso(decision.decided_at) - from_iso(started[0])).total_seconds()
        if longest is None or waited > longest[0]:
            longest = (waited, summary(decision.text, 60))
    if longest is None:
        return Figure(
            key,
            label,
            None,
            "seconds",
            measured,
            "no checklist was ticked before a change was decided",
        )
    return Figure(key, label, longest[0], "seconds", measured, f"longest: “{longest[1]}”")


# Later than any stored time: a hypothesis still open counts as open from its raising on.
_OPEN_END = "9999-12-31T23:59:59.999999Z"


def _peak_hypotheses(board: Board, state: IncidentState) -> Figure:
    """The most hypotheses open at one time. A settled one counts as open from when it was
    raised to when it was settled (one reopened counts from its first raising)."""
    end = state.resolved_at or _OPEN_END
    moments: list[tuple[str, int]] = []
    for h in board.hypotheses:
        closed = h.state_changed_at if not h.is_open and h.state_changed_at else end
        moments += [(h.opened_at, 1), (max(closed, h.opened_at), -1)]
    peak = running = 0
    for _at, step in sorted(moments, key=lambda m: (m[0], m[1])):
        running += step
        peak = max(peak, running)
    return Figure(
        "peak_parallel_hypotheses",
        "Hypotheses open at the peak",
        float(peak),
        "count",
        "hypotheses open at one time",
    )


def _handoffs(events: Iterable[Event]) -> Figure:
    accepted = sum(
        1
        for e in events
        if e.kind is Kind.ROLE and read_role(e).get("action") == RoleChange.HANDOFF_ACCEPTED
    )
    return Figure(
        "handoffs", "Handoffs of command", float(accepted), "count", "handoffs of command accepted"
    )
