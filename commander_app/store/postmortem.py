"""The postmortem in the log: each edit one `postmortem` event, read back through its
partial index (`events_postmortem`), so a postmortem opens without reading the timeline.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from commander_app.core.errors import ValidationError
from commander_app.core.model import Event, Kind
from commander_app.core.postmortem import (
    Factor,
    FactorCategory,
    Postmortem,
    PostmortemState,
    Section,
    factor_body,
    factor_update_body,
    fold_postmortem,
    keep_wording_body,
    publish_problems,
    section_body,
    state_body,
)
from commander_app.core.postmortem_export import PostmortemFacts, render_postmortem
from commander_app.core.postmortem_facts import (
    decision_facts,
    divergence_facts,
    hypothesis_facts,
    impact_facts,
    update_facts,
)
from commander_app.store import board as board_store
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import EVENT_COLUMNS, row_to_event


def postmortem_events(log: IncidentLog, incident_id: str) -> list[Event]:
    rows = log.conn.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? AND kind = 'postmortem'",
        [incident_id],
    )
    return [row_to_event(r) for r in rows]


def postmortem(log: IncidentLog, incident_id: str) -> Postmortem:
    log.incident(incident_id)  # a clear error for an unknown incident
    return fold_postmortem(incident_id, postmortem_events(log, incident_id))


def write_section(
    log: IncidentLog,
    incident_id: str,
    section: Section,
    text: str,
    *,
    author: str,
    at: datetime | None = None,
) -> Event:
    body = section_body(postmortem(log, incident_id), section, text)
    return log.append(incident_id, Kind.POSTMORTEM, body, author=author, at=at)


def add_factor(
    log: IncidentLog,
    incident_id: str,
    text: str,
    category: FactorCategory,
    *,
    author: str,
    at: datetime | None = None,
) -> Event:
    body = factor_body(postmortem(log, incident_id), text, category)
    return log.append(incident_id, Kind.POSTMORTEM, body, author=author, at=at)


def change_factor(
    log: IncidentLog,
    incident_id: str,
    ref: str,
    *,
    author: str,
    text: str | None = None,
    category: FactorCategory | None = None,
    removed: bool | None = None,
    symptom_reason: str | None = None,
    at: datetime | None = None,
) -> Event:
    pm = postmortem(log, incident_id)
    factor = _any_factor(pm, ref) if removed is False else pm.find_factor(ref)
    body = factor_update_body(
        pm, factor, content=text, category=category, removed=removed, symptom_reason=symptom_reason
    )
    return log.append(incident_id, Kind.POSTMORTEM, body, author=author, at=at)


def _any_factor(pm: Postmortem, ref: str) -> Factor:
    """A removed factor, to restore it (by the start of its id)."""
    matches = [f for f in pm.factors if f.id.upper().startswith(ref.strip().upper())]
    if len(matches) != 1:
        raise ValidationError(f"No contributing factor with an id starting '{ref}'.")
    return matches[0]


def keep_wording(
    log: IncidentLog,
    incident_id: str,
    where: str,
    phrase: str,
    *,
    author: str,
    reason: str | None = None,
    at: datetime | None = None,
) -> Event:
    """The author keeps wording the blame check flagged; the choice is on record."""
    body = keep_wording_body(where, phrase, reason)
    return log.append(incident_id, Kind.POSTMORTEM, body, author=author, at=at)


def problems(log: IncidentLog, incident_id: str) -> list[str]:
    """What stands between the postmortem and publishing it."""
    return publish_problems(postmortem(log, incident_id), board_store.board(log, incident_id))


def move(
    log: IncidentLog,
    incident_id: str,
    state: PostmortemState,
    *,
    author: str,
    at: datetime | None = None,
) -> Event:
    """Send for review, back to draft, publish (refused while analysis is missing) or reopen."""
    pm = postmortem(log, incident_id)
    found = problems(log, incident_id) if state is PostmortemState.PUBLISHED else []
    body = state_body(pm, state, found)
    return log.append(incident_id, Kind.POSTMORTEM, body, author=author, at=at)


def facts(log: IncidentLog, incident_id: str, zone: tzinfo) -> PostmortemFacts:
    """The facts from the log the postmortem is written beside (nothing retyped)."""
    from commander_app.store import cadence, rollback

    state = log.incident(incident_id)
    board = board_store.board(log, incident_id)
    kept = cadence.adherence(log, incident_id, cadence.load_policy())
    return PostmortemFacts(
        impact=impact_facts(state, zone),
        hypotheses=hypothesis_facts(state, board, zone),
        decisions=decision_facts(board, zone),
        updates=update_facts(kept),
        changes=divergence_facts(rollback.register(log, incident_id)),
    )


def markdown(log: IncidentLog, incident_id: str, zone: tzinfo) -> str:
    state = log.incident(incident_id)
    return render_postmortem(
        state,
        postmortem(log, incident_id),
        board_store.board(log, incident_id),
        facts(log, incident_id, zone),
        log.events(incident_id),
        zone,
    )
