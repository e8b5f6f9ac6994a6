"""The shape of each event kind's body, so a misspelt field is a type error.

An event's body is stored as JSON and travels as a plain dict (`Event.body`); these
TypedDicts say which fields each kind has. The builders (`core.events`, `core.board`,
`core.rollback`...) return them, and a fold reads a body through the accessor for its
kind (`read_status(event)`), so `body["statsu"]` fails `mypy`. The typing rules allow
`body.get("statsu")`: its value is `object`, so handing it on as a text or a number
fails, but a bare `if body.get("statsu"):` passes unnoticed.

Optional fields are `NotRequired`. Where `validate_body` accepts `null` for a field (it
checks a field only "when present"), its type admits None, because an imported bundle
may hold one. Fields `validate_body` does not check at all (a status's `from`) are typed
as Commander writes them; their readers stay forgiving. A body may also hold fields a
newer Commander wrote: `validate_body` keeps them, and these types do not name them.
"""

# No `from __future__ import annotations` here: with it, Python 3.11 reads every class
# field as required (`__required_keys__`), and the tests compare bodies against those.
from typing import Literal, NotRequired, TypedDict, cast

from commander_app.core.model import BOARD_KINDS, TEXT_KINDS, Entry, Kind

# -- the incident's own fields ----------------------------------------------------------


class PlaybookVersionBody(TypedDict):
    """Which playbook: its name, the digest of its text, and whether it was the team's
    file, its last good version, or the shipped one."""

    name: str
    digest: str
    source: str


class IncidentBody(TypedDict):
    """Opened (with severity, drill and perhaps its first commander) or renamed."""

    action: Literal["opened", "renamed", "playbook"]
    title: str
    severity: NotRequired[str]  # every opening has one
    drill: NotRequired[bool]
    commander: NotRequired[str | None]
    # An incident brought in from another tool's history (`core.history_csv`).
    imported: NotRequired[bool | None]
    deploy_caused: NotRequired[bool | None]  # its cause was a deploy
    services: NotRequired[list[str] | None]
    external_id: NotRequired[str | None]  # its id in the other tool
    # The playbook in force when it opened; on a "playbook" event, the one now in force.
    playbook: NotRequired[PlaybookVersionBody]
    previous: NotRequired[PlaybookVersionBody]  # a "playbook" event: the one it replaces
    changes: NotRequired[list[str]]  # a "playbook" event: the parts that changed


# "from" is a keyword, so the kinds that record what a value was before are spelt this way.
StatusBody = TypedDict(
    "StatusBody",
    {
        "status": str,
        "from": NotRequired[str],  # the status before; not checked on import
        "reopened": NotRequired[bool],  # it left `resolved`
        "unreviewed_changes": NotRequired[int],  # resolved with changes not reviewed
    },
)
SeverityBody = TypedDict("SeverityBody", {"severity": str, "from": NotRequired[str]})


class MilestoneBody(TypedDict):
    milestone: str


# An assignment, or a step of a handoff of command (offered, accepted, declined...).
RoleBody = TypedDict(
    "RoleBody",
    {
        "role": str,
        "person": str,
        "action": NotRequired[str],  # a RoleChange; absent: assigned
        "from": NotRequired[str | None],  # an offer's outgoing commander (None: nobody held it)
        "briefing": NotRequired[str | None],  # what the incoming commander was told
        "entered_by": NotRequired[str | None],  # someone else entered the answer for them
        # The newest assignment of this role the writer's log held (`core.sync_conflicts`).
        "seen": NotRequired[str | None],
    },
)


# -- what responders write ---------------------------------------------------------------


class TextBody(TypedDict):
    """A free-text entry: a note, an observation or an alert is no more than this."""

    text: str


class BoardBody(TextBody):
    """What every board entry has: an item, or an update of one (`ref` names it)."""

    ref: NotRequired[str | None]


class HypothesisBody(BoardBody):
    owner: NotRequired[str | None]
    state: NotRequired[str | None]  # a HypothesisState; an update only


class FindingBody(BoardBody):
    """A finding; its `ref` names the hypothesis it bears on, when there is one."""


class TrackerBody(TypedDict):
    """An action's issue on a tracker (`core.tracker`), exactly as `validate_body` keeps it."""

    kind: str  # github | jira
    channel: str
    key: str
    url: str
    state: str
    state_reason: str | None


class ActionBody(BoardBody):
    """A board action, or a follow-up (`core.follow_ups`); older actions have only the
    first fields, and were completed with `done` before follow-up states existed."""

    owner: NotRequired[str | None]
    due: NotRequired[str | None]  # UTC ISO-8601
    done: NotRequired[bool | None]
    state: NotRequired[str | None]  # a FollowUpState
    ack: NotRequired[str | None]  # an Ack
    follow_up: NotRequired[bool | None]
    type: NotRequired[str | None]  # a FollowUpType
    priority: NotRequired[str | None]  # a Priority
    factor: NotRequired[str | None]  # the postmortem factor's id
    symptom: NotRequired[bool | None]
    class_owner: NotRequired[str | None]
    twin: NotRequired[str | None]
    evidence: NotRequired[str | None]
    reason: NotRequired[str | None]
    text_override: NotRequired[str | None]
    tracker: NotRequired[TrackerBody | None]
    seen: NotRequired[str | None]  # a change: the newest event of the item its writer's log held


