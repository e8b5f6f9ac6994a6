"""The rollback checklist, the decision record and the divergence register in the log.

Each action writes one event through `IncidentLog.append_with`, so its rule
(the required items, who holds authority, an answer already given, changes not
yet reviewed) is checked against the log as read inside the write transaction.
A refusal is in the user's words and writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from commander_app.core.authority import AuthorityMatrix, AuthorityRow
from commander_app.core.board import Board, Decision, fold_board
from commander_app.core.bodies import ChecklistBody, DecisionBody, DivergenceBody, StatusBody
from commander_app.core.divergences import (
    Divergence,
    divergence_body,
    find_divergence,
    fold_divergences,
    resolve_refusal,
    review_body,
    unreviewed,
)
from commander_app.core.errors import ValidationError
from commander_app.core.events import status_body
from commander_app.core.model import (
    Afterwards,
    DecisionKind,
    DivergenceReview,
    Event,
    IncidentState,
    Kind,
    Outcome,
    Status,
)
from commander_app.core.rollback import (
    ChecklistState,
    DecisionRequest,
    RollbackChecklist,
    asked_body,
    decision_body,
    fold_ticks,
    outcome_body,
    outcomes_due,
    tick_body,
)
from commander_app.core.times import from_iso
from commander_app.store import rollback_files
from commander_app.store.database import decoded
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import (
    ENTRY_COLUMNS,
    ROLLBACK_EVENTS_SQL,
    EntryRow,
    recorded_order,
    row_to_entry,
)


class UnreviewedChanges(ValidationError):
    """Resolving waits for a confirmation: some production changes are not reviewed."""

    def __init__(self, pending: list[Divergence]) -> None:
        super().__init__(resolve_refusal(pending))
        self.pending = pending


def rollback_entries(log: IncidentLog, incident_id: str) -> list[EntryRow]:
    """Decisions, checklist ticks and production changes, with any corrections, in story
    order, as the folds read them.

    The `+` keeps SQLite from reading the whole story through `events_story` for its order
    (100,000 rows for a long incident's 1,000): it reads `events_rollback` and sorts those.
    """
    return decoded(
        log.conn,
        row_to_entry,
        f"SELECT {ENTRY_COLUMNS} FROM events WHERE incident_id = ? "
        f"AND ({ROLLBACK_EVENTS_SQL}) ORDER BY +occurred_at, id",
        [incident_id],
    )


def rollback_view(
    log: IncidentLog, incident_id: str, checklist: RollbackChecklist
) -> tuple[ChecklistState, Board, list[Divergence]]:
    """The checklist as ticked, the decisions and the register, from one read of the log."""
    log.incident(incident_id)
    entries = rollback_entries(log, incident_id)
    return (
        ChecklistState(checklist, fold_ticks(entries)),
        _decisions(entries),
        fold_divergences(entries),
    )


def checklist_state(
    log: IncidentLog, incident_id: str, checklist: RollbackChecklist | None = None
) -> ChecklistState:
    log.incident(incident_id)  # a clear error for an unknown incident
    template = checklist or rollback_files.load_checklist()
    return ChecklistState(template, fold_ticks(rollback_entries(log, incident_id)))


def decisions(log: IncidentLog, incident_id: str) -> Board:
    """The board's decisions with their records and outcomes (the rest of it is empty)."""
    log.incident(incident_id)
    return _decisions(rollback_entries(log, incident_id))


def _decisions(entries: list[EntryRow]) -> Board:
    """The decisions, numbered D1, D2 as on the board (decisions number among themselves)."""
    chosen = [e for e in entries if e.kind is Kind.DECISION]
    return fold_board(chosen, recorded_order(chosen))


def register(log: IncidentLog, incident_id: str) -> list[Divergence]:
    log.incident(incident_id)
    return fold_divergences(rollback_entries(log, incident_id))


def authority_row(
    log: IncidentLog, incident_id: str, matrix: AuthorityMatrix | None = None
) -> tuple[IncidentState, AuthorityRow]:
    """The matrix row for the incident's current severity."""
    state = log.incident(incident_id)
    return state, (matrix or rollback_files.load_matrix()).for_incident(state)


# -- the checklist -----------------------------------------------------------------


def tick_item(
    log: IncidentLog,
    incident_id: str,
    item_ref: str,
    *,
    checked: bool = True,
    author: str,
    at: datetime | None = None,
    checklist: RollbackChecklist | None = None,
) -> Event:
    """Tick (or untick) a checklist item, by its number or id."""
    template = checklist or rollback_files.load_checklist()
    item = template.find(item_ref)

    def build(state: IncidentState) -> ChecklistBody:
        current = ChecklistState(template, fold_ticks(rollback_entries(log, state.id)))
        return tick_body(current, item, checked)

    return log.append_with(incident_id, Kind.CHECKLIST, build, author=author, at=at)


# -- deciding and the outcome ---------------------------------------------------------


def decide(
    log: IncidentLog,
    incident_id: str,
    request: DecisionRequest,
    *,
    author: str,
    at: datetime | None = None,
    matrix: AuthorityMatrix | None = None,
    checklist: RollbackChecklist | None = None,
) -> Event:
    """Record a decision; a production change must pass the checklist or be an override
    by the person holding authority at the incident's current severity."""
    in_force = matrix or rollback_files.load_matrix()
    template = checklist or rollback_files.load_checklist()

    def build(state: IncidentState) -> DecisionBody:
        ticks = ChecklistState(template, fold_ticks(rollback_entries(log, state.id)))
        return decision_body(
            request, state=state, checklist=ticks, row=in_force.for_incident(state), author=author
        )

    return log.append_with(incident_id, Kind.DECISION, build, author=author, at=at)


def record_outcome(
    log: IncidentLog,
    incident_id: str,
    decision_ref: str,
    outcome: Outcome,
    *,
    note: str | None = None,
    author: str,
    at: datetime | None = None,
) -> Event:
    """The answer to "did it work?"; a different later answer replaces an earlier one."""

    def build(state: IncidentState) -> DecisionBody:
        decision = decisions(log, state.id).find_decision(decision_ref)
        return outcome_body(decision, outcome, note)

    return log.append_with(incident_id, Kind.DECISION, build, author=author, at=at)


def ask_due_outcomes(
    log: IncidentLog, incident_id: str, *, author: str, now: datetime | None = None
) -> list[Event]:
    """Write "did it work?" into the timeline for each decision whose time has come,
    once, at the time it came due; another writer may have asked already."""
    when = now or log.clock.now()
    asked: list[Event] = []
    for decision in outcomes_due(decisions(log, incident_id), when):
        if decision.asked_at is not None:
            continue
        try:
            asked.append(_ask(log, incident_id, decision, author))
        except ValidationError:
            continue  # answered or asked meanwhile
    return asked


def _ask(log: IncidentLog, incident_id: str, decision: Decision, author: str) -> Event:
    def build(state: IncidentState) -> DecisionBody:
        fresh = decisions(log, state.id).decision(decision.id)
        if fresh is None:
            raise ValidationError("The decision was corrected away.")
        return asked_body(fresh)

    due = decision.outcome_due_at
    assert due is not None
    return log.append_with(incident_id, Kind.DECISION, build, author=author, at=from_iso(due))


# -- the divergence register ----------------------------------------------------------


def log_divergence(
    log: IncidentLog,
    incident_id: str,
    change: DecisionKind,
    text: str,
    *,
    afterwards: Afterwards = Afterwards.UNDECIDED,
    by: str | None = None,
    author: str,
    at: datetime | None = None,
) -> Event:
    """A change to production made without a recorded decision (scaling, a flag...)."""
    body = divergence_body(change, text, afterwards=afterwards, by=by)
    return log.append(incident_id, Kind.DIVERGENCE, body, author=author, at=at)


def review_divergence(
    log: IncidentLog,
    incident_id: str,
    ref: str,
    review: DivergenceReview,
    *,
    note: str | None = None,
    author: str,
    at: datetime | None = None,
) -> Event:
    """Mark a production change reverted or made permanent."""

    def build(state: IncidentState) -> DivergenceBody:
        divergence = find_divergence(register(log, state.id), ref)
        return review_body(divergence, review, note)

    return log.append_with(incident_id, Kind.DIVERGENCE, build, author=author, at=at)


def resolve(
    log: IncidentLog,
    incident_id: str,
    *,
    author: str,
    at: datetime | None = None,
    confirmed: bool = False,
) -> Event:
    """Resolve the incident; with production changes not reviewed, only when confirmed
    (and the status event then says how many were left)."""

    def build(state: IncidentState) -> StatusBody:
        body = status_body(state.status, Status.RESOLVED)
        pending = unreviewed(register(log, state.id))
        if pending and not confirmed:
            raise UnreviewedChanges(pending)
        if pending:
            body["unreviewed_changes"] = len(pending)
        return body

    return log.append_with(incident_id, Kind.STATUS, build, author=author, at=at)
