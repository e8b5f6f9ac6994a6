"""The incident board: who owns which hypothesis, what was found, decided and still to do.

A fold over the incident's hypothesis, finding, action and decision events.
An entry and its corrections are one item, named by the first entry's id;
updates (a state change, a completed action) point at it with `ref`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from commander_app.core.bodies import (
    ActionBody,
    AuthorityBody,
    DecisionBody,
    FindingBody,
    HypothesisBody,
    TrackerBody,
    read_action,
    read_board,
    read_decision,
    read_finding,
    read_hypothesis,
)
from commander_app.core.errors import ValidationError
from commander_app.core.events import clean_name, clean_text
from commander_app.core.item_numbers import find_item, number_items
from commander_app.core.model import (
    BOARD_KINDS,
    CHANGE_KINDS,
    CLOSED,
    Ack,
    DecisionKind,
    Entry,
    FollowUpState,
    FollowUpType,
    HypothesisState,
    Kind,
    Outcome,
    Priority,
    story_order,
)
from commander_app.core.times import from_iso, to_iso

SUMMARY_LENGTH = 120

_Item = TypeVar("_Item")


@dataclass
class Finding:
    id: str
    text: str
    author: str
    found_at: str
    hypothesis_id: str | None = None  # None: not linked to a hypothesis on the board


@dataclass
class Hypothesis:
    id: str
    text: str
    owner: str | None
    author: str
    opened_at: str
    state: HypothesisState = HypothesisState.INVESTIGATING
    state_changed_at: str = ""  # when it entered its current state (opened_at at first)
    confirmed_at: str | None = None  # set while it stands confirmed
    findings: list[Finding] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.state is HypothesisState.INVESTIGATING


@dataclass
class Action:
    """A task on the board; written as a follow-up (`core.follow_ups`) it is also a
    commitment tracked after the incident. Older actions have only the first fields."""

    id: str
    text: str
    owner: str | None
    due: str | None  # UTC ISO-8601
    author: str
    opened_at: str
    done_at: str | None = None  # when it was done, or dropped (won't do)
    state: FollowUpState = FollowUpState.OPEN
    ack: Ack | None = None  # None: nobody owns it, or it predates acknowledgement
    follow_up: bool = False  # written as a commitment (type, priority, due from severity)
    type: FollowUpType | None = None
    priority: Priority | None = None
    factor: str | None = None  # the postmortem's contributing factor it answers
    symptom: bool = False
    class_owner: str | None = None
    twin: str | None = None
    evidence: str | None = None
    reason: str | None = None  # why it was declined or dropped
    # Its issues on trackers by channel, as last seen there (`core.tracker`).
    trackers: dict[str, TrackerBody] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.state is FollowUpState.DONE

    @property
    def closed(self) -> bool:
        return self.state in CLOSED


@dataclass
class Decision:
    id: str
    text: str
    author: str
    decided_at: str
    options: list[str] = field(default_factory=list)
    reversible: bool | None = None  # None: not said
    # The decision record (decisions written before it existed have none of these).
    decision_kind: DecisionKind | None = None
    role: str | None = None  # the decider's role in the incident, when they held one
    authority: AuthorityBody | None = None  # the matrix row it rested on, or the override
    objections: list[str] = field(default_factory=list)
    expect_minutes: int | None = None
    outcome: Outcome | None = None
    outcome_note: str | None = None
    outcome_at: str | None = None
    outcome_by: str | None = None
    asked_at: str | None = None  # when Commander asked "did it work?" in the log

    @property
    def is_change(self) -> bool:
        """A change to production: it goes into the divergence register."""
        return self.decision_kind in CHANGE_KINDS

    @property
    def outcome_due_at(self) -> str | None:
        """When "did it work?" should be asked: decided_at plus the expected minutes."""
        if self.expect_minutes is None:
            return None
        return to_iso(from_iso(self.decided_at) + timedelta(minutes=self.expect_minutes))

    def outcome_due(self, now: datetime) -> bool:
        """Its expected time has come and nobody has said yet whether it worked."""
        due = self.outcome_due_at
        return self.outcome is None and due is not None and from_iso(due) <= now


@dataclass
class Board:
    hypotheses: list[Hypothesis] = field(default_factory=list)  # in order of opening
    findings: list[Finding] = field(default_factory=list)  # not linked to a hypothesis
    actions: list[Action] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)  # in story order
    aliases: dict[str, str] = field(default_factory=dict)  # a correction id -> its item id
    numbers: dict[str, str] = field(default_factory=dict)  # item id -> "H2" (`item_numbers`)

    def number(self, item_id: str) -> str:
        """The item's short number ("H2"), "" for an id that is not an item here."""
        return self.numbers.get(self.aliases.get(item_id, item_id), "")

    def hypothesis(self, event_id: str) -> Hypothesis | None:
        item_id = self.aliases.get(event_id, event_id)
        return next((h for h in self.hypotheses if h.id == item_id), None)

    def action(self, event_id: str) -> Action | None:
        item_id = self.aliases.get(event_id, event_id)
        return next((a for a in self.actions if a.id == item_id), None)

    def decision(self, event_id: str) -> Decision | None:
        item_id = self.aliases.get(event_id, event_id)
        return next((d for d in self.decisions if d.id == item_id), None)

    def find_decision(self, ref: str) -> Decision:
        """A decision by its number (D2), its id, a correction's id, or a unique prefix."""
        return self._find(ref, {d.id: d for d in self.decisions}, "D")

    def find_hypothesis(self, ref: str) -> Hypothesis:
        """A hypothesis by its number (H2), its id, a correction's id, or a unique prefix."""
        return self._find(ref, {h.id: h for h in self.hypotheses}, "H")

    def find_action(self, ref: str) -> Action:
        return self._find(ref, {a.id: a for a in self.actions}, "A")

    def _find(self, ref: str, by_id: dict[str, _Item], prefix: str) -> _Item:
        texts = {item_id: str(getattr(item, "text", "")) for item_id, item in by_id.items()}
        return by_id[find_item(ref, texts, prefix, self.numbers, self.aliases)]

    @property
    def open_hypotheses(self) -> list[Hypothesis]:
        return [h for h in self.hypotheses if h.is_open]

    @property
    def settled_hypotheses(self) -> list[Hypothesis]:
        """Confirmed or refuted, most recently settled first."""
        settled = [h for h in self.hypotheses if not h.is_open]
        return sorted(settled, key=lambda h: (h.state_changed_at, h.id), reverse=True)

    @property
    def open_actions(self) -> list[Action]:
        """Not done yet; the soonest due first, then those with no due time."""
        pending = [a for a in self.actions if not a.closed]
        return sorted(pending, key=lambda a: (a.due is None, a.due or "", a.opened_at, a.id))

    def overdue_actions(self, now: datetime) -> list[Action]:
        return [a for a in self.open_actions if is_overdue(a, now)]


