"""The facts a postmortem starts from, taken from the log and never retyped.

Times and durations from the milestones, the hypothesis later confirmed (when it was
first raised, by whom, and how long from there to mitigation), the hypotheses refuted
on the way, decisions with their outcomes and the authority used, stakeholder updates
on time per audience, and production changes still not reviewed. Each figure says what
it was measured from; a missing or out-of-order milestone is said, never a zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo

from commander_app.core.board import Board, summary
from commander_app.core.cadence import Adherence
from commander_app.core.divergences import Divergence
from commander_app.core.metrics import durations
from commander_app.core.model import Audience, HypothesisState, IncidentState
from commander_app.core.rollback import describe_authority
from commander_app.core.times import format_duration, format_local, from_iso


@dataclass(frozen=True)
class FactLine:
    label: str
    value: str
    note: str | None = None


def _span(start: str | None, end: str | None, missing: str) -> tuple[str, str | None]:
    if start is None or end is None:
        return "—", missing
    seconds = (from_iso(end) - from_iso(start)).total_seconds()
    if seconds < 0:
        return "—", "the later milestone is recorded before the earlier one; check the times"
    return format_duration(seconds), None


def impact_facts(state: IncidentState, zone: tzinfo) -> list[FactLine]:
    def when(iso: str | None) -> str:
        return format_local(iso, zone) if iso else "not recorded"

    lines = [
        FactLine("Impact started", when(state.impact_started_at)),
        FactLine("Detected", when(state.detected_at)),
        FactLine("Mitigated", when(state.mitigated_at)),
        FactLine("Resolved", when(state.resolved_at)),
    ]
    window, note = _span(
        state.impact_started_at, state.mitigated_at, "needs impact start and mitigation"
    )
    lines.append(FactLine("Customer impact (impact start → mitigated)", window, note))
    for duration in durations(state):
        label = duration.name.replace("_", " ").capitalize()
        value = format_duration(duration.seconds) if duration.seconds is not None else "—"
        lines.append(FactLine(label, value, duration.note))
    return lines


def hypothesis_facts(state: IncidentState, board: Board, zone: tzinfo) -> list[FactLine]:
    """When the team had the correct hypothesis, and what it chased before."""
    confirmed = [h for h in board.hypotheses if h.state is HypothesisState.CONFIRMED]
    lines: list[FactLine] = []
    if not confirmed:
        lines.append(
            FactLine("Correct hypothesis", "none confirmed", "confirm it on the board to measure")
        )
    for h in sorted(confirmed, key=lambda h: h.opened_at):
        who = h.owner or h.author
        lines.append(
            FactLine(
                f"Correct hypothesis {board.number(h.id)}",
                f"“{summary(h.text, 80)}”, first raised {format_local(h.opened_at, zone)} by {who}",
            )
        )
        value, note = _span(state.detected_at, h.opened_at, "detection time not recorded")
        lines.append(FactLine("Detected → correct hypothesis raised", value, note))
        value, note = _span(h.opened_at, state.mitigated_at, "not mitigated yet")
        lines.append(FactLine("Correct hypothesis → mitigated", value, note))
    for h in board.hypotheses:
        if h.state is HypothesisState.REFUTED:
            chased, _ = _span(h.opened_at, h.state_changed_at, "")
            lines.append(
                FactLine(
                    f"Refuted on the way {board.number(h.id)}",
                    f"“{summary(h.text, 80)}”, chased {chased} by {h.owner or h.author}",
                )
            )
    return lines


def decision_facts(board: Board, zone: tzinfo) -> list[FactLine]:
    lines = []
    for d in board.decisions:
        outcome = d.outcome.value if d.outcome else "outcome not recorded"
        kind = d.decision_kind.value if d.decision_kind else "decision"
        lines.append(
            FactLine(
                f"{board.number(d.id)} {format_local(d.decided_at, zone)}",
                f"{summary(d.text, 80)} ({kind}, by {d.author}): {outcome}",
                describe_authority(d.authority) if d.authority else None,
            )
        )
    return lines


def update_facts(adherence: Mapping[Audience, Adherence]) -> list[FactLine]:
    lines = []
    for audience, kept in adherence.items():
        if not kept.due:
            lines.append(FactLine(f"Updates to {audience.value}", "none were due"))
            continue
        share = f"{kept.ratio:.0%}" if kept.ratio is not None else "—"
        lines.append(
            FactLine(
                f"Updates to {audience.value}",
                f"{kept.on_time} of {kept.due} on time ({share})",
                f"{kept.missed} late or missed" if kept.missed else None,
            )
        )
    return lines


def divergence_facts(register: Sequence[Divergence]) -> list[FactLine]:
    open_ = [d for d in register if not d.reviewed]
    if not open_:
        return [FactLine("Production changes not reviewed", "none")]
    return [
        FactLine(
            "Production change not reviewed", f"{d.change.value}: {summary(d.text, 80)} (by {d.by})"
        )
        for d in open_
    ]
