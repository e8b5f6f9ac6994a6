"""The incident world's vocabulary: severities, statuses, event kinds, milestones."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from operator import attrgetter
from typing import Any, NamedTuple, Protocol, Self

from commander_app.core.errors import ValidationError

# Each vocabulary's other words for its own (an enum's class body cannot hold a dict).
_ALIASES: dict[type, dict[str, str]] = {}


class _Vocabulary(StrEnum):
    """A closed set of words, read forgivingly from what a person typed; `aliases`
    (a class keyword) maps other words people use to the stored ones."""

    def __init_subclass__(cls, *, aliases: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _ALIASES[cls] = dict(aliases or {})

    @classmethod
    def _normalise(cls, text: str) -> str:
        raw = text.strip().lower().replace("-", "_").replace(" ", "_")
        return _ALIASES[cls].get(raw, raw)

    @classmethod
    def _offered(cls) -> Iterable[StrEnum]:
        return list(cls)

    @classmethod
    def _label(cls) -> str:
        """What the user calls this vocabulary, for the refusal: RoleChange -> role change."""
        return re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()

    @classmethod
    def parse(cls, text: object) -> Self:
        try:
            return cls(cls._normalise(str(text)))
        except ValueError:
            label = cls._label()
            choices = ", ".join(choice.value for choice in cls._offered())
            raise ValidationError(f"Unknown {label} '{text}': use one of {choices}.") from None


class Severity(_Vocabulary):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @classmethod
    def _normalise(cls, text: str) -> str:
        """'SEV2', 'sev2', '2', 'S2' and 'Sev 2' all mean SEV2."""
        raw = text.strip().upper().replace(" ", "")
        if raw.isdigit():
            return f"SEV{raw}"
        if raw.startswith("S") and raw[1:].isdigit():
            return f"SEV{raw[1:]}"
        return raw


class Status(_Vocabulary):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class Milestone(_Vocabulary, aliases={"impact": "impact_started"}):
    IMPACT_STARTED = "impact_started"
    DETECTED = "detected"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"


# Which IncidentState field holds each milestone's time.
MILESTONE_FIELDS: dict[Milestone, str] = {
    Milestone.IMPACT_STARTED: "impact_started_at",
    Milestone.DETECTED: "detected_at",
    Milestone.MITIGATED: "mitigated_at",
    Milestone.RESOLVED: "resolved_at",
}


class Kind(_Vocabulary):
    """Event kinds. Text kinds are typed by people; the rest come from commands."""

    INCIDENT = "incident"  # opened, renamed
    NOTE = "note"
    OBSERVATION = "observation"
    HYPOTHESIS = "hypothesis"
    FINDING = "finding"
    DECISION = "decision"
    ACTION = "action"
    ALERT = "alert"
    COMMS = "comms"
    ROLE = "role"
    STATUS = "status"
    SEVERITY = "severity"
    MILESTONE = "milestone"
    CHECKLIST = "checklist"
    DIVERGENCE = "divergence"  # a change made to production during the incident
    POSTMORTEM = "postmortem"  # the analysis after the incident: sections, factors, states
    RUNBOOK = "runbook"  # a runbook's step done, flagged wrong, or its escalation chosen
    DRILL = "drill"  # a drill's control: started, inject fired, skipped, delayed, paused
    CONFLICT = "conflict"  # a conflict between laptops' logs settled (`core.sync_conflicts`)

    @classmethod
    def _offered(cls) -> Iterable[StrEnum]:
        return TEXT_KINDS


# Kinds whose body is mainly free text a responder types (`commander log --kind`).
TEXT_KINDS: tuple[Kind, ...] = (
    Kind.NOTE,
    Kind.OBSERVATION,
    Kind.HYPOTHESIS,
    Kind.FINDING,
    Kind.DECISION,
    Kind.ACTION,
    Kind.ALERT,
)

# Kinds whose events move the incident's own fields (title, status, times, roles).
STATE_KINDS: frozenset[Kind] = frozenset(
    {Kind.INCIDENT, Kind.STATUS, Kind.SEVERITY, Kind.MILESTONE, Kind.ROLE}
)

# The command that writes each structural kind, for a helpful refusal.
KIND_COMMANDS: dict[Kind, str] = {
    Kind.INCIDENT: "commander new",
    Kind.STATUS: "commander status",
    Kind.SEVERITY: "commander severity",
    Kind.MILESTONE: "commander milestone",
    Kind.POSTMORTEM: "commander postmortem",
    Kind.RUNBOOK: "commander runbook step",
    Kind.DRILL: "commander drill",
    Kind.CONFLICT: "commander conflicts settle",
}


class Role(_Vocabulary):
    COMMANDER = "commander"
    COMMUNICATOR = "communicator"
    SCRIBE = "scribe"
    OPERATIONS_LEAD = "operations_lead"
    SUBJECT_EXPERT = "subject_expert"
    SERVICE_OWNER = "service_owner"


class RoleChange(_Vocabulary):
    """What a role event does. Command changes hands only on assignment or acceptance."""

    ASSIGNED = "assigned"
    HANDOFF_OFFERED = "handoff_offered"
    HANDOFF_ACCEPTED = "handoff_accepted"
    HANDOFF_DECLINED = "handoff_declined"
    HANDOFF_CANCELLED = "handoff_cancelled"


class HypothesisState(_Vocabulary):
    INVESTIGATING = "investigating"
    CONFIRMED = "confirmed"
    REFUTED = "refuted"


# 'Execs', 'executive' and 'leadership' mean executives; 'status page', customers.
_AUDIENCE_ALIASES = {
    "team": "internal",
    "staff": "internal",
    "exec": "executives",
    "execs": "executives",
    "executive": "executives",
    "leadership": "executives",
    "customer": "customers",
    "public": "customers",
    "status_page": "customers",
    "statuspage": "customers",
}


class Audience(_Vocabulary, aliases=_AUDIENCE_ALIASES):
    """Who a stakeholder update is for; each has its own cadence."""

    INTERNAL = "internal"
    EXECUTIVES = "executives"
    CUSTOMERS = "customers"


class CommsAction(_Vocabulary):
    """What a comms event records about an update to one audience."""

    DRAFT = "draft"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SNOOZED = "snoozed"
    CANCELLED = "cancelled"


# -- follow-ups: an action as a commitment (`core.follow_ups`) --


class FollowUpType(_Vocabulary):
    """What an item does about the failure (the postmortem literature's five kinds)."""

    PREVENT = "prevent"
    DETECT = "detect"
    MITIGATE = "mitigate"
    REPAIR = "repair"
    PROCESS = "process"


class Priority(_Vocabulary):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @classmethod
    def _normalise(cls, text: str) -> str:
        raw = text.strip().upper().replace(" ", "")
        return f"P{raw}" if raw.isdigit() else raw


class FollowUpState(
    _Vocabulary, aliases={"won't": "wont", "wont_do": "wont", "started": "in_progress"}
):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT = "wont"


class Ack(_Vocabulary):
    """The owner's answer to being given an item."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


CLOSED: frozenset[FollowUpState] = frozenset({FollowUpState.DONE, FollowUpState.WONT})


# Kinds the incident board is folded from (hypotheses, findings, actions, decisions).
BOARD_KINDS: frozenset[Kind] = frozenset(
    {Kind.HYPOTHESIS, Kind.FINDING, Kind.ACTION, Kind.DECISION}
)


class DecisionKind(_Vocabulary):
    """What a decision changes; every kind but `other` is a change to production."""

    ROLLBACK = "rollback"
    FLAG = "flag"
    CONFIG = "config"
    SCALING = "scaling"
    FAILOVER = "failover"
    OTHER = "other"


# Decisions that change production: the rollback checklist and the authority matrix
# apply to them, and each one is listed in the divergence register.
CHANGE_KINDS: frozenset[DecisionKind] = frozenset(set(DecisionKind) - {DecisionKind.OTHER})


class Outcome(_Vocabulary):
    """The answer to "did it work?" once a decision's expected time has passed."""

    WORKED = "worked"
    FAILED = "failed"


class DivergenceReview(
    _Vocabulary,
    aliases={"permanent": "made_permanent", "kept": "made_permanent", "keep": "made_permanent"},
):
    """What became of a production change once it was reviewed."""

    REVERTED = "reverted"
    MADE_PERMANENT = "made_permanent"


class Afterwards(_Vocabulary, aliases={"permanent": "make_permanent", "keep": "make_permanent"}):
    """What must happen to a production change when the incident is over."""

    REVERT = "revert"
    MAKE_PERMANENT = "make_permanent"
    UNDECIDED = "undecided"


# Kinds the rollback panel, the decision record and the divergence register read.
ROLLBACK_KINDS: frozenset[Kind] = frozenset({Kind.DECISION, Kind.CHECKLIST, Kind.DIVERGENCE})


class Event(NamedTuple):
    """One immutable entry of the incident log.

    A NamedTuple rather than a frozen dataclass: a timeline page builds
    hundreds of these per screen, and tuples are built several times faster.
    """

    id: str
    incident_id: str
    kind: Kind
    body: dict[str, Any]
    author: str
    device_id: str
    occurred_at: str  # UTC ISO-8601
    recorded_at: str  # UTC ISO-8601
    supersedes: str | None = None

    @property
    def sort_key(self) -> tuple[str, str]:
        """Order of the story: when it happened, then when it was made."""
        return (self.occurred_at, self.id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident_id": self.incident_id,
            "kind": self.kind.value,
            "body": self.body,
            "author": self.author,
            "device_id": self.device_id,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "supersedes": self.supersedes,
        }


class Entry(Protocol):
    """What the board, checklist and register folds read of an event. An Event is one;
    so is the lighter row the store reads a long incident's board into."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> Kind: ...
    @property
    def body(self) -> dict[str, Any]: ...
    @property
    def author(self) -> str: ...
    @property
    def occurred_at(self) -> str: ...
    @property
    def supersedes(self) -> str | None: ...


# `Event.sort_key` as a sort's key function: the same order, read in C (a long incident's
# board and rollback panel sort thousands of entries on every read).
story_order: Callable[[Entry], tuple[str, str]] = attrgetter("occurred_at", "id")


@dataclass
class IncidentState:
    """The current picture of one incident, folded from its events."""

    id: str
    title: str = ""
    severity: Severity = Severity.SEV3
    status: Status = Status.INVESTIGATING
    is_drill: bool = False
    commander: str | None = None
    communicator: str | None = None
    roles: dict[str, str] = field(default_factory=dict)
    pending_handoff_to: str | None = None  # command offered to this person, not yet accepted
    opened_at: str | None = None
    impact_started_at: str | None = None
    detected_at: str | None = None
    mitigated_at: str | None = None
    resolved_at: str | None = None
    last_event_at: str | None = None  # newest recorded_at: "most recently active"
    event_count: int = 0
    last_key: str = ""  # sort key of the newest folded event, "occurred_at|id"

    @property
    def is_open(self) -> bool:
        return self.status is not Status.RESOLVED

    def to_dict(self) -> dict[str, Any]:
        """The incident as exports, `list --json` and the projection row carry it."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "status": self.status.value,
            "is_drill": self.is_drill,
            "commander": self.commander,
            "communicator": self.communicator,
            "roles": dict(self.roles),
            "pending_handoff_to": self.pending_handoff_to,
            "opened_at": self.opened_at,
            "impact_started_at": self.impact_started_at,
            "detected_at": self.detected_at,
            "mitigated_at": self.mitigated_at,
            "resolved_at": self.resolved_at,
            "last_event_at": self.last_event_at,
            "event_count": self.event_count,
        }
