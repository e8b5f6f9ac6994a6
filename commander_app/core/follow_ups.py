"""Follow-ups: the board's actions as commitments that outlive the incident.

An action is one concept to the user, during the incident and after it. What makes
it a commitment: an owner who acknowledges it (offered -> accepted / declined, like a
handoff), a type and priority, a due date from the severity, a state that ends in done
(with evidence) or won't do (a decision with a reason), and, for a fix of a symptom,
the systemic item or the owner of the class of problem beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from commander_app.core.board import Action, summary
from commander_app.core.bodies import ActionBody, TrackerBody
from commander_app.core.errors import ValidationError
from commander_app.core.events import MAX_FACT, clean_name, clean_text
from commander_app.core.model import (
    CLOSED,
    Ack,
    FollowUpState,
    FollowUpType,
    Priority,
    Severity,
    _Vocabulary,
)
from commander_app.core.times import from_iso, to_iso

# Due dates from public practice (SEV1 items within 15 days, SEV2 within 30, others 8
# weeks), counted from when the item is written; the playbook may change them.
DUE_DAYS: dict[Severity, int] = {
    Severity.SEV1: 15,
    Severity.SEV2: 30,
    Severity.SEV3: 56,
    Severity.SEV4: 56,
}
DUE_SOON = timedelta(days=3)  # shown amber from three days before the due date
PRIORITY_FOR: dict[Severity, Priority] = {
    Severity.SEV1: Priority.P1,
    Severity.SEV2: Priority.P2,
    Severity.SEV3: Priority.P3,
    Severity.SEV4: Priority.P4,
}


def default_due(
    severity: Severity, written: datetime, days: dict[Severity, int] | None = None
) -> str:
    """The due date a new follow-up gets unless its author says otherwise."""
    table = DUE_DAYS if days is None else days
    return to_iso(written + timedelta(days=table[severity]))


@dataclass(frozen=True)
class FollowUpRequest:
    """A follow-up as its author typed it; `checked_body` applies the rules."""

    text: str
    owner: str | None = None
    due: str | None = None  # UTC ISO-8601; None: from the severity
    type: FollowUpType = FollowUpType.PREVENT
    priority: Priority | None = None  # None: from the severity
    factor: str | None = None  # the postmortem's contributing factor it answers
    symptom: bool = False  # it fixes a symptom (raise a threshold), not the cause
    class_owner: str | None = None  # who owns this class of problem (a symptom fix's twin)
    twin: str | None = None  # the symptom item this systemic item stands beside
    override: str | None = None  # why a text the check refuses stands anyway


def follow_up_body(
    request: FollowUpRequest,
    severity: Severity,
    written: datetime,
    problems: list[str],
    *,
    days: dict[Severity, int] | None = None,
) -> ActionBody:
    """The body of a new follow-up. `problems` are the action-text check's complaints:
    they refuse the item unless its author gives a reason to keep the text."""
    text = clean_text(request.text, "follow-up")
    override = request.override.strip() if request.override else None
    if problems and not override:
        raise ValidationError(
            " ".join(problems)
            + " To keep the text as it is, say why (--override REASON in the CLI)."
        )
    body: ActionBody = {
        "text": text,
        "follow_up": True,
        "type": request.type.value,
        "priority": (request.priority or PRIORITY_FOR[severity]).value,
        "due": to_iso(from_iso(request.due))
        if request.due
        else default_due(severity, written, days),
    }
    if request.owner is not None:
        body["owner"] = clean_name(request.owner, "owner's name")
        body["ack"] = Ack.OFFERED.value
    if request.factor:
        body["factor"] = request.factor
    if request.symptom:
        body["symptom"] = True
    if request.class_owner:
        body["class_owner"] = clean_name(request.class_owner, "name of the class owner")
    if request.twin:
        body["twin"] = request.twin
    if problems and override:
        body["text_override"] = clean_text(override, "reason", MAX_FACT)
    return body


def ack_body(action: Action, answer: Ack, by: str, reason: str | None = None) -> ActionBody:
    """The owner accepts or declines; a decline hands the item back (it needs an owner)."""
    if answer is Ack.OFFERED:
        raise ValidationError("An item is offered by naming its owner; accept or decline it.")
    if not action.owner:
        raise ValidationError(
            f"'{summary(action.text, 60)}' has no owner to accept it: name one first."
        )
    if action.closed:
        raise ValidationError(f"'{summary(action.text, 60)}' is already {_closed_word(action)}.")
    if action.ack is answer:
        raise ValidationError(
            f"{action.owner} has already {answer.value} '{summary(action.text, 60)}'."
        )
    body = cast(ActionBody, {"ref": action.id, "ack": answer.value})  # then its text
    verb = "accepts" if answer is Ack.ACCEPTED else "declines"
    who = action.owner if clean_name(by) == action.owner else f"{action.owner} (entered by {by})"
    body["text"] = f"{who} {verb}: {summary(action.text)}"
    if answer is Ack.DECLINED:
        if not reason or not reason.strip():
            raise ValidationError("Say why the item is declined, so it can find its owner.")
        body["reason"] = why = clean_text(reason, "reason", MAX_FACT)
        body["text"] += f" — {why}"
    return body


def state_body(
    action: Action,
    state: FollowUpState,
    *,
    evidence: str | None = None,
    reason: str | None = None,
) -> ActionBody:
    """Start, finish (with evidence: a link or a note) or drop (with a reason) an item."""
    if action.state is state:
        raise ValidationError(
            f"'{summary(action.text, 60)}' is already {state.value.replace('_', ' ')}."
        )
    body = cast(ActionBody, {"ref": action.id, "state": state.value})  # its text comes last
    if state is FollowUpState.DONE:
        body["done"] = True
        if action.follow_up and not (evidence and evidence.strip()):
            raise ValidationError(
                "Say how it is known to be done: a link (a merged change, a dashboard) or a "
                "short note (--evidence)."
            )
        label = "Done"
    elif state is FollowUpState.WONT:
        if not reason or not reason.strip():
            raise ValidationError(
                "Not doing an item is a decision: give the reason (--reason), so the next "
                "postmortem can see why."
            )
        body["reason"] = clean_text(reason, "reason", MAX_FACT)
        label = "Won't do"
    elif state is FollowUpState.IN_PROGRESS:
        label = "Started"
    else:
        label = "Reopened"
    if state is not FollowUpState.DONE and action.done:
        body["done"] = False
    if evidence and evidence.strip():
        body["evidence"] = clean_text(evidence, "evidence", MAX_FACT)
    body["text"] = f"{label}: {summary(action.text)}"
    if body.get("reason"):
        body["text"] += f" — {body['reason']}"
    return body


def _closed_word(action: Action) -> str:
    return "done" if action.state is FollowUpState.DONE else "dropped (won't do)"


@dataclass(frozen=True)
class FollowUpRow:
    """One open or closed item across incidents, as the Follow-ups view lists it."""

    id: str
    incident_id: str
    incident_title: str
    severity: Severity
    is_drill: bool
    incident_resolved: bool
    number: str
    text: str
    owner: str | None
    ack: Ack | None
    state: FollowUpState
    due: str | None
    priority: Priority | None
    type: FollowUpType | None
    opened_at: str
    closed_at: str | None
    symptom: bool = False
    trackers: dict[str, TrackerBody] = field(default_factory=dict)  # issues by channel


class Standing(_Vocabulary):
    """How an item stands today, most urgent first."""

    OVERDUE = "overdue"
    OWNERLESS = "ownerless"
    UNACKNOWLEDGED = "unacknowledged"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"
    CLOSED = "closed"


# How an item stands is one ordered rule: the first test that holds names it. `standing`
# reads it here; the store turns the same table into SQL, so a list of thousands is sorted
# and paged by the database without a second copy of the rule.


@dataclass(frozen=True)
class StateIn:
    """The item's state is one of these."""

    states: frozenset[FollowUpState]


