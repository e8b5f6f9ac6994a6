"""The board's user actions: hypotheses, findings, actions and decisions.

Each function writes one event in one transaction through `IncidentLog.append`,
or refuses in the user's words and writes nothing. An item may be named by its
number on the board (H2, A3, D1; see `core.item_numbers`), its id in full, or a
unique prefix of at least six characters of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from commander_app.core.board import (
    Board,
    action_done_body,
    action_update_body,
    fold_board,
    hypothesis_owner_body,
    hypothesis_state_body,
    new_action_body,
    new_decision_body,
    new_finding_body,
    new_hypothesis_body,
)
from commander_app.core.events import MAX_TITLE, clean_name, clean_text
from commander_app.core.model import Event, HypothesisState, Kind
from commander_app.core.times import to_iso
from commander_app.store.database import decoded
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import (
    BOARD_EVENTS_SQL,
    ENTRY_COLUMNS,
    recorded_order,
    row_to_entry,
)


def board(log: IncidentLog, incident_id: str) -> Board:
    """The incident's board, read from its board events only (partial index `events_board`)."""
    log.incident(incident_id)  # a clear error for an unknown incident
    entries = decoded(
        log.conn,
        row_to_entry,
        f"SELECT {ENTRY_COLUMNS} FROM events WHERE incident_id = ? AND ({BOARD_EVENTS_SQL})",
        [incident_id],
    )
    return fold_board(entries, recorded_order(entries))


def board_order(log: IncidentLog, incident_id: str) -> dict[str, int]:
    """The recorded order of the incident's board events, for a fold of its full story
    (`show --json`, the Markdown export) to number the items as the board does."""
    rows = log.conn.execute(
        f"SELECT id, seq FROM events WHERE incident_id = ? AND ({BOARD_EVENTS_SQL})",
        [incident_id],
    )
    return {row[0]: row[1] for row in rows}


def open_hypothesis(
    log: IncidentLog,
    incident_id: str,
    text: str,
    *,
    owner: str | None = None,
    author: str,
    at: datetime | None = None,
) -> Event:
    body = new_hypothesis_body(text, _name(owner))
    return log.append(incident_id, Kind.HYPOTHESIS, body, author=author, at=at)


def set_hypothesis_state(
    log: IncidentLog,
    incident_id: str,
    hypothesis_id: str,
    state: HypothesisState,
    *,
    author: str,
    at: datetime | None = None,
) -> Event:
    """Confirm, refute or reopen a hypothesis; the event's time is when it was settled."""
    hypothesis = board(log, incident_id).find_hypothesis(hypothesis_id)
    body = hypothesis_state_body(hypothesis, state)
    return log.append(incident_id, Kind.HYPOTHESIS, body, author=author, at=at)


def assign_hypothesis(
    log: IncidentLog,
    incident_id: str,
    hypothesis_id: str,
    owner: str,
    *,
    author: str,
    at: datetime | None = None,
) -> Event:
    hypothesis = board(log, incident_id).find_hypothesis(hypothesis_id)
    body = hypothesis_owner_body(hypothesis, owner)
    return log.append(incident_id, Kind.HYPOTHESIS, body, author=author, at=at)


def add_finding(
    log: IncidentLog,
    incident_id: str,
    text: str,
    *,
    hypothesis_id: str | None = None,
    author: str,
    at: datetime | None = None,
) -> Event:
    """A finding, linked to a hypothesis on the board when one is named."""
    body = new_finding_body(text)
    if hypothesis_id is not None:
        body["ref"] = board(log, incident_id).find_hypothesis(hypothesis_id).id
    return log.append(incident_id, Kind.FINDING, body, author=author, at=at)


def add_action(
    log: IncidentLog,
    incident_id: str,
    text: str,
    *,
    owner: str | None = None,
    due: datetime | None = None,
    author: str,
    at: datetime | None = None,
) -> Event:
    body = new_action_body(text, _name(owner), to_iso(due) if due else None)
    return log.append(incident_id, Kind.ACTION, body, author=author, at=at)


def complete_action(
    log: IncidentLog,
    incident_id: str,
    action_id: str,
    *,
    author: str,
    at: datetime | None = None,
) -> Event:
    action = board(log, incident_id).find_action(action_id)
    return log.append(incident_id, Kind.ACTION, action_done_body(action), author=author, at=at)


def update_action(
    log: IncidentLog,
    incident_id: str,
    action_id: str,
    *,
    owner: str | None = None,
    due: datetime | None = None,
    author: str,
    at: datetime | None = None,
) -> Event:
    """Reassign an action or move its due time; refuses a change that changes nothing."""
    action = board(log, incident_id).find_action(action_id)
    body = action_update_body(action, owner, to_iso(due) if due else None)
    return log.append(incident_id, Kind.ACTION, body, author=author, at=at)


def record_decision(
    log: IncidentLog,
    incident_id: str,
    text: str,
    *,
    options: Sequence[str] | None = None,
    reversible: bool | None = None,
    author: str,
    at: datetime | None = None,
) -> Event:
    """A decision as the commander made it: the options weighed, and whether it can be undone."""
    cleaned = [clean_text(o, "decision option", MAX_TITLE) for o in options or ()]
    body = new_decision_body(text, cleaned or None, reversible)
    return log.append(incident_id, Kind.DECISION, body, author=author, at=at)


def _name(owner: str | None) -> str | None:
    return clean_name(owner, "owner's name") if owner is not None else None
