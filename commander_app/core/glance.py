"""What the commander reads at a glance, whatever else scrolls: who commands, who
tells the stakeholders, the cause (confirmed or leading), the next update due and a
decision waiting for its "did it work?". Plain strings, so the window only shows them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from commander_app.core.board import Board, Decision, Hypothesis
from commander_app.core.cadence import AudienceCadence, CadenceStatus
from commander_app.core.model import HypothesisState, IncidentState, Role
from commander_app.core.times import format_clock, format_countdown


class Tone(StrEnum):
    """How a field asks for attention: calm, needs an answer soon, or late."""

    CALM = "calm"
    GOOD = "good"  # a confirmed cause
    SOON = "soon"
    LATE = "late"


@dataclass(frozen=True)
class GlanceField:
    caption: str  # "Commander"
    text: str  # "alice", "nobody": read at a glance
    detail: str  # the whole of it, for the tooltip
    tone: Tone = Tone.CALM


@dataclass(frozen=True)
class Glance:
    commander: GlanceField
    communicator: GlanceField
    update: GlanceField
    cause: GlanceField
    outcome: GlanceField

    @property
    def fields(self) -> tuple[GlanceField, ...]:
        """In reading order: who, when the next update is due, what is known, what waits."""
        return (self.commander, self.communicator, self.update, self.cause, self.outcome)


def glance(
    state: IncidentState | None,
    board: Board,
    cadence: Sequence[AudienceCadence],
    now: datetime,
    zone: tzinfo,
) -> Glance:
    """The header's five fields for the incident `state` (None: no incident selected)."""
    return Glance(
        _role(state, Role.COMMANDER, "Commander"),
        _role(state, Role.COMMUNICATOR, "Communicator"),
        _update(cadence, now, zone),
        _cause(board),
        _outcome(board, now, zone),
    )


def _role(state: IncidentState | None, role: Role, caption: str) -> GlanceField:
    holder = state.roles.get(role.value) if state is not None else None
    if not holder:
        return GlanceField(
            caption, "nobody", f"Nobody is {caption.lower()}: assign one.", Tone.SOON
        )
    return GlanceField(caption, holder, f"{caption}: {holder}")


def leading_hypothesis(board: Board) -> Hypothesis | None:
    """The cause to read first: the latest confirmed one, else the open hypothesis with
    the most findings (the latest opened among equals)."""
    confirmed = [h for h in board.settled_hypotheses if h.state is HypothesisState.CONFIRMED]
    if confirmed:
        return confirmed[0]
    open_ones = board.open_hypotheses
    if not open_ones:
        return None
    return max(open_ones, key=lambda h: (len(h.findings), h.opened_at, h.id))


def _cause(board: Board) -> GlanceField:
    leading = leading_hypothesis(board)
    count = len(board.open_hypotheses)
    if leading is None:
        return GlanceField("Cause", "no hypothesis yet", "No hypothesis on the board yet.")
    owner = f" ({leading.owner})" if leading.owner else ""
    line = leading.text.strip().splitlines()[0] if leading.text.strip() else ""
    if leading.state is HypothesisState.CONFIRMED:
        others = f"; {count} other hypotheses still open" if count else ""
        return GlanceField(
            "Confirmed",
            f"{line}{owner}",
            f"Confirmed cause: {leading.text.strip()}{owner}{others}",
            Tone.GOOD,
        )
    of = f" of {count} open" if count > 1 else ""
    return GlanceField(
        "Leading",
        f"{line}{owner}",
        f"Leading hypothesis{of} (not confirmed): {leading.text.strip()}{owner}",
    )


_WAITING = (CadenceStatus.DONE, CadenceStatus.NOT_SCHEDULED)


def _update(cadence: Sequence[AudienceCadence], now: datetime, zone: tzinfo) -> GlanceField:
    waiting = [i for i in cadence if i.seconds_left is not None and i.status not in _WAITING]
    if not waiting:
        return GlanceField("Next update", "none scheduled", "No stakeholder update is scheduled.")
    first = min(waiting, key=lambda i: i.seconds_left or 0.0)  # the first of equals
    late = [i for i in waiting if (i.seconds_left or 0.0) < 0]
    left = first.seconds_left or 0.0
    name = first.audience.value.capitalize()
    due = f"due {format_clock(first.due_at, now, zone)}" if first.due_at else ""
    what = "final update" if first.status is CadenceStatus.RESOLVED_FINAL_DUE else "update"
    if left < 0:
        more = f", +{len(late) - 1} more" if len(late) > 1 else ""
        text = f"{name} overdue by {format_countdown(left)}{more}"
        detail = f"{name} {what} overdue by {format_countdown(left)} ({due})" if due else text
        if len(late) > 1:
            names = ", ".join(i.audience.value for i in late)
            detail += f"; overdue: {names}"
        return GlanceField("Next update", text, detail + ".", Tone.LATE)
    text = (
        f"{name} {due} · in {format_countdown(left)}"
        if due
        else f"{name} in {format_countdown(left)}"
    )
    soon = first.status in (CadenceStatus.DUE_SOON, CadenceStatus.RESOLVED_FINAL_DUE)
    return GlanceField(
        "Next update",
        text,
        f"{name} {what} {due} (in {format_countdown(left)}).",
        Tone.SOON if soon else Tone.CALM,
    )


def _outcome(board: Board, now: datetime, zone: tzinfo) -> GlanceField:
    waiting = [d for d in board.decisions if d.outcome is None and d.outcome_due_at is not None]
    if not waiting:
        return GlanceField(
            "Did it work?", "nothing waiting", "No decision is waiting for its outcome."
        )
    due = [d for d in waiting if d.outcome_due(now)]
    chosen: Decision = min(due or waiting, key=lambda d: (d.outcome_due_at or "", d.id))
    when = format_clock(chosen.outcome_due_at or "", now, zone)
    line = chosen.text.strip().splitlines()[0] if chosen.text.strip() else ""
    more = len(waiting) - 1
    others = f"; {more} more waiting" if more else ""
    if due:
        return GlanceField(
            "Did it work?",
            f"{line} (due {when})",
            f"Did it work? {chosen.text.strip()}: expected to take effect by {when}{others}.",
            Tone.SOON,
        )
    return GlanceField(
        "Did it work?",
        f"{line} (ask at {when})",
        f"{chosen.text.strip()}: Commander asks 'did it work?' at {when}{others}.",
    )
