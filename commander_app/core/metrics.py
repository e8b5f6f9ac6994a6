"""Per-incident durations from milestones, honouring backfilled times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commander_app.core.model import IncidentState
from commander_app.core.times import from_iso


@dataclass(frozen=True)
class Duration:
    name: str  # time_to_detect, time_to_mitigate, time_to_resolve
    seconds: float | None
    start: str | None
    end: str | None
    note: str | None = None


_MEASURES = (
    ("time_to_detect", "detected_at", "detected"),
    ("time_to_mitigate", "mitigated_at", "mitigated"),
    ("time_to_resolve", "resolved_at", "resolved"),
)


def durations(state: IncidentState) -> list[Duration]:
    """Impact start to detected, mitigated and resolved.

    With no impact-start milestone the incident's own start stands in, and
    the duration says so, so nobody mistakes it for the real impact window.
    """
    start = state.impact_started_at
    start_note = None
    if start is None:
        start = state.opened_at
        start_note = "impact start not recorded; measured from when the incident was opened"
    result = []
    for name, field_name, verb in _MEASURES:
        end = getattr(state, field_name)
        if start is None or end is None:
            result.append(Duration(name, None, start, end, f"not {verb} yet"))
            continue
        seconds = (from_iso(end) - from_iso(start)).total_seconds()
        note = start_note
        if seconds < 0:
            note = f"{verb} time is before the impact start; check the milestones"
        result.append(Duration(name, seconds, start, end, note))
    return result


def metrics_dict(state: IncidentState) -> dict[str, Any]:
    """The `metrics` object of `show --json` and exports: seconds, plus notes."""
    out: dict[str, Any] = {}
    notes: dict[str, str] = {}
    for duration in durations(state):
        out[f"{duration.name}_seconds"] = duration.seconds
        if duration.note:
            notes[duration.name] = duration.note
    out["notes"] = notes
    return out
