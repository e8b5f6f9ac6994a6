"""The process review: for each incident, when the team had the correct hypothesis, how
long from there to resolution, and what held it up; across a set, which hold-up repeats.

Each incident is split into phases between its milestones (impact → detected → correct
hypothesis → mitigated → resolved). The slowest phase's longest silence in the log is
explained from what the log shows on either side of it, never guessed: a hypothesis
raised before and refuted after, a production change whose checklist was started before
and decided after, a handoff of command offered and accepted across it, an escalation
named in an entry, someone who knows the service joining. A phase whose milestone is
missing or recorded out of order is said, and never measured as a negative time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from itertools import pairwise

from commander_app.core.board import Board, Hypothesis, summary
from commander_app.core.delay_causes import CAUSE_LABELS, Cause, explain_gap
from commander_app.core.incident_figures import IncidentFigures, correct_hypothesis
from commander_app.core.model import Event, IncidentState
from commander_app.core.times import format_clock, from_iso
from commander_app.core.trends import spread


@dataclass(frozen=True)
class PhaseKind:
    key: str  # the milestone it ends at: detected, correct, mitigated, resolved
    name: str  # Detection, Diagnosis, ...
    mark: str  # the block character of its part of the bar
    span: str  # "impact → detected"


PHASE_KINDS = (
    PhaseKind("detected", "Detection", "░", "impact → detected"),
    PhaseKind("correct", "Diagnosis", "▒", "detected → correct hypothesis"),
    PhaseKind("mitigated", "Mitigation", "▓", "correct hypothesis → mitigated"),
    PhaseKind("resolved", "Recovery", "█", "mitigated → resolved"),
)


@dataclass(frozen=True)
class ReviewInput:
    """One incident as the review reads it: every event of it, in any order."""

    state: IncidentState
    board: Board
    events: Sequence[Event]
    figures: IncidentFigures


@dataclass(frozen=True)
class Milestone:
    name: str  # "impact start", "detected", "correct hypothesis", ...
    at: str | None


@dataclass(frozen=True)
class Phase:
    kind: PhaseKind
    start: Milestone | None  # the milestone measured from (the last one recorded in order)
    end: Milestone
    seconds: float | None  # None: not measured (the note says why)
    note: str | None = None

    @property
    def bridged(self) -> bool:
        """Measured from an earlier milestone than its own, one being missing."""
        return self.start is not None and _KEYS[self.start.name] != _own_start(self.kind)


@dataclass(frozen=True)
class Gap:
    start: str
    end: str
    seconds: float
    cause: Cause


@dataclass(frozen=True)
class IncidentReview:
    state: IncidentState
    milestones: tuple[Milestone, ...]
    phases: tuple[Phase, ...]
    correct: str | None  # "H3 “…”, raised 14:50 by bob", or why there is none
    correct_to_resolved: float | None
    correct_note: str | None
    slowest: Phase | None
    gap: Gap | None
    figures: IncidentFigures

    @property
    def origin(self) -> str | None:
        """Where its bar starts: its first milestone recorded."""
        return next((m.at for m in self.milestones if m.at), None)


@dataclass(frozen=True)
class Repeat:
    key: str
    label: str
    incidents: tuple[str, ...]  # ids


@dataclass(frozen=True)
class PhaseMedian:
    kind: PhaseKind
    median: float | None
    n: int
    q1: float | None = None  # the interquartile range (inclusive method, as the trends)
    q3: float | None = None


@dataclass(frozen=True)
class SetReview:
    incidents: tuple[IncidentReview, ...]
    repeats: tuple[Repeat, ...]
    medians: tuple[PhaseMedian, ...]
    causes: Counter[str] = field(default_factory=Counter)


_KEYS = {
    "impact start": "impact",
    "opened": "impact",
    "detected": "detected",
    "correct hypothesis": "correct",
    "mitigated": "mitigated",
    "resolved": "resolved",
}
_MISSING = {
    "detected": "no detected milestone",
    "correct": "no hypothesis confirmed",
    "mitigated": "no mitigated milestone",
    "resolved": "not resolved",
}


def review_incident(given: ReviewInput, zone: tzinfo) -> IncidentReview:
    state, board = given.state, given.board
    correct = correct_hypothesis(board)
    first = (
        Milestone("impact start", state.impact_started_at)
        if state.impact_started_at
        else Milestone("opened", state.opened_at)
    )
    milestones = (
        first,
        Milestone("detected", state.detected_at),
        Milestone("correct hypothesis", correct.opened_at if correct else None),
        Milestone("mitigated", state.mitigated_at),
        Milestone("resolved", state.resolved_at),
    )
    phases = _phases(milestones, state.impact_started_at is None)
    measured = [p for p in phases if p.seconds is not None]
    slowest = max(measured, key=lambda p: p.seconds or 0.0) if measured else None
    live = _live(given.events)
    gap = _longest_gap(slowest, live, board, zone) if slowest else None
    text, to_resolved, note = _correct_facts(state, board, correct, zone)
    return IncidentReview(
        state, milestones, phases, text, to_resolved, note, slowest, gap, given.figures
    )


def review_set(given: Sequence[ReviewInput], zone: tzinfo) -> SetReview:
    """Each incident (oldest first), the causes that repeat, and the median per phase."""
    reviews = sorted(
        (review_incident(g, zone) for g in given),
        key=lambda r: (r.origin or r.state.opened_at or "", r.state.id),
    )
    causes: Counter[str] = Counter(r.gap.cause.key for r in reviews if r.gap)
    repeats = tuple(
        Repeat(
            key,
            CAUSE_LABELS[key],
            tuple(r.state.id for r in reviews if r.gap and r.gap.cause.key == key),
        )
        for key, count in causes.most_common()
        if count >= 2
    )
    medians = []
    for kind in PHASE_KINDS:
        values = [
            p.seconds
            for r in reviews
            for p in r.phases
            if p.kind == kind and p.seconds is not None and not p.bridged
        ]
        median, q1, q3 = spread(sorted(values))
        medians.append(PhaseMedian(kind, median, len(values), q1, q3))
    return SetReview(tuple(reviews), repeats, tuple(medians), causes)


def _phases(milestones: Sequence[Milestone], opened_stands_in: bool) -> tuple[Phase, ...]:
    """Each phase from the last milestone recorded in order before its own end; a missing
    end is said, and an end recorded before that milestone is said and left out."""
    last: Milestone | None = milestones[0] if milestones[0].at else None
    phases = []
    for kind, end in zip(PHASE_KINDS, milestones[1:], strict=True):
        if end.at is None:
            phases.append(Phase(kind, last, end, None, _MISSING[kind.key]))
            continue
        if last is None or last.at is None:
            phases.append(Phase(kind, None, end, None, "the incident has no start time"))
            last = end
            continue
        seconds = (from_iso(end.at) - from_iso(last.at)).total_seconds()
        if seconds < 0:
            wrong = f"{end.name} is recorded before {last.name}: check the times"
            phases.append(Phase(kind, last, end, None, wrong))
            continue
        note: str | None = None
        if _KEYS[last.name] != _own_start(kind):
            note = f"measured from {last.name}: {_skipped(phases)}"
        elif last.name == "opened" and opened_stands_in:
            note = "impact start not recorded: measured from when the incident was opened"
        phases.append(Phase(kind, last, end, seconds, note))
        last = end
    return tuple(phases)


def _own_start(kind: PhaseKind) -> str:
    order = [k.key for k in PHASE_KINDS]
    index = order.index(kind.key)
    return "impact" if index == 0 else order[index - 1]


def _skipped(phases: Sequence[Phase]) -> str:
    """Why the phase before did not end where this one would start."""
    unmeasured = [p.note for p in phases if p.seconds is None and p.note]
    return unmeasured[-1] if unmeasured else "the milestone before is missing"


def _live(events: Sequence[Event]) -> list[Event]:
    superseded = {e.supersedes for e in events if e.supersedes}
    return sorted((e for e in events if e.id not in superseded), key=lambda e: e.sort_key)


def _correct_facts(
    state: IncidentState, board: Board, correct: Hypothesis | None, zone: tzinfo
) -> tuple[str | None, float | None, str | None]:
    if correct is None:
        return None, None, "no hypothesis was confirmed: confirm the cause on the board"
    when = format_clock(correct.opened_at, from_iso(state.opened_at or correct.opened_at), zone)
    text = (
        f"{board.number(correct.id)} “{summary(correct.text, 80)}”, raised {when} "
        f"by {correct.owner or correct.author}"
    )
    if state.resolved_at is None:
        return text, None, "not resolved"
    seconds = (from_iso(state.resolved_at) - from_iso(correct.opened_at)).total_seconds()
    if seconds < 0:
        return text, None, "resolved is recorded before the hypothesis was raised: check the times"
    return text, seconds, None


def _longest_gap(phase: Phase, events: Sequence[Event], board: Board, zone: tzinfo) -> Gap | None:
    """The longest time between consecutive entries inside the phase (its ends count as
    entries), with its cause read from the log around it."""
    if phase.start is None or phase.start.at is None or phase.end.at is None:
        return None
    start, end = phase.start.at, phase.end.at
    moments = sorted(
        {start, end} | {e.occurred_at for e in events if start <= e.occurred_at <= end}
    )
    pairs = list(pairwise(moments))
    if not pairs:
        return None
    a, b = max(pairs, key=lambda p: (from_iso(p[1]) - from_iso(p[0])).total_seconds())
    seconds = (from_iso(b) - from_iso(a)).total_seconds()
    return Gap(a, b, seconds, explain_gap(a, b, events, board, zone, origin=start))