def is_overdue(action: Action, now: datetime) -> bool:
    """Past its due time and not done; an action with no due time is never overdue."""
    return not action.closed and action.due is not None and from_iso(action.due) < now


def fold_board(events: Iterable[Entry], recorded: Mapping[str, int] | None = None) -> Board:
    """The board from an incident's events (any others are ignored), in story order.

    `recorded` gives each event's place in the log's recorded order (the store's
    `seq`), from which the items' numbers come (`item_numbers`); without it they are
    numbered by id, which is the same where every entry was written on this laptop.

    A superseded entry is ignored and its correction stands in its place. An
    update whose `ref` names no item on the board is ignored; a finding that
    names none is kept, unlinked, because what someone found must not vanish.
    """
    ordered = sorted(events, key=story_order)
    superseded = {e.supersedes for e in ordered if e.supersedes}
    roots = _roots(ordered)
    hypotheses: dict[str, Hypothesis] = {}
    actions: dict[str, Action] = {}
    decisions: dict[str, Decision] = {}
    board = Board()
    later: list[Entry] = []  # findings and updates, applied once every item is known
    # First the items, so that an update backfilled to before its item still applies.
    for event in ordered:
        kind = event.kind
        if kind not in BOARD_KINDS or event.id in superseded:
            continue
        if kind is Kind.FINDING or read_board(event).get("ref") is not None:
            later.append(event)
            continue
        item_id = roots.get(event.id, event.id)
        if kind is Kind.HYPOTHESIS:
            hypotheses[item_id] = _hypothesis(item_id, event)
        elif kind is Kind.ACTION:
            actions[item_id] = _action(item_id, event)
        else:
            decisions[item_id] = decision = _decision(item_id, event)
            board.decisions.append(decision)
    for event in later:
        ref = read_board(event).get("ref")
        target = roots.get(ref, ref) if ref is not None else None
        if event.kind is Kind.FINDING:
            linked = hypotheses.get(target) if target is not None else None
            finding = _finding(roots.get(event.id, event.id), event, linked)
            (linked.findings if linked else board.findings).append(finding)
        elif target is None:
            continue
        elif event.kind is Kind.HYPOTHESIS and target in hypotheses:
            _update_hypothesis(hypotheses[target], event)
        elif event.kind is Kind.ACTION and target in actions:
            _update_action(actions[target], event)
        elif event.kind is Kind.DECISION and target in decisions:
            _update_decision(decisions[target], event)
    board.hypotheses = sorted(hypotheses.values(), key=lambda h: (h.opened_at, h.id))
    board.actions = sorted(actions.values(), key=lambda a: (a.opened_at, a.id))
    finding_ids = {f.id for f in board.findings} | {
        f.id for h in hypotheses.values() for f in h.findings
    }
    board.aliases = {
        event_id: root
        for event_id, root in roots.items()
        if root in hypotheses or root in actions or root in decisions or root in finding_ids
    }
    board.numbers = number_items((e for e in ordered if e.kind in BOARD_KINDS), roots, recorded)
    return board