class AuthorityBody(TypedDict):
    """What a production change rested on: the matrix row (by severity) and how it passed."""

    severity: str
    may_decide: NotRequired[list[str]]
    holders: NotRequired[dict[str, str | None]]
    inform: NotRequired[list[str]]
    basis: Literal["checklist", "override"]
    override_reason: NotRequired[str]  # every override has one


class DecisionBody(BoardBody):
    """A decision, perhaps with its record (decisions written before it have none), or an
    update of one: its outcome, or the log of having asked "did it work?"."""

    options: NotRequired[list[str] | None]
    reversible: NotRequired[bool | None]
    decision_kind: NotRequired[str | None]  # a DecisionKind
    role: NotRequired[str | None]  # the decider's role
    authority: NotRequired[AuthorityBody | None]
    objections: NotRequired[list[str] | None]
    expect_minutes: NotRequired[int | None]
    outcome: NotRequired[str | None]  # an Outcome
    asked: NotRequired[Literal[True] | None]
    note: NotRequired[str | None]
    seen: NotRequired[str | None]  # a production change: the newest one its writer's log held


class AlertBody(TypedDict):
    """An alert (`core.alerts`): a typed text; or one from a source, with its fingerprint
    and what goes with it; or the triage of a group of them."""

    text: str
    source: NotRequired[str]  # alertmanager | pagerduty | csv
    fingerprint: NotRequired[str]
    state: NotRequired[str]  # firing | resolved
    name: NotRequired[str]
    labels: NotRequired[dict[str, str]]
    annotations: NotRequired[dict[str, str]]
    starts_at: NotRequired[str]  # UTC ISO-8601
    ends_at: NotRequired[str]
    url: NotRequired[str]
    group: NotRequired[str]  # the group key (`core.alert_payloads.group_key`)
    triage: NotRequired[str]  # an AlertTriage: a triage event only
    hypothesis: NotRequired[str | None]  # the hypothesis a triaged group is linked to


# -- stakeholder updates, the rollback record, the postmortem ---------------------------


class FactsBody(TypedDict):
    """What an update said about the impact (`core.update_facts`); every update that goes
    out writes impact and workaround, None when there is none now."""

    impact: NotRequired[str | None]
    workaround: NotRequired[str | None]
    services: NotRequired[list[str] | None]


class CommsBody(TextBody, FactsBody):
    """An update's story: drafted, queued, sent, failed, cancelled, or a snooze."""

    action: NotRequired[str | None]  # a CommsAction
    audience: NotRequired[str | None]  # an Audience; every send and snooze has one
    channel: NotRequired[str | None]
    outbox_id: NotRequired[str]
    next_update_at: NotRequired[str | None]  # UTC ISO-8601
    detail: NotRequired[str]  # what the channel said when it took the update
    remote_id: NotRequired[str]
    remote_incident_id: NotRequired[str]  # sent: the incident it went into on the channel
    error: NotRequired[str]
    minutes: NotRequired[int | None]  # a snooze's
    reason: NotRequired[str | None]  # a snooze's
    drill: NotRequired[bool]  # a drill's update: recorded in the drill outbox, never sent


class ChecklistBody(TextBody):
    """A tick (or untick) of a rollback checklist item, with the item as it read then."""

    item: NotRequired[str | None]
    checked: NotRequired[bool]  # every tick has one
    item_text: NotRequired[str]
    required: NotRequired[bool | None]


class DivergenceBody(TextBody):
    """A change to production logged directly, or (with `ref`) a review of one."""

    ref: NotRequired[str | None]
    change: NotRequired[str]  # a DecisionKind; every logged change has one
    afterwards: NotRequired[str | None]  # an Afterwards
    by: NotRequired[str | None]
    review: NotRequired[str]  # a DivergenceReview; every review has one
    note: NotRequired[str | None]


# One step of the postmortem, by its `op`: a section written, a factor added or changed
# (`ref`), a move between states (`from` one), or wording kept despite the blame check.
PostmortemBody = TypedDict(
    "PostmortemBody",
    {
        "text": str,
        "op": Literal["section", "factor", "state", "keep_wording"],
        "section": NotRequired[str],
        "content": NotRequired[str | None],
        "category": NotRequired[str | None],
        "ref": NotRequired[str | None],
        "removed": NotRequired[bool | None],
        "symptom_reason": NotRequired[str | None],
        "state": NotRequired[str],
        "from": NotRequired[str],
        "where": NotRequired[str],
        "phrase": NotRequired[str],
        "reason": NotRequired[str | None],
    },
)


