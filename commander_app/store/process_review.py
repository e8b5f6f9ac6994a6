"""What the process review reads from the log: which incidents, and each one's state,
board, events and figures."""

from __future__ import annotations

from collections.abc import Sequence

from commander_app.core.errors import ValidationError
from commander_app.core.model import IncidentState
from commander_app.core.process_review import ReviewInput
from commander_app.store import board as board_store
from commander_app.store.incident_figures import figures_now
from commander_app.store.incident_log import IncidentLog

DEFAULT_LAST = 3


def chosen_incidents(
    log: IncidentLog,
    refs: Sequence[str],
    *,
    last: int | None = None,
    drills: bool = False,
) -> list[IncidentState]:
    """The incidents named (by id or unique prefix, drills too), else the `last` most
    recently resolved ones (3 by default), drills only with `drills`."""
    if refs and last is not None:
        raise ValidationError("Name incidents or give --last N, not both.")
    if refs:
        chosen: dict[str, IncidentState] = {}
        for ref in refs:
            found = log.find_incident(ref, resolved_too=True)
            chosen.setdefault(found.id, found)
        return list(chosen.values())
    count = DEFAULT_LAST if last is None else last
    if count < 1:
        raise ValidationError("--last takes a number of incidents, 1 or more.")
    resolved = [
        i
        for i in log.incidents(include_resolved=True)
        if not i.is_open and (drills or not i.is_drill)
    ]
    resolved.sort(key=lambda i: (i.resolved_at or i.last_event_at or "", i.id), reverse=True)
    return resolved[:count]


def review_inputs(log: IncidentLog, incidents: Sequence[IncidentState]) -> list[ReviewInput]:
    inputs = []
    for incident in incidents:
        board = board_store.board(log, incident.id)
        figures = figures_now(log, incident.id, board=board)
        inputs.append(ReviewInput(incident, board, log.events(incident.id), figures))
    return inputs
