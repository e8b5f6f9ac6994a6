"""Handing over command, in two explicit steps, with the briefing kept in the log."""

from __future__ import annotations

from datetime import tzinfo

from commander_app.core.briefing import render_briefing
from commander_app.core.cadence import CadencePolicy
from commander_app.core.errors import ValidationError
from commander_app.core.handoff import answer_body, offer_body
from commander_app.core.model import Event, Kind, RoleChange
from commander_app.store import cadence, environment, rollback
from commander_app.store.board import board
from commander_app.store.incident_log import IncidentLog


def briefing(
    log: IncidentLog,
    incident_id: str,
    *,
    local_zone: tzinfo | None = None,
    policy: CadencePolicy | None = None,
) -> str:
    """The briefing as of the log's clock, in the reader's zone (default: this machine's),
    with each audience's next update by `policy` (default: the team's policy file)."""
    problem = None
    if policy is None:
        try:
            policy = cadence.load_policy()
        except ValidationError as exc:
            policy, problem = CadencePolicy(), str(exc)
    now = log.clock.now()
    return render_briefing(
        log.incident(incident_id),
        board(log, incident_id),
        now,
        local_zone or environment.local_zone(),
        cadence=cadence.cadence(log, incident_id, policy, now),
        cadence_problem=problem,
        register=rollback.register(log, incident_id),
    )


def offer_handoff(
    log: IncidentLog,
    incident_id: str,
    to: str,
    *,
    author: str,
    local_zone: tzinfo | None = None,
    policy: CadencePolicy | None = None,
) -> Event:
    """Offer command to `to`; the offer stores the briefing they were handed."""
    text = briefing(log, incident_id, local_zone=local_zone, policy=policy)
    return log.append_with(
        incident_id, Kind.ROLE, lambda state: offer_body(state, to, text), author=author
    )


def accept_handoff(log: IncidentLog, incident_id: str, *, author: str) -> Event:
    """The incoming commander takes command; if someone else enters it, the event says so."""
    return _answer(log, incident_id, RoleChange.HANDOFF_ACCEPTED, author)


def decline_handoff(log: IncidentLog, incident_id: str, *, author: str) -> Event:
    return _answer(log, incident_id, RoleChange.HANDOFF_DECLINED, author)


def cancel_handoff(log: IncidentLog, incident_id: str, *, author: str) -> Event:
    return _answer(log, incident_id, RoleChange.HANDOFF_CANCELLED, author)


def _answer(log: IncidentLog, incident_id: str, answer: RoleChange, author: str) -> Event:
    return log.append_with(
        incident_id, Kind.ROLE, lambda state: answer_body(state, answer, author), author=author
    )