def _hypothesis(item_id: str, event: Entry) -> Hypothesis:
    body = read_hypothesis(event)
    return Hypothesis(
        item_id,
        body["text"],
        body.get("owner"),
        event.author,
        event.occurred_at,
        state_changed_at=event.occurred_at,
    )


def _action(item_id: str, event: Entry) -> Action:
    body = read_action(event)
    action = Action(
        item_id, body["text"], body.get("owner"), body.get("due"), event.author, event.occurred_at
    )
    ack = body.get("ack")
    if ack is not None:
        action.ack = Ack(ack)
    if body.get("follow_up"):
        action.follow_up = True
        kind, priority = body.get("type"), body.get("priority")
        action.type = FollowUpType(kind) if kind else None
        action.priority = Priority(priority) if priority else None
        action.factor, action.twin = body.get("factor"), body.get("twin")
        action.symptom = bool(body.get("symptom"))
        action.class_owner = body.get("class_owner")
    return action


def _decision(item_id: str, event: Entry) -> Decision:
    body = read_decision(event)
    options = list(body.get("options") or [])
    kind = body.get("decision_kind")
    return Decision(
        item_id,
        body["text"],
        event.author,
        event.occurred_at,
        options,
        body.get("reversible"),
        decision_kind=DecisionKind(kind) if kind is not None else None,
        role=body.get("role"),
        authority=body.get("authority"),
        objections=list(body.get("objections") or []),
        expect_minutes=body.get("expect_minutes"),
    )


def _update_decision(decision: Decision, event: Entry) -> None:
    """The answer to "did it work?" (the latest stands), or the log of having asked."""
    body = read_decision(event)
    outcome = body.get("outcome")
    if outcome is not None:
        decision.outcome = Outcome(outcome)
        decision.outcome_note = body.get("note")
        decision.outcome_at = event.occurred_at
        decision.outcome_by = event.author
    elif body.get("asked") is True and decision.asked_at is None:
        decision.asked_at = event.occurred_at


def _finding(item_id: str, event: Entry, linked: Hypothesis | None) -> Finding:
    hypothesis_id = linked.id if linked else None
    text = read_finding(event)["text"]
    return Finding(item_id, text, event.author, event.occurred_at, hypothesis_id)


def _roots(events: list[Entry]) -> dict[str, str]:
    """For each correction, the id of the first entry of its chain of corrections."""
    parent = {e.id: e.supersedes for e in events if e.supersedes}
    roots: dict[str, str] = {}
    for event_id in parent:
        current, seen = event_id, {event_id}
        while current in parent and parent[current] not in seen:
            current = parent[current]
            seen.add(current)
        roots[event_id] = current
    return roots


def _update_hypothesis(hypothesis: Hypothesis, event: Entry) -> None:
    body = read_hypothesis(event)
    owner = body.get("owner")
    if owner is not None:
        hypothesis.owner = owner
    written = body.get("state")
    if written is None:
        return
    state = HypothesisState(written)
    if state is hypothesis.state:
        return
    hypothesis.state = state
    hypothesis.state_changed_at = event.occurred_at
    hypothesis.confirmed_at = event.occurred_at if state is HypothesisState.CONFIRMED else None