@dataclass(frozen=True)
class DueBy:
    """Due before now + `ahead` (or at it, when `inclusive`); an item with no due date never is."""

    ahead: timedelta
    inclusive: bool = False


@dataclass(frozen=True)
class NoOwner:
    """Nobody owns it: no owner named, or the one named declined (it needs a new owner)."""


@dataclass(frozen=True)
class AckIs:
    ack: Ack


@dataclass(frozen=True)
class Always:
    pass


StandingTest = StateIn | DueBy | NoOwner | AckIs | Always

STANDING_RULE: tuple[tuple[Standing, StandingTest], ...] = (
    (Standing.CLOSED, StateIn(CLOSED)),
    (Standing.OVERDUE, DueBy(timedelta(0))),
    (Standing.OWNERLESS, NoOwner()),
    # A board action written mid-incident has no offer, so it is never "not accepted".
    (Standing.UNACKNOWLEDGED, AckIs(Ack.OFFERED)),
    (Standing.DUE_SOON, DueBy(DUE_SOON, inclusive=True)),
    (Standing.ON_TRACK, Always()),
)
URGENCY: tuple[Standing, ...] = tuple(Standing)  # the order lists are sorted in


def holds(test: StandingTest, row: FollowUpRow | Action, now: datetime) -> bool:
    match test:
        case StateIn(states):
            return row.state in states
        case DueBy(ahead, inclusive):
            if row.due is None:
                return False
            due, limit = from_iso(row.due), now + ahead
            return due <= limit if inclusive else due < limit
        case NoOwner():
            return not row.owner or row.ack is Ack.DECLINED
        case AckIs(ack):
            return row.ack is ack
        case Always():
            return True
    raise AssertionError(test)  # pragma: no cover - every test is matched above


def standing(row: FollowUpRow | Action, now: datetime) -> Standing:
    """Overdue red, due soon amber; an item nobody owns or nobody accepted is named."""
    return next(result for result, test in STANDING_RULE if holds(test, row, now))


def attention(tally: dict[Standing, int]) -> str:
    """The status bar's line: what needs someone across every incident, or nothing."""
    parts = [
        f"{tally[s]} {word}"
        for s, word in ((Standing.OVERDUE, "overdue"), (Standing.UNACKNOWLEDGED, "not accepted"))
        if tally.get(s)
    ]
    return f"Follow-ups: {', '.join(parts)}" if parts else ""


def follow_up_dict(row: FollowUpRow, now: datetime) -> dict[str, Any]:
    """A row as `commander follow-ups --json` and the CSV/JSON export carry it."""
    return {
        "id": row.id,
        "number": row.number,
        "incident_id": row.incident_id,
        "incident_title": row.incident_title,
        "severity": row.severity.value,
        "drill": row.is_drill,
        "text": row.text,
        "owner": row.owner,
        "ack": row.ack.value if row.ack else None,
        "state": row.state.value,
        "standing": standing(row, now).value,
        "due": row.due,
        "priority": row.priority.value if row.priority else None,
        "type": row.type.value if row.type else None,
        "symptom": row.symptom,
        "opened_at": row.opened_at,
        "closed_at": row.closed_at,
        # Its issues on trackers: key (acme/ops#12, OPS-12), url, state as last seen there.
        "trackers": [row.trackers[name] for name in sorted(row.trackers)],
    }
