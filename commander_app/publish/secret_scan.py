"""Finding a channel's secret in a log that already holds one, and the way out.

Events cannot be edited, so a secret written by an older Commander stays in the log,
its backups and every export. `find_secrets` names where it is (for `commander check`);
`copy_without_secrets` writes a new log with every event, its secrets blanked, for the
person to use in place of the old file (which they then keep safe or destroy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from commander_app.core.bundle import parse_bundle
from commander_app.core.errors import ValidationError
from commander_app.publish.redaction import scrub, secret_fragments, secret_pattern
from commander_app.store import channels
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox_status import waiting_count

_TEXT_COLUMNS = (
    ("events", "id", "body"),
    ("outbox", "id", "last_error"),
    ("outbox", "id", "text"),
)


@dataclass(frozen=True)
class SecretFound:
    channel: str
    table: str  # "events" or "outbox"
    row_id: str

    def describe(self) -> str:
        where = "entry" if self.table == "events" else "outbox row"
        return f"{where} {self.row_id} holds the secret of channel '{self.channel}'"


def known_secrets(log: IncidentLog, secret_of: Mapping[str, str | None]) -> dict[str, str]:
    """Each configured channel's secret, where this computer has it."""
    found: dict[str, str] = {}
    for channel in channels.channels(log):
        secret = secret_of.get(channel.name)
        if secret:
            found[channel.name] = secret
    return found


def find_secrets(log: IncidentLog, secrets: Mapping[str, str]) -> list[SecretFound]:
    """Every entry and outbox row whose text holds a form of a known secret."""
    patterns = {
        name: pattern
        for name, secret in secrets.items()
        if (pattern := secret_pattern(secret_fragments(secret))) is not None
    }
    found: list[SecretFound] = []
    if not patterns:
        return found
    for table, key, column in _TEXT_COLUMNS:
        rows = log.conn.execute(f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL")
        for row_id, text in rows:
            for name, pattern in patterns.items():
                if pattern.search(str(text)):
                    found.append(SecretFound(name, table, row_id))
    return found


def copy_without_secrets(
    log: IncidentLog, target: Path, secrets: Mapping[str, str]
) -> tuple[int, int]:
    """A new log at `target` with every incident's events, each known secret blanked, and
    the channels' settings (never their secrets). Returns (incidents, events) copied.
    Blanking changes entries, so the copy's chains start anew from its own links.

    Refused while updates wait in the outbox: they would not come along."""
    waiting, _failed = waiting_count(log)
    if waiting:
        raise ValidationError(
            f"{waiting} update(s) still wait in the outbox: send or cancel them "
            "(`commander outbox`), then copy the log."
        )
    if target.exists():
        raise ValidationError(f"{target} already exists: name a new file for the copy.")
    forms = tuple(f for secret in secrets.values() for f in secret_fragments(secret))
    incidents = log.incidents(include_resolved=True)
    events = 0
    with IncidentLog(target, device_id=log.device_id, clock=log.clock) as copy:
        for incident in incidents:
            exported = export_bundle(log, incident.id)
            for entry in exported["events"]:
                entry["chain"] = None  # blanking changes entries: the copy chains them anew
            bundle = parse_bundle(scrub(exported, forms))
            events += import_bundle(copy, bundle, rechain=True).added
        for channel in channels.channels(log):
            settings = scrub(dict(channel.settings), forms)
            channels.save_channel(copy, channel.name, channel.kind, settings)
    return len(incidents), events