def _update_action(action: Action, event: Entry) -> None:
    body = read_action(event)
    owner = body.get("owner")
    if owner is not None and owner != action.owner:
        action.owner = owner
        action.ack = Ack.OFFERED if action.follow_up else None  # a new owner must accept
    ack = body.get("ack")
    if ack is not None:
        action.ack = Ack(ack)
        action.reason = body.get("reason") if action.ack is Ack.DECLINED else action.reason
    due = body.get("due")
    if due is not None:
        action.due = due
    factor, class_owner, twin = body.get("factor"), body.get("class_owner"), body.get("twin")
    if factor is not None:
        action.factor = factor
    if class_owner is not None:
        action.class_owner = class_owner
    if twin is not None:
        action.twin = twin
    tracker = body.get("tracker")
    if isinstance(tracker, Mapping) and tracker.get("channel"):
        action.trackers[str(tracker["channel"])] = tracker.copy()
    state: str | None = body.get("state")
    done = body.get("done")
    if state is None and done is not None:  # written before follow-up states
        state = FollowUpState.DONE if done else FollowUpState.OPEN
    if state is None:
        return
    new = FollowUpState(state)
    if new is action.state:
        return
    action.state = new
    action.done_at = event.occurred_at if new in CLOSED else None
    evidence = body.get("evidence")
    if evidence:
        action.evidence = evidence
    if new is FollowUpState.WONT:
        action.reason = body.get("reason")


# -- the bodies of board updates: the rules a user can meet -------------------------


