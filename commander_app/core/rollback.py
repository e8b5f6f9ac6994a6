"""The rollback checklist and the rules for deciding a production change.

A production change (rollback, flag, config, scaling, failover) may be decided
when every required checklist item is ticked, or at any time by the person the
authority matrix names for the incident's current severity, with a reason.
Other decisions are recorded as they are made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from commander_app.core.authority import AuthorityRow, role_label
from commander_app.core.board import Board, Decision, decision_dict, fold_board, summary
from commander_app.core.bodies import (
    AuthorityBody,
    ChecklistBody,
    DecisionBody,
    read_checklist,
    read_decision,
)
from commander_app.core.divergences import divergence_dict, fold_divergences
from commander_app.core.errors import ValidationError
from commander_app.core.events import (
    MAX_TITLE,
    check_expect_minutes,
    clean_text,
)
from commander_app.core.model import (
    CHANGE_KINDS,
    DecisionKind,
    Entry,
    Event,
    IncidentState,
    Kind,
    Outcome,
    Role,
    story_order,
)
from commander_app.core.rollback_checklist import (  # re-exported: the rules use the template
    ChecklistItem as ChecklistItem,
)
from commander_app.core.rollback_checklist import (
    RollbackChecklist as RollbackChecklist,
)
from commander_app.core.rollback_checklist import (
    parse_checklist as parse_checklist,
)

# The template (its items, read from the playbook) is `core.rollback_checklist`.


# -- ticks: the checklist's state in this incident --------------------------------------


@dataclass(frozen=True)
class Tick:
    item_id: str
    checked: bool
    by: str
    at: str
    item_text: str = ""
    required: bool | None = None


@dataclass
class ChecklistState:
    checklist: RollbackChecklist
    ticks: dict[str, Tick] = field(default_factory=dict)  # the latest tick per item id

    def is_ticked(self, item: ChecklistItem) -> bool:
        tick = self.ticks.get(item.id)
        return tick is not None and tick.checked

    @property
    def missing_required(self) -> list[ChecklistItem]:
        return [i for i in self.checklist.items if i.required and not self.is_ticked(i)]

    @property
    def complete(self) -> bool:
        return not self.missing_required

    def missing_text(self) -> str:
        """'2 The rollback mechanism is known…; 4 …' for a refusal."""
        return "; ".join(
            f"{self.checklist.number(item)} {summary(item.text, 70)}"
            for item in self.missing_required
        )


_CHANGE_KIND_VALUES = frozenset(kind.value for kind in CHANGE_KINDS)


def fold_ticks(events: Iterable[Entry], *, fresh_after_changes: bool = True) -> dict[str, Tick]:
    """The latest tick or untick of each item, in story order; corrections replace.

    A production change decided starts a fresh checklist: the next change is checked
    on its own, not on the ticks given for the last one. Exports, which tell the whole
    incident, pass `fresh_after_changes=False` to keep every item's latest tick.
    """
    ordered = sorted(events, key=story_order)
    superseded = {e.supersedes for e in ordered if e.supersedes}
    ticks: dict[str, Tick] = {}
    for event in ordered:
        if event.id in superseded:
            continue
        if fresh_after_changes and event.kind is Kind.DECISION:
            decision = read_decision(event)
            if "ref" not in decision and decision.get("decision_kind") in _CHANGE_KIND_VALUES:
                ticks.clear()
                continue
        if event.kind is not Kind.CHECKLIST:
            continue
        body = read_checklist(event)
        if "item" not in body:
            continue
        item = cast(str, body["item"])  # validate_body lets a null item through: a known gap
        ticks[item] = Tick(
            item,
            bool(body["checked"]),
            event.author,
            event.occurred_at,
            str(body.get("item_text", "")),
            body.get("required"),
        )
    return ticks


def tick_body(state: ChecklistState, item: ChecklistItem, checked: bool) -> ChecklistBody:
    """Tick (or untick) an item; ticking what is already ticked changes nothing, so is refused."""
    number = state.checklist.number(item)
    if state.is_ticked(item) == checked:
        already = "already ticked" if checked else "not ticked"
        raise ValidationError(f"Checklist item {number} ({summary(item.text, 60)}) is {already}.")
    verb = "Ticked" if checked else "Unticked"
    return {
        "text": f"{verb} checklist item {number}: {item.text}",
        "item": item.id,
        "checked": checked,
        "item_text": item.text,
        "required": item.required,
    }


# -- deciding -------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionRequest:
    """What the person deciding gives: the choice and everything the record keeps."""

    text: str
    decision_kind: DecisionKind = DecisionKind.OTHER
    options: Sequence[str] = ()
    objections: Sequence[str] = ()
    reversible: bool | None = None
    expect_minutes: int | None = None
    override_reason: str | None = None  # None: no override asked for


def roles_of(state: IncidentState, person: str) -> list[Role]:
    """The roles `person` holds in this incident, in the vocabulary's order."""
    wanted = person.strip().casefold()
    return [
        role
        for role in Role
        if (holder := state.roles.get(role.value)) is not None
        and holder.strip().casefold() == wanted
    ]