class DrillBody(TypedDict):
    """A drill's control (`store.drills`): started from a scenario (its name, digest and
    speed), an inject fired, skipped or delayed, the drill paused or resumed."""

    action: Literal["started", "fired", "skipped", "delayed", "paused", "resumed"]
    text: str  # what the timeline shows
    scenario: NotRequired[str]  # started: the scenario's name (a shipped one, or a path)
    digest: NotRequired[str]  # started: the scenario file's digest
    speed: NotRequired[float]  # started: drill minutes per real minute
    inject: NotRequired[str]  # fired, skipped, delayed: the inject's id
    inject_kind: NotRequired[str]  # fired: an InjectKind
    minutes: NotRequired[int]  # delayed: by how many drill minutes
    by: NotRequired[Literal["schedule", "facilitator"]]  # fired: by a tick, or by hand


class RunbookBody(TypedDict):
    """A runbook's step followed in the incident (`core.runbook_steps`): done with the
    output seen, flagged wrong with a note (and its follow-up), or its escalation chosen;
    always with the runbook's version (content hash, git commit when known)."""

    op: Literal["done", "wrong", "escalated"]
    runbook: str  # its name in the library
    title: str
    sha256: str
    step: int
    step_title: str
    fingerprint: NotRequired[str]  # what the step said, hashed (`step_fingerprint`)
    commit: NotRequired[str]
    modified: NotRequired[bool]  # the file differed from that commit
    commands: NotRequired[list[str]]
    output: NotRequired[str]
    output_dropped: NotRequired[int]  # characters left out of a long output
    note: NotRequired[str]
    follow_up: NotRequired[str]  # the action written to fix a step flagged wrong
    escalate_to: NotRequired[str]
    when: NotRequired[str]  # what the runbook said to escalate on


class ConflictBody(TextBody):
    """A conflict between laptops' logs settled (`core.sync_conflicts`): which one, and the
    event whose side was kept; for a status page, the channel and the remote incident kept."""

    action: Literal["settled"]
    key: str
    keep: str
    reason: NotRequired[str]
    channel: NotRequired[str]
    remote_incident_id: NotRequired[str]


# -- reading a body as its kind's ---------------------------------------------------------


def _of(event: Entry, kind: Kind) -> dict[str, object]:
    if event.kind is not kind:
        raise TypeError(f"a {event.kind.value} event read as a {kind.value} event")
    return event.body


def read_incident(event: Entry) -> IncidentBody:
    return cast(IncidentBody, _of(event, Kind.INCIDENT))


def read_status(event: Entry) -> StatusBody:
    return cast(StatusBody, _of(event, Kind.STATUS))


def read_severity(event: Entry) -> SeverityBody:
    return cast(SeverityBody, _of(event, Kind.SEVERITY))


def read_milestone(event: Entry) -> MilestoneBody:
    return cast(MilestoneBody, _of(event, Kind.MILESTONE))


def read_role(event: Entry) -> RoleBody:
    return cast(RoleBody, _of(event, Kind.ROLE))


def read_board(event: Entry) -> BoardBody:
    """Any board entry's body (hypothesis, finding, action, decision), for its text and ref."""
    if event.kind not in BOARD_KINDS:
        raise TypeError(f"a {event.kind.value} event read as a board entry")
    return cast(BoardBody, event.body)


def read_hypothesis(event: Entry) -> HypothesisBody:
    return cast(HypothesisBody, _of(event, Kind.HYPOTHESIS))


def read_finding(event: Entry) -> FindingBody:
    return cast(FindingBody, _of(event, Kind.FINDING))


def read_action(event: Entry) -> ActionBody:
    return cast(ActionBody, _of(event, Kind.ACTION))


def read_decision(event: Entry) -> DecisionBody:
    return cast(DecisionBody, _of(event, Kind.DECISION))


def read_alert(event: Entry) -> AlertBody:
    return cast(AlertBody, _of(event, Kind.ALERT))


def read_comms(event: Entry) -> CommsBody:
    return cast(CommsBody, _of(event, Kind.COMMS))


def read_checklist(event: Entry) -> ChecklistBody:
    return cast(ChecklistBody, _of(event, Kind.CHECKLIST))


def read_divergence(event: Entry) -> DivergenceBody:
    return cast(DivergenceBody, _of(event, Kind.DIVERGENCE))


def read_postmortem(event: Entry) -> PostmortemBody:
    return cast(PostmortemBody, _of(event, Kind.POSTMORTEM))


def read_runbook(event: Entry) -> RunbookBody:
    return cast(RunbookBody, _of(event, Kind.RUNBOOK))


def read_drill(event: Entry) -> DrillBody:
    return cast(DrillBody, _of(event, Kind.DRILL))


def read_conflict(event: Entry) -> ConflictBody:
    return cast(ConflictBody, _of(event, Kind.CONFLICT))


# The kinds whose body has a `text` (validate_body requires it): all but the state kinds.
_TEXT_BODIES: frozenset[Kind] = frozenset(
    {
        *TEXT_KINDS,
        Kind.COMMS,
        Kind.CHECKLIST,
        Kind.DIVERGENCE,
        Kind.POSTMORTEM,
        Kind.DRILL,
        Kind.CONFLICT,
    }
)


def entry_text(event: Entry) -> str:
    """The entry's text, as the log shows it, for any kind that has one."""
    if event.kind not in _TEXT_BODIES:
        raise TypeError(f"a {event.kind.value} event has no text")
    return str(event.body["text"])
