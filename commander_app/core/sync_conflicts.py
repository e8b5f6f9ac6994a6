"""Conflicts of meaning between laptops' logs, found in the merged events.

Merging two logs is a union of immutable events, so nothing conflicts in storage; what
can conflict is what the events mean. Laptop clocks drift, so "neither knew of the
other" is read from `seen` (`core.conflict_bodies`), never from times: two events
about the same thing that name the same `seen` were each written without the other.
An event without `seen` (an older Commander's) never makes a conflict.

The four conflicts, exactly:

- Two holders of a role ("two commanders"): two assignments of the same role
  (assigned, or a handoff accepted) from different devices with the same `seen` (the
  newest assignment of that role their log held, None for none), naming different people.
- Two status-page incidents: sent updates of one incident through the same channel
  that carry different `remote_incident_id`s: each laptop created its own remote incident.
- An action item changed two ways: two changes of the same item (same `ref`) from
  different devices with the same `seen` (the newest event of the item, the item
  itself when it had no change yet) that disagree: one closes it (done, won't do) while
  the other reopens it or gives it an owner or a due date, or both set the state, the
  owner or the due date to different values.
- A decision taken twice: two production-change decisions of the same kind (two
  rollbacks, two failovers) from different devices with the same `seen` (the newest
  production-change decision their log held, None for none): the same checklist round,
  so the same question, answered twice. They conflict even when their words agree: the
  change may have been made twice.

A conflict's key is made from its events' ids, so every laptop names it the same; a
conflict event with that key settles it, and a conflict that gains an event (a third
laptop) has a new key and shows again.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from commander_app.core.board import summary
from commander_app.core.bodies import read_comms, read_conflict
from commander_app.core.conflict_bodies import subject_of
from commander_app.core.model import CLOSED, CommsAction, Event, FollowUpState, Kind, story_order
from commander_app.core.times import from_iso

_CLOSED_VALUES = frozenset(state.value for state in CLOSED)


class ConflictKind(StrEnum):
    ROLE = "role"
    STATUS_PAGE = "status_page"
    ACTION = "action"
    DECISION = "decision"


@dataclass(frozen=True)
class Side:
    """One side of a conflict: the event, who wrote it, where, when, and what it says."""

    event_id: str
    author: str
    device_id: str
    occurred_at: str
    says: str

    def told(self) -> str:
        return f"{self.says} ({self.author} on {self.device_id}, {_when(self.occurred_at)})"


@dataclass(frozen=True)
class Conflict:
    key: str
    kind: ConflictKind
    incident_id: str
    title: str  # "Two commanders"
    sentence: str  # both sides in the user's words
    sides: tuple[Side, ...]
    role: str | None = None  # a role conflict's role
    item: str | None = None  # an action conflict's item id
    channel: str | None = None  # a status-page conflict's channel
    remote_ids: tuple[str, ...] = ()  # a status-page conflict's incidents, side by side

    @property
    def event_ids(self) -> tuple[str, ...]:
        return tuple(side.event_id for side in self.sides)

    def side(self, event_id: str) -> Side | None:
        wanted = event_id.strip().upper()
        return next((s for s in self.sides if s.event_id == wanted), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind.value,
            "incident_id": self.incident_id,
            "title": self.title,
            "sentence": self.sentence,
            "sides": [
                {
                    "event_id": s.event_id,
                    "author": s.author,
                    "device_id": s.device_id,
                    "occurred_at": s.occurred_at,
                    "says": s.says,
                }
                for s in self.sides
            ],
            "role": self.role,
            "item": self.item,
            "channel": self.channel,
            "remote_incident_ids": list(self.remote_ids),
        }


def find_conflicts(events: Iterable[Event]) -> list[Conflict]:
    """Every unsettled conflict in one incident's events, oldest first."""
    ordered = sorted(events, key=story_order)
    settled = {
        read_conflict(e)["key"]
        for e in ordered
        if e.kind is Kind.CONFLICT and e.body.get("action") == "settled"
    }
    found = [
        *_role_conflicts(ordered),
        *_status_page_conflicts(ordered),
        *_action_conflicts(ordered),
        *_decision_conflicts(ordered),
    ]
    live = [c for c in found if c.key not in settled]
    return sorted(live, key=lambda c: min(s.occurred_at for s in c.sides))


def _forks(events: Sequence[Event], what: str) -> dict[tuple[str, str | None], list[Event]]:
    """Events about the same thing written on the same `seen`, grouped."""
    groups: dict[tuple[str, str | None], list[Event]] = defaultdict(list)
    for event in events:
        if "seen" not in event.body:
            continue
        subject = subject_of(event.kind, event.body)
        if subject is None or subject.what != what:
            continue
        seen = event.body.get("seen")
        groups[(subject.name, str(seen) if seen is not None else None)].append(event)
    return {k: v for k, v in groups.items() if len({e.device_id for e in v}) > 1}


def _role_conflicts(events: Sequence[Event]) -> list[Conflict]:
    conflicts = []
    for (role, _seen), group in _forks(events, "role").items():
        if len({str(e.body.get("person")) for e in group}) < 2:
            continue  # both laptops named the same person: they agree
        label = role.replace("_", " ")
        sides = tuple(_side(e, f"{e.body.get('person')} as {label}") for e in group)
        title = f"Two {label}s" if len(sides) == 2 else f"{len(sides)} {label}s"
        conflicts.append(
            Conflict(
                _key("role", sides),
                ConflictKind.ROLE,
                group[0].incident_id,
                title,
                f"{title}: " + _both(sides) + "; neither laptop knew of the other.",
                sides,
                role=role,
            )
        )
    return conflicts


