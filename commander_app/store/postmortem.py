"""The postmortem in the log: each edit one `postmortem` event, read back through its
partial index (`events_postmortem`), so a postmortem opens without reading the timeline.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from commander_app.core.board import Board, summary
from commander_app.core.model import Event, Kind
from commander_app.core.postmortem import (
    CATEGORY_LABELS,
    FactorCategory,
    Flagged,
    Postmortem,
    PostmortemState,
    Section,
    factor_body,
    factor_update_body,
    flagged_wording,
    fold_postmortem,
    keep_wording_body,
    keep_wording_problem,
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
from commander_app.core.postmortem_recall import (
    EarlierIncident,
    alike,
    shared_terms,
    title_terms,
)
from commander_app.store import board as board_store
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import EVENT_COLUMNS, row_to_event
from commander_app.store.services import incident_services, named_service_sql


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
    factor = pm.find_factor(ref, removed_too=removed is False)
    body = factor_update_body(
        pm, factor, content=text, category=category, removed=removed, symptom_reason=symptom_reason
    )
    return log.append(incident_id, Kind.POSTMORTEM, body, author=author, at=at)


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


def people(log: IncidentLog, incident_id: str, board: Board | None = None) -> set[str]:
    """Everyone the log names in this incident: authors, role holders, owners. The blame
    check looks for them as the subject of a sentence."""
    state = log.incident(incident_id)
    names = {
        r[0]
        for r in log.conn.execute(
            "SELECT DISTINCT author FROM events WHERE incident_id = ?", [incident_id]
        )
    }
    names |= set(state.roles.values())
    board = board or board_store.board(log, incident_id)
    names |= {h.owner for h in board.hypotheses if h.owner}
    names |= {a.owner for a in board.actions if a.owner}
    return {n for n in names if n}


def flagged(
    log: IncidentLog,
    incident_id: str,
    pm: Postmortem | None = None,
    board: Board | None = None,
) -> list[Flagged]:
    """Sentences that read as blame and nobody chose to keep."""
    from commander_app.store.postmortem_words import load_blame_words

    pm = pm or postmortem(log, incident_id)
    return flagged_wording(pm, people(log, incident_id, board), load_blame_words())


def move(
    log: IncidentLog,
    incident_id: str,
    state: PostmortemState,
    *,
    author: str,
    keep_wording: str | None = None,
) -> Event:
    """Send for review, back to draft, publish (refused while analysis is missing, or
    while wording reads as blame unless it is kept on purpose, with a reason) or reopen.
    The kept wording and the move are one transaction."""
    pm = postmortem(log, incident_id)
    found: list[str] = []
    blamed: list[Flagged] = []
    reason = keep_wording.strip() if keep_wording else ""
    if state is PostmortemState.PUBLISHED:
        board = board_store.board(log, incident_id)
        found = publish_problems(pm, board)
        blamed = flagged(log, incident_id, pm, board)
        if blamed and not reason:
            found.append(keep_wording_problem(blamed) or "")
    body = state_body(pm, state, found)  # every refusal before anything is written
    with write_transaction(log.conn):
        for item in blamed:
            keep = keep_wording_body(item.where, item.finding.sentence, reason)
            log.append_in_transaction(incident_id, Kind.POSTMORTEM, keep, author=author)
        return log.append_in_transaction(incident_id, Kind.POSTMORTEM, body, author=author)


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


_MAX_SERVICES = 10  # of this incident's services, the first named are matched


def earlier_incidents(log: IncidentLog, incident_id: str, limit: int = 3) -> list[EarlierIncident]:
    """Earlier incidents like this one, newest first, each with its factors and
    still-open follow-ups: their titles and postmortem factors share its distinctive
    words, or their updates named a service this one's updates name (exactly, any case)."""
    state = log.incident(incident_id)
    terms = title_terms(state.title)
    services = incident_services(log, incident_id)[:_MAX_SERVICES]
    if not terms and not services:
        return []
    params: dict[str, object] = {"id": incident_id, "opened": state.opened_at or ""}
    matches = []
    if terms:
        params["query"] = " OR ".join(f'"{t}"*' for t in terms)
        matches += [
            "i.id IN (SELECT incident_id FROM incidents_fts WHERE incidents_fts MATCH :query)",
            "i.id IN (SELECT e.incident_id FROM events_fts JOIN events e ON e.seq = "
            "events_fts.rowid WHERE events_fts MATCH :query AND e.kind = 'postmortem')",
        ]
    for number, service in enumerate(services):
        params[f"service{number}"] = service
        matches.append(named_service_sql("i.id", f"service{number}"))
    # Only incidents something was learnt from, opened before this one.
    learnt = (
        "SELECT incident_id FROM follow_ups UNION "
        "SELECT incident_id FROM events WHERE kind = 'postmortem'"
    )
    rows = log.conn.execute(
        "SELECT i.id FROM incidents i WHERE i.id != :id AND i.opened_at <= :opened "
        f"AND i.id IN ({learnt}) AND ({' OR '.join(matches)}) "
        "ORDER BY i.opened_at DESC LIMIT 200",
        params,
    ).fetchall()
    candidates = [r[0] for r in rows]
    found = []
    for other_id in candidates:
        other = log.incident(other_id)
        pm = postmortem(log, other_id)
        factors = tuple(f"{CATEGORY_LABELS[f.category]}: {f.text}" for f in pm.live_factors)
        shared = shared_terms(terms, [other.title, *(f.text for f in pm.live_factors)])
        theirs = {name.lower() for name in incident_services(log, other_id)}
        same_services = {f"service {name}" for name in services if name.lower() in theirs}
        if not (terms and alike(terms, shared)) and not same_services:
            continue
        shared |= same_services
        items = log.conn.execute(
            "SELECT number, text, owner, state FROM follow_ups WHERE incident_id = ? ORDER BY id",
            [other_id],
        ).fetchall()
        open_items = tuple(
            f"{n} {summary(t, 70)} ({o or 'no owner'})"
            for n, t, o, s in items
            if s in ("open", "in_progress")
        )
        found.append(
            EarlierIncident(
                other_id,
                other.title,
                other.opened_at,
                other.is_drill,
                factors,
                open_items,
                len(items),
                tuple(sorted(shared)),
            )
        )
    found.sort(key=lambda e: (e.is_drill, -len(e.shared)))  # stable: newest first within
    return found[:limit]
