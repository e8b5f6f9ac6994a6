"""`check`'s scan for channel secrets in the log, and `copy-without-secrets`, the way out."""

from __future__ import annotations

import argparse
import sys

from commander_app.cli.common import out
from commander_app.core.errors import CommanderError
from commander_app.store.incident_log import IncidentLog

SHOWN = 10  # findings listed by name; the rest are counted


def _secrets(log: IncidentLog) -> dict[str, str] | None:
    from commander_app.publish.secret_scan import known_secrets
    from commander_app.publish.secrets import SecretStore

    store = SecretStore()
    try:
        return known_secrets(log, {c: store.get(c) for c in _channel_names(log)})
    except CommanderError as exc:  # no keyring on this computer: nothing to compare with
        print(f"commander: the log was not searched for channel secrets: {exc}", file=sys.stderr)
        return None


def _channel_names(log: IncidentLog) -> list[str]:
    from commander_app.store import channels

    return [c.name for c in channels.channels(log)]


def secret_problems(log: IncidentLog) -> list[str]:
    """Where the log holds a configured channel's secret, and what to do about it."""
    from commander_app.publish.secret_scan import find_secrets

    secrets = _secrets(log)
    if not secrets:
        return []
    found = find_secrets(log, secrets)
    if not found:
        return []
    problems = [f.describe() for f in found[:SHOWN]]
    if len(found) > SHOWN:
        problems.append(f"and {len(found) - SHOWN} more rows hold a channel secret")
    problems.append(
        "entries cannot be edited: replace the secret at the service (it has been seen), "
        "then `commander copy-without-secrets NEW.db` writes a copy of this log with every "
        "secret blanked; use the copy, and keep the old file and its backups safe or destroy them"
    )
    return problems


def cmd_copy_without_secrets(log: IncidentLog, args: argparse.Namespace) -> int:
    from commander_app.publish.secret_scan import copy_without_secrets

    secrets = _secrets(log)
    if secrets is None:
        return 1
    incidents, events = copy_without_secrets(log, args.target, secrets)
    out(
        f"Wrote {args.target}: {incidents} incidents, {events} entries, the secrets of "
        f"{len(secrets)} channel(s) blanked. Use it with --db {args.target} or move it over "
        f"{log.path} once nothing has it open."
    )
    return 0