def summary(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """The first line, cut to fit one line of a board or briefing."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


_STATE_LABELS = {
    HypothesisState.CONFIRMED: "Confirmed",
    HypothesisState.REFUTED: "Refuted",
    HypothesisState.INVESTIGATING: "Investigating again",
}


def new_hypothesis_body(text: str, owner: str | None) -> HypothesisBody:
    """A hypothesis as opened; `owner` is a cleaned name, or None for nobody yet."""
    body: HypothesisBody = {"text": clean_text(text)}
    if owner is not None:
        body["owner"] = owner
    return body


def new_finding_body(text: str) -> FindingBody:
    """A finding; the store links it (`ref`) to the hypothesis it bears on, if one is named."""
    return {"text": clean_text(text)}


def new_action_body(text: str, owner: str | None, due: str | None) -> ActionBody:
    """A board action; `owner` is a cleaned name, `due` a UTC ISO-8601 time."""
    body: ActionBody = {"text": clean_text(text)}
    if owner is not None:
        body["owner"] = owner
    if due is not None:
        body["due"] = due
    return body


def new_decision_body(
    text: str, options: list[str] | None, reversible: bool | None
) -> DecisionBody:
    """A decision as the commander made it; `options` are cleaned texts."""
    body: DecisionBody = {"text": clean_text(text)}
    if options is not None:
        body["options"] = options
    if reversible is not None:
        body["reversible"] = reversible
    return body


def hypothesis_state_body(hypothesis: Hypothesis, state: HypothesisState) -> HypothesisBody:
    if state is hypothesis.state:
        raise ValidationError(
            f"The hypothesis '{summary(hypothesis.text, 60)}' is already {state.value}."
        )
    text = f"{_STATE_LABELS[state]}: {summary(hypothesis.text)}"
    return {"text": text, "ref": hypothesis.id, "state": state.value}


def hypothesis_owner_body(hypothesis: Hypothesis, owner: str) -> HypothesisBody:
    owner = clean_name(owner, "owner's name")
    if owner == hypothesis.owner:
        raise ValidationError(
            f"{owner} already owns the hypothesis '{summary(hypothesis.text, 60)}'."
        )
    return {
        "text": f"Owner {owner}: {summary(hypothesis.text)}",
        "ref": hypothesis.id,
        "owner": owner,
    }


def owner_missing(kind: Kind, owner: str | None) -> bool:
    """An action nobody owns is an action nobody does: it shows as "(no owner)" in every
    stakeholder update until someone is named. Hypotheses may wait for an owner."""
    return kind is Kind.ACTION and not (owner and owner.strip())


def action_done_body(action: Action) -> ActionBody:
    if action.done:
        raise ValidationError(f"The action '{summary(action.text, 60)}' is already done.")
    if action.closed:
        raise ValidationError(
            f"The action '{summary(action.text, 60)}' was dropped (won't do); reopen it first."
        )
    if action.follow_up:
        raise ValidationError(
            f"'{summary(action.text, 60)}' is a follow-up: finish it with the evidence that it "
            f"is done (`commander action done {action.id} --evidence LINK_OR_NOTE`)."
        )
    return {"text": f"Done: {summary(action.text)}", "ref": action.id, "done": True}


def action_update_body(action: Action, owner: str | None, due: str | None) -> ActionBody:
    """A new owner or due time (UTC ISO-8601); at least one must change."""
    body = cast(ActionBody, {"ref": action.id})  # its text, saying what changed, comes last
    changes = []
    if owner is not None and clean_name(owner, "owner's name") != action.owner:
        body["owner"] = clean_name(owner, "owner's name")
        changes.append(f"owner {body['owner']}")
    if due is not None and due != action.due:
        body["due"] = due
        changes.append(f"due {from_iso(due):%Y-%m-%d %H:%M} UTC")
    if not changes:
        raise ValidationError(
            f"The action '{summary(action.text, 60)}' already has that owner and due time."
        )
    body["text"] = f"Action {', '.join(changes)}: {summary(action.text)}"
    return body


def board_dict(board: Board) -> dict[str, Any]:
    """The `board` object of `show --json`: plain JSON values, times in UTC."""
    return {
        "hypotheses": [
            {
                "number": board.number(h.id),
                "id": h.id,
                "text": h.text,
                "owner": h.owner,
                "state": h.state.value,
                "author": h.author,
                "opened_at": h.opened_at,
                "state_changed_at": h.state_changed_at,
                "confirmed_at": h.confirmed_at,
                "findings": [_finding_dict(f, board) for f in h.findings],
            }
            for h in board.hypotheses
        ],
        "findings": [_finding_dict(f, board) for f in board.findings],
        "actions": [
            {
                "number": board.number(a.id),
                "id": a.id,
                "text": a.text,
                "owner": a.owner,
                "due": a.due,
                "done": a.done,
                "done_at": a.done_at,
                "author": a.author,
                "opened_at": a.opened_at,
                **_follow_up_fields(a),
            }
            for a in board.actions
        ],
        "decisions": [decision_dict(d, board) for d in board.decisions],
    }


def _follow_up_fields(action: Action) -> dict[str, Any]:
    """What a follow-up adds to an action's JSON (a plain board action has none of it)."""
    a = action
    fields: dict[str, Any] = {"state": a.state.value}
    if a.ack is not None:
        fields["ack"] = a.ack.value
    if a.follow_up:
        fields |= {
            "follow_up": True,
            "type": a.type.value if a.type else None,
            "priority": a.priority.value if a.priority else None,
            "factor": a.factor,
            "symptom": a.symptom,
            "class_owner": a.class_owner,
            "twin": a.twin,
        }
    if a.evidence:
        fields["evidence"] = a.evidence
    if a.reason:
        fields["reason"] = a.reason
    return fields


def decision_dict(decision: Decision, board: Board | None = None) -> dict[str, Any]:
    """A decision as JSON, with its number when the board it is on is given; the record's
    fields appear once it has them (older decisions keep their original shape)."""
    d = decision
    item: dict[str, Any] = {"number": board.number(d.id)} if board is not None else {}
    item |= {
        "id": d.id,
        "text": d.text,
        "options": list(d.options),
        "reversible": d.reversible,
        "author": d.author,
        "decided_at": d.decided_at,
    }
    if d.decision_kind is not None or d.outcome is not None or d.expect_minutes is not None:
        item.update(
            {
                "decision_kind": d.decision_kind.value if d.decision_kind else None,
                "decided_by": {"name": d.author, "role": d.role},
                "authority": d.authority,
                "objections": list(d.objections),
                "expect_minutes": d.expect_minutes,
                "outcome_due_at": d.outcome_due_at,
                "outcome": d.outcome.value if d.outcome else None,
                "outcome_note": d.outcome_note,
                "outcome_at": d.outcome_at,
                "outcome_by": d.outcome_by,
            }
        )
    return item


def _finding_dict(finding: Finding, board: Board) -> dict[str, Any]:
    return {
        "number": board.number(finding.id),
        "id": finding.id,
        "text": finding.text,
        "hypothesis_id": finding.hypothesis_id,
        "author": finding.author,
        "found_at": finding.found_at,
    }
