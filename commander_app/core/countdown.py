"""A countdown as a person reads it: the due time and the minutes, in one wording for
the chips, the banner, the mini timer and `commander cadence`.

A bare "18:44" reads as a clock time ("due at 18:44"), so every countdown names
its due time ("due 03:19 · 18 min") or how late it is ("overdue 22 min").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from commander_app.core.cadence import AudienceCadence, CadenceStatus
from commander_app.core.model import Audience
from commander_app.core.times import format_clock, format_countdown

__all__ = ["Countdown", "countdown", "format_countdown"]

SHORT_NAMES = {Audience.INTERNAL: "Int", Audience.EXECUTIVES: "Exec", Audience.CUSTOMERS: "Cust"}


@dataclass(frozen=True)
class Countdown:
    """One audience's countdown, worded. `state` is what the chip says after the audience
    ("due 03:19 · 18 min"); it is never abbreviated, only the audience's name is."""

    audience: Audience
    state: str
    sentence: str  # the whole of it, for a tooltip and the overdue banner
    overdue: bool
    status: CadenceStatus
    due: str  # the due time as a clock time ("03:19"), "" when none

    @property
    def text(self) -> str:
        return f"{self.audience.value.capitalize()} · {self.state}"

    @property
    def short(self) -> str:
        return f"{SHORT_NAMES[self.audience]} · {self.state}"


def countdown(item: AudienceCadence, now: datetime, zone: tzinfo) -> Countdown:
    """How `item` reads at `now`, due times in `zone`."""
    name = item.audience.value.capitalize()
    status = item.status
    left = item.seconds_left or 0.0
    minutes = format_countdown(left)
    due = format_clock(item.due_at, now, zone) if item.due_at else ""

    def worded(state: str, sentence: str) -> Countdown:
        return Countdown(item.audience, state, sentence, item.overdue, status, due)

    if status is CadenceStatus.DONE:
        return worded("done", f"{name}: final update sent")
    if status is CadenceStatus.NOT_SCHEDULED or not due:
        return worded("—", f"{name}: no updates scheduled")
    final = status is CadenceStatus.RESOLVED_FINAL_DUE
    what = "final update" if final else "update"
    prefix = "final " if final else ""
    if item.overdue:
        return worded(
            f"{prefix}overdue {minutes}", f"{name} {what} overdue by {minutes} (was due {due})"
        )
    if status is CadenceStatus.SNOOZED:
        reason = f": {item.snooze_reason}" if item.snooze_reason else ""
        return worded(
            f"snoozed · due {due} · {minutes}",
            f"{name} update snoozed{reason}; due {due}, in {minutes}",
        )
    return worded(f"{prefix}due {due} · {minutes}", f"{name} {what} due {due}, in {minutes}")