def _status_page_conflicts(events: Sequence[Event]) -> list[Conflict]:
    firsts: dict[str, dict[str, Event]] = defaultdict(dict)  # channel -> remote id -> first
    for event in events:
        if event.kind is not Kind.COMMS:
            continue
        body = read_comms(event)
        remote, channel = body.get("remote_incident_id"), body.get("channel")
        if body.get("action") != CommsAction.SENT or not remote or not channel:
            continue
        firsts[channel].setdefault(remote, event)
    conflicts = []
    for channel, by_remote in firsts.items():
        if len(by_remote) < 2:
            continue
        remotes = tuple(by_remote)
        sides = tuple(_side(e, f"remote incident {remote}") for remote, e in by_remote.items())
        conflicts.append(
            Conflict(
                _key("status-page", sides),
                ConflictKind.STATUS_PAGE,
                by_remote[remotes[0]].incident_id,
                f"Two status-page incidents on {channel}",
                f"Two incidents were opened on the channel {channel} for this one: "
                + _both(sides)
                + ". Keep one; resolve the other on the status page by hand.",
                sides,
                channel=channel,
                remote_ids=remotes,
            )
        )
    return conflicts


def action_effect(body: Mapping[str, Any]) -> dict[str, str]:
    """What a change does to its item, in the fields two changes can disagree on."""
    effect: dict[str, str] = {}
    state = body.get("state")
    if state is None and body.get("done") is not None:
        state = FollowUpState.DONE.value if body["done"] else FollowUpState.OPEN.value
    if state is not None:
        effect["state"] = str(state)
    for name in ("owner", "due"):
        if body.get(name) is not None:
            effect[name] = str(body[name])
    return effect


def _disagree(one: dict[str, str], other: dict[str, str]) -> bool:
    if any(one[name] != other[name] for name in one.keys() & other.keys()):
        return True
    for closing, changing in ((one, other), (other, one)):
        if closing.get("state") in _CLOSED_VALUES and ("owner" in changing or "due" in changing):
            return True
    return False


def _says(body: Mapping[str, Any]) -> str:
    effect = action_effect(body)
    parts = []
    if "state" in effect:
        parts.append(
            {"done": "closes it (done)", "wont": "drops it (won't do)"}.get(
                effect["state"], f"moves it to {effect['state'].replace('_', ' ')}"
            )
        )
    if "owner" in effect:
        parts.append(f"gives it to {effect['owner']}")
    if "due" in effect:
        parts.append(f"makes it due {_when(effect['due'])}")
    return " and ".join(parts) or summary(str(body.get("text", "")), 60)


def _action_conflicts(events: Sequence[Event]) -> list[Conflict]:
    texts = {e.id: str(e.body.get("text", "")) for e in events if e.kind is Kind.ACTION}
    conflicts = []
    for (item, _seen), group in _forks(events, "item").items():
        effects = [(e, action_effect(e.body)) for e in group]
        if not any(
            a.device_id != b.device_id and _disagree(fa, fb)
            for i, (a, fa) in enumerate(effects)
            for b, fb in effects[i + 1 :]
        ):
            continue
        sides = tuple(_side(e, _says(e.body)) for e in group)
        name = summary(texts.get(item, "an action item"), 60)
        conflicts.append(
            Conflict(
                _key("action", sides),
                ConflictKind.ACTION,
                group[0].incident_id,
                "An action item changed two ways",
                f"The action item “{name}” was changed two ways: "
                + _both(sides)
                + "; neither laptop knew of the other.",
                sides,
                item=item,
            )
        )
    return conflicts


def _decision_conflicts(events: Sequence[Event]) -> list[Conflict]:
    by_kind: dict[tuple[str, str | None, str], list[Event]] = defaultdict(list)
    for (_name, seen), group in _forks(events, "change").items():
        for event in group:
            by_kind[(_name, seen, str(event.body.get("decision_kind")))].append(event)
    conflicts = []
    for (_name, _seen, kind), group in by_kind.items():
        if len({e.device_id for e in group}) < 2:
            continue
        sides = tuple(_side(e, f"“{summary(str(e.body.get('text', '')), 60)}”") for e in group)
        conflicts.append(
            Conflict(
                _key("decision", sides),
                ConflictKind.DECISION,
                group[0].incident_id,
                f"A {kind} decided twice",
                f"A {kind} was decided twice on the same checklist: "
                + _both(sides)
                + "; neither laptop knew of the other. Keep the decision of record; if "
                "both were carried out, review the change in the register.",
                sides,
            )
        )
    return conflicts


def _side(event: Event, says: str) -> Side:
    return Side(event.id, event.author, event.device_id, event.occurred_at, says)


def _both(sides: Sequence[Side]) -> str:
    told = [side.told() for side in sides]
    return f"{', '.join(told[:-1])} and {told[-1]}" if len(told) > 1 else told[0]


def _when(iso: str) -> str:
    return f"{from_iso(iso):%Y-%m-%d %H:%M} UTC"


def _key(prefix: str, sides: Sequence[Side]) -> str:
    """The same on every laptop: made from the events' ids alone."""
    ids = "|".join(sorted(side.event_id for side in sides))
    return f"{prefix}-{hashlib.sha256(ids.encode()).hexdigest()[:10]}"
