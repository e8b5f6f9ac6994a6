"""The fields that let two laptops' logs tell a conflict from a sequence, checked strictly.

`seen` is written on a role assignment, an action item's change and a production-change
decision: the id of the newest event about the same thing (the role, the item, the
checklist round) the writer's log held, or None when it held none. A conflict event
settles one conflict (`core.sync_conflicts`) by naming the event whose side stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commander_app.core.bodies import ConflictBody
from commander_app.core.errors import ValidationError
from commander_app.core.events import MAX_FACT, clean_name, clean_text
from commander_app.core.ids import check_ulid
from commander_app.core.model import CHANGE_KINDS, Kind, RoleChange

MAX_KEY = 40
_CHANGE_KIND_VALUES = frozenset(kind.value for kind in CHANGE_KINDS)
_COMMAND_CHANGES = frozenset({RoleChange.ASSIGNED.value, RoleChange.HANDOFF_ACCEPTED.value})


@dataclass(frozen=True)
class Subject:
    """What an event with `seen` is about: a role, an action item, or the next change."""

    what: str  # "role", "item" or "change"
    name: str  # the role, the item's id, or "" for the next production change


def subject_of(kind: Kind, body: Mapping[str, Any]) -> Subject | None:
    """The thing whose newest event the writer names in `seen`, or None for an event
    that is about nothing two laptops could do twice."""
    if kind is Kind.ROLE and body.get("action", RoleChange.ASSIGNED.value) in _COMMAND_CHANGES:
        return Subject("role", str(body.get("role")))
    if kind is Kind.ACTION and body.get("ref") is not None:
        return Subject("item", str(body["ref"]))
    if (
        kind is Kind.DECISION
        and body.get("ref") is None
        and body.get("decision_kind") in _CHANGE_KIND_VALUES
    ):
        return Subject("change", "")
    return None


def check_seen(body: dict[str, object]) -> None:
    """`seen` is absent (an older Commander), None (nothing seen) or an event id."""
    if body.get("seen") is not None:
        body["seen"] = check_ulid(body["seen"], "id of the newest event its writer had seen")


def check_remote_incident(body: dict[str, object]) -> None:
    """A sent update's incident on the channel (a status page's incident id)."""
    if body.get("remote_incident_id") is not None:
        body["remote_incident_id"] = clean_name(body["remote_incident_id"], "remote incident id")


def check_conflict_body(body: dict[str, object]) -> None:
    if body.get("action") != "settled":
        raise ValidationError("A conflict event must be 'settled'.")
    key = body.get("key")
    if not isinstance(key, str) or not key or len(key) > MAX_KEY or not key.isascii():
        raise ValidationError("A settled conflict must name its key (short text).")
    body["keep"] = check_ulid(body.get("keep"), "id of the event kept")
    clean_text(body.get("text"), "conflict text")
    if body.get("reason") is not None:
        body["reason"] = clean_text(body["reason"], "reason", MAX_FACT)
    if body.get("channel") is not None:
        clean_name(body["channel"], "channel")
    check_remote_incident(body)
    if (body.get("channel") is None) != (body.get("remote_incident_id") is None):
        raise ValidationError("A settled status-page conflict names its channel and incident.")


def settle_body(
    key: str,
    keep: str,
    text: str,
    *,
    reason: str | None = None,
    channel: str | None = None,
    remote_incident_id: str | None = None,
) -> ConflictBody:
    body: ConflictBody = {"action": "settled", "key": key, "keep": keep, "text": text}
    if reason is not None and reason.strip():
        body["reason"] = clean_text(reason, "reason", MAX_FACT)
        body["text"] = f"{text} — {body['reason']}"
    if channel is not None and remote_incident_id is not None:
        body["channel"] = clean_name(channel, "channel")
        body["remote_incident_id"] = clean_name(remote_incident_id, "remote incident id")
    return body
