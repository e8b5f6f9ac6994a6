"""Configured publishing channels: name, kind and settings, never the secret.

The secret (SMTP password, API key, webhook URL) lives in the OS keyring under the
channel's name; this table holds only what may be read by anyone with the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.outbox import WAITING
from commander_app.core.times import to_iso
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


@dataclass(frozen=True)
class StoredChannel:
    name: str
    kind: str
    settings: dict[str, Any]
    created_at: str
    updated_at: str


def check_channel_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise ValidationError(
            f"'{name}' cannot be a channel name: use up to 40 letters, digits, '.', '-' "
            "or '_', starting with a letter or digit (for example status-page or execs-mail)."
        )
    return name


def save_channel(
    log: IncidentLog,
    name: str,
    kind: str,
    settings: dict[str, Any],
    *,
    replace: bool = False,
) -> StoredChannel:
    """Add a channel, or with `replace` change one (its queued updates use the new settings)."""
    name = check_channel_name(name)
    now = to_iso(log.clock.now())
    text = json.dumps(settings, ensure_ascii=False, sort_keys=True)
    with write_transaction(log.conn):
        row = log.conn.execute("SELECT kind, created_at FROM channels WHERE name = ?", [name])
        existing = row.fetchone()
        if existing is not None and not replace:
            raise ValidationError(
                f"There is already a channel named '{name}'. Remove it first, "
                "or choose another name."
            )
        if existing is not None and existing[0] != kind:
            raise ValidationError(
                f"The channel '{name}' is {existing[0]}, not {kind}; "
                "remove it first to reuse its name."
            )
        created = existing[1] if existing is not None else now
        log.conn.execute(
            "INSERT OR REPLACE INTO channels (name, kind, settings, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [name, kind, text, created, now],
        )
    return StoredChannel(name, kind, dict(settings), created, now)


def channels(log: IncidentLog) -> list[StoredChannel]:
    rows = log.conn.execute(
        "SELECT name, kind, settings, created_at, updated_at FROM channels ORDER BY name"
    )
    return [_channel(r) for r in rows]


def channel(log: IncidentLog, name: str) -> StoredChannel:
    row = log.conn.execute(
        "SELECT name, kind, settings, created_at, updated_at FROM channels WHERE name = ?",
        [name.strip()],
    ).fetchone()
    if row is None:
        known = ", ".join(c.name for c in channels(log)) or "none yet"
        raise NotFoundError(
            f"There is no channel named '{name}' (configured: {known}). "
            "Add one with `commander channel add`."
        )
    return _channel(row)


def remove_channel(log: IncidentLog, name: str) -> StoredChannel:
    """Refused while updates wait for it: they would otherwise be lost without a word."""
    with write_transaction(log.conn):
        found = channel(log, name)
        states = ", ".join(f"'{s.value}'" for s in WAITING)
        (waiting,) = log.conn.execute(
            f"SELECT count(*) FROM outbox WHERE channel = ? AND state IN ({states})",
            [found.name],
        ).fetchone()
        if waiting:
            raise ValidationError(
                f"{waiting} update(s) are waiting to go out through '{found.name}'. "
                "Send or cancel them first (`commander outbox`)."
            )
        log.conn.execute("DELETE FROM channels WHERE name = ?", [found.name])
    return found


def _channel(row: tuple[Any, ...]) -> StoredChannel:
    return StoredChannel(row[0], row[1], json.loads(row[2]), row[3], row[4])