def decision_body(
    request: DecisionRequest,
    *,
    state: IncidentState,
    checklist: ChecklistState,
    row: AuthorityRow,
    author: str,
) -> DecisionBody:
    """The decision record, or a refusal that says what is missing or who may decide."""
    text = clean_text(request.text, "decision")
    options = [clean_text(o, "decision option", MAX_TITLE) for o in request.options]
    objections = [clean_text(o, "objection", 1_000) for o in request.objections]
    if request.expect_minutes is not None:
        check_expect_minutes(request.expect_minutes)
    held = roles_of(state, author)
    body: DecisionBody = {"text": text, "decision_kind": request.decision_kind.value}
    if request.decision_kind in CHANGE_KINDS:
        authority_role = row.authority_of(state, author)
        body["authority"] = _authority(request, state, checklist, row, author, authority_role)
        role = authority_role or (held[0] if held else None)
    else:
        if request.override_reason is not None:
            raise ValidationError(
                "An override applies to production changes only: say what kind of change "
                "it is (rollback, flag, config, scaling or failover)."
            )
        role = held[0] if held else None
    if role is not None:
        body["role"] = role.value
    if options:
        body["options"] = options
    if objections:
        body["objections"] = objections
    if request.reversible is not None:
        body["reversible"] = request.reversible
    if request.expect_minutes is not None:
        body["expect_minutes"] = request.expect_minutes
    return body


def _authority(
    request: DecisionRequest,
    state: IncidentState,
    checklist: ChecklistState,
    row: AuthorityRow,
    author: str,
    authority_role: Role | None,
) -> AuthorityBody:
    severity = state.severity.value
    may_decide = [role.value for role in row.decide]
    holders: dict[str, str | None] = {role.value: holder for role, holder in row.holders(state)}
    inform = list(row.inform)
    if request.override_reason is None:
        if not checklist.complete:
            count = len(checklist.missing_required)
            items = "item is" if count == 1 else "items are"
            raise ValidationError(
                f"Not decided: {count} required checklist {items} not ticked: "
                f"{checklist.missing_text()}. Tick them, or {_override_hint(row, state)}"
            )
        return {
            "severity": severity,
            "may_decide": may_decide,
            "holders": holders,
            "inform": inform,
            "basis": "checklist",
        }
    reason = request.override_reason.strip()
    if not reason:
        raise ValidationError(
            "An override needs its reason: say why this cannot wait for the checklist."
        )
    if authority_role is None:
        if not row.decide:
            raise ValidationError(
                f"At {severity} no role may override the checklist: the normal change "
                "process applies. Tick the required items, or raise the severity."
            )
        raise ValidationError(
            f"Only {row.who_decides(state)} may override the checklist at {severity}; "
            f"{author} does not hold that role in this incident."
        )
    return {
        "severity": severity,
        "may_decide": may_decide,
        "holders": holders,
        "inform": inform,
        "basis": "override",
        "override_reason": clean_text(reason, "reason", 1_000),
    }


