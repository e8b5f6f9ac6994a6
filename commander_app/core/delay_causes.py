"""Why the log went quiet: a silence between two entries explained from what the log
shows on either side of it, never guessed. The words and roles it looks for are kept
here, few and in one place."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from commander_app.core.board import Board, Decision, summary
from commander_app.core.model import DecisionKind, Event, HypothesisState, Kind, Role, RoleChange
from commander_app.core.times import format_clock, format_minutes, from_iso

# What an entry says when the team is waiting on someone paged or escalated to. Kept
# small and in one place: a word here that also means something else ("status page")
# names the wrong cause.
ESCALATION_WORDS = re.compile(
    r"(?<![\w-])(paged|paging|page (?:the|them|him|her)|escalat\w*|called|calling)\b",
    re.IGNORECASE,
)
# Roles held by the one person who knows the service.
EXPERT_ROLES = frozenset({Role.SUBJECT_EXPERT.value, Role.SERVICE_OWNER.value})

# What a production change waits for authority to do, by its kind.
CHANGE_VERBS = {
    DecisionKind.ROLLBACK: "roll back",
    DecisionKind.FLAG: "flip the flag",
    DecisionKind.CONFIG: "change the config",
    DecisionKind.SCALING: "scale",
    DecisionKind.FAILOVER: "fail over",
}


# What each named cause is called where the set is summed up.
CAUSE_LABELS = {
    "refuted_hypothesis": "chasing a hypothesis later refuted",
    "authority": "waiting for authority for a production change",
    "handoff": "handing over command",
    "escalation": "waiting on an escalation",
    "expert": "waiting on the one person who knows the service",
    "silence": "no entries in the log (cause not recorded)",
}


@dataclass(frozen=True)
class Cause:
    key: str  # a key of CAUSE_LABELS
    text: str  # "chasing the refuted hypothesis H2 “…” for 34 min"


# The answers that end an offer of command, as the review words them.
_ANSWERS = {
    RoleChange.HANDOFF_ACCEPTED.value: "accepted",
    RoleChange.HANDOFF_DECLINED.value: "declined",
    RoleChange.HANDOFF_CANCELLED.value: "cancelled",
}


def explain_gap(
    a: str, b: str, events: Sequence[Event], board: Board, zone: tzinfo, *, origin: str
) -> Cause:
    """What the log shows around a silence from `a` to `b`, the first that fits of: a
    hypothesis raised before and refuted after, a production change waiting for its
    decision, a handoff of command, an escalation, an expert joining; else the silence."""

    def clock(iso: str) -> str:
        return format_clock(iso, from_iso(origin), zone)

    for h in board.hypotheses:
        if h.state is HypothesisState.REFUTED and h.opened_at <= a and h.state_changed_at >= b:
            chased = (from_iso(h.state_changed_at) - from_iso(h.opened_at)).total_seconds()
            return Cause(
                "refuted_hypothesis",
                f"chasing the refuted hypothesis {board.number(h.id)} “{summary(h.text, 60)}” "
                f"for {format_minutes(chased)}",
            )
    waited = _change_waiting(a, b, events, board)
    if waited is not None:
        decision, started = waited
        verb = CHANGE_VERBS.get(decision.decision_kind or DecisionKind.OTHER, "make the change")
        return Cause(
            "authority",
            f"waiting for authority to {verb}: checklist started {clock(started)}, "
            f"decided {clock(decision.decided_at)}",
        )
    roles = [e for e in events if e.kind is Kind.ROLE]
    for offer in roles:
        if offer.body.get("action") != RoleChange.HANDOFF_OFFERED or offer.occurred_at > a:
            continue
        answer = next(
            (e for e in roles if e.sort_key > offer.sort_key and e.body.get("action") in _ANSWERS),
            None,
        )
        if answer is not None and answer.occurred_at >= b:
            how = (
                "accepted"
                if answer.body.get("action") == RoleChange.HANDOFF_ACCEPTED
                else "declined"
            )
            return Cause(
                "handoff",
                f"handing over command: offered to {offer.body.get('person')} "
                f"{clock(offer.occurred_at)}, {how} {clock(answer.occurred_at)}",
            )
    edges = [e for e in events if e.occurred_at in (a, b)]
    for e in edges:
        text = str(e.body.get("text") or "")
        if e.kind is not Kind.COMMS and ESCALATION_WORDS.search(text):
            return Cause(
                "escalation",
                f"waiting on an escalation: “{summary(text, 60)}” at {clock(e.occurred_at)}",
            )
    for e in edges:
        if (
            e.kind is Kind.ROLE
            and e.occurred_at == b
            and e.body.get("role") in EXPERT_ROLES
            and e.body.get("action", RoleChange.ASSIGNED) == RoleChange.ASSIGNED
        ):
            role = str(e.body.get("role")).replace("_", " ")
            return Cause(
                "expert",
                f"waiting on the one person who knows the service: {e.body.get('person')} "
                f"joined as {role} {clock(b)}",
            )
    seconds = (from_iso(b) - from_iso(a)).total_seconds()
    return Cause("silence", f"no entries for {format_minutes(seconds)}")


def _change_waiting(
    a: str, b: str, events: Sequence[Event], board: Board
) -> tuple[Decision, str] | None:
    """A production change decided at or after `b` whose checklist was first ticked at or
    before `a` (ticks counted since the change before it), with that first tick."""
    ticks = sorted(e.occurred_at for e in events if e.kind is Kind.CHECKLIST)
    since = ""
    for decision in sorted((d for d in board.decisions if d.is_change), key=lambda d: d.decided_at):
        started = [t for t in ticks if since < t <= decision.decided_at]
        since = decision.decided_at
        if started and started[0] <= a and decision.decided_at >= b:
            return decision, started[0]
    return None
