"""Tamper evidence: each event carries a link chaining it to the previous event its
device wrote in the same incident.

A link is `sha256(previous link + canonical form of the event)`, and names the
previous event by id. The chain is per (incident, device) because only the device
that writes an event knows what it wrote before: a laptop appends to its own chains
only, an import copies other devices' events with the links they were made with, and
a union of two logs holds every event of each chain together with its predecessor
(an export carries a whole incident). Verifying needs no order: each event is checked
against its predecessor's stored link, so a merged log verifies whatever order its
rows arrived in. A log restored from a backup that goes on writing may give one event
two successors; each still checks against its predecessor, so a fork is no alarm.

What it proves: an event changed by hand (a body rewritten with the triggers dropped)
no longer matches its link, and one removed from the middle of a chain leaves its
successor pointing at nothing. What it cannot prove: someone who rewrites the event
and recomputes every later link of its chain (the method is no secret) forges a chain
that verifies; so does one who removes the newest events of a chain. Without a
signature, a chain detects edits by hand, not a determined forger.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from commander_app.core.ids import check_ulid
from commander_app.core.model import Event

__all__ = [
    "ChainLink",
    "Predecessor",
    "broken_link",
    "canonical_event",
    "chain_hash",
    "link_dict",
    "next_link",
    "parse_link",
    "unverifiable",
]


# One encoder for every event: `json.dumps` with options builds a new one on each call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


class ChainLink(NamedTuple):
    """What an event stores of its chain: the event before it (None for the first of its
    chain) and its own link, which covers the event and the link before it."""

    prev: str | None
    hash: str


def canonical_event(event: Event, prev: str | None) -> bytes:
    """The event as one exact byte string: sorted keys, no whitespace, ASCII escapes
    (a lone surrogate in a text still encodes), the same on every laptop."""
    document: dict[str, Any] = {
        "id": event.id,
        "incident_id": event.incident_id,
        "kind": event.kind.value,
        "body": event.body,
        "author": event.author,
        "device_id": event.device_id,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "supersedes": event.supersedes,
        "chain_prev": prev,
    }
    return _CANONICAL.encode(document).encode("ascii")


def chain_hash(event: Event, prev: str | None, prev_hash: str | None) -> str:
    import hashlib  # on the first entry written: the window's first paint does without it

    digest = hashlib.sha256((prev_hash or "").encode("ascii") + b"\n")
    digest.update(canonical_event(event, prev))
    return digest.hexdigest()


def next_link(event: Event, tip: ChainLink | None, tip_id: str | None) -> ChainLink:
    """The link of a new event written after `tip_id` (the newest event of its chain,
    whose link is `tip`), or the first link of a chain."""
    if tip is None or tip_id is None:
        return ChainLink(None, chain_hash(event, None, None))
    return ChainLink(tip_id, chain_hash(event, tip_id, tip.hash))


class Predecessor(NamedTuple):
    """What verifying an event needs of the event before it."""

    incident_id: str
    device_id: str
    hash: str | None


def broken_link(
    event: Event, link: ChainLink, predecessors: Mapping[str, Predecessor]
) -> str | None:
    """Why `event` does not match its link, in words, or None when it does.

    `predecessors` maps event ids to what is known of them (the rest of the bundle or
    of the log). A predecessor that is known but has no link of its own (it came
    through an older Commander) leaves the event unverifiable, not broken: see
    `unverifiable`."""
    if link.prev is None:
        expected = chain_hash(event, None, None)
    else:
        before = predecessors.get(link.prev)
        if before is None:
            return f"the entry before it ({link.prev}) is missing: an entry was removed"
        if before.incident_id != event.incident_id or before.device_id != event.device_id:
            return f"it names {link.prev}, of another incident or device, as the entry before it"
        if before.hash is None:
            return None
        expected = chain_hash(event, link.prev, before.hash)
    if expected != link.hash:
        return "its content no longer matches its chain link: it was changed after it was written"
    return None


def unverifiable(link: ChainLink, predecessors: Mapping[str, Predecessor]) -> bool:
    """The event follows one that has no link (it came through an older Commander)."""
    if link.prev is None:
        return False
    before = predecessors.get(link.prev)
    return before is not None and before.hash is None


def parse_link(raw: object) -> ChainLink | None:
    """A link as a bundle carries it (`{"prev": id | null, "hash": hex}`), or None for
    an event without one; ValueError (or ValidationError for the id) for anything else."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"prev", "hash"}:
        raise ValueError("its chain link is not an object with 'prev' and 'hash'.")
    prev, digest = raw["prev"], raw["hash"]
    if prev is not None:
        prev = check_ulid(prev, "previous entry of its chain link")
    if not isinstance(digest, str) or len(digest) != 64 or digest.strip("0123456789abcdef"):
        raise ValueError("its chain link is not a SHA-256 digest.")
    return ChainLink(prev, digest)


def link_dict(link: ChainLink | None) -> dict[str, str | None] | None:
    return None if link is None else {"prev": link.prev, "hash": link.hash}