def _override_hint(row: AuthorityRow, state: IncidentState) -> str:
    if not row.decide:
        return f"follow the normal change process (no role may override at {state.severity.value})."
    return f"{row.who_decides(state)} may decide now with an override and its reason."


# -- "did it work?" --------------------------------------------------------------------


def outcome_body(decision: Decision, outcome: Outcome, note: str | None = None) -> DecisionBody:
    if decision.outcome is outcome:
        raise ValidationError(
            f"The decision '{summary(decision.text, 60)}' is already recorded as {outcome.value}."
        )
    said = "worked" if outcome is Outcome.WORKED else "did not work"
    body: DecisionBody = {
        "text": f"Outcome: {said}: {summary(decision.text)}",
        "ref": decision.id,
        "outcome": outcome.value,
    }
    if note is not None and note.strip():
        body["note"] = kept = clean_text(note, "note", 1_000)
        body["text"] += f". {summary(kept)}"
    return body


def asked_body(decision: Decision) -> DecisionBody:
    """The timeline's "did it work?" entry, written once when the expected time comes."""
    if decision.asked_at is not None or decision.outcome is not None:
        raise ValidationError(
            f"Commander already asked whether '{summary(decision.text, 60)}' worked."
        )
    return {
        "text": (
            f"Did it work? {summary(decision.text)} was expected to take effect within "
            f"{decision.expect_minutes} min."
        ),
        "ref": decision.id,
        "asked": True,
    }


def outcomes_due(board: Board, now: datetime) -> list[Decision]:
    """Decisions whose expected time has come with no answer yet, soonest due first."""
    due = [d for d in board.decisions if d.outcome_due(now)]
    return sorted(due, key=lambda d: (d.outcome_due_at or "", d.id))


def describe_authority(authority: Mapping[str, Any] | None) -> str:
    """'SEV2 matrix (incident commander: alice), checklist complete' for a record."""
    if not authority:
        return "—"
    holders = authority.get("holders") or {}
    who = ", ".join(f"{role_label(r)}: {n or 'nobody'}" for r, n in holders.items()) or "no role"
    basis = authority.get("basis")
    how = (
        f"checklist overridden: {authority.get('override_reason')}"
        if basis == "override"
        else "checklist complete"
    )
    return f"{authority.get('severity')} matrix ({who}), {how}"


def checklist_dict(state: ChecklistState) -> dict[str, Any]:
    """The checklist's state for JSON: every item, ticked or not, and who ticked it."""
    return {
        "complete": state.complete,
        "items": [
            {
                "number": state.checklist.number(item),
                "id": item.id,
                "text": item.text,
                "required": item.required,
                "ticked": state.is_ticked(item),
                "by": tick.by if (tick := state.ticks.get(item.id)) else None,
                "at": tick.at if tick else None,
            }
            for item in state.checklist.items
        ],
    }


def ticks_dict(ticks: Mapping[str, Tick]) -> list[dict[str, Any]]:
    """The ticks as the log holds them, for exports made without the template."""
    return [
        {
            "id": tick.item_id,
            "text": tick.item_text,
            "required": tick.required,
            "ticked": tick.checked,
            "by": tick.by,
            "at": tick.at,
        }
        for tick in ticks.values()
    ]


def record_dict(events: Sequence[Event]) -> dict[str, Any]:
    """Decisions with their records, the checklist ticks and the divergence register,
    from the events alone: what the JSON export carries beside the events."""
    return {
        "decisions": [decision_dict(d) for d in fold_board(events).decisions],
        "checklist": ticks_dict(fold_ticks(events, fresh_after_changes=False)),
        "divergences": [divergence_dict(d) for d in fold_divergences(events)],
    }
