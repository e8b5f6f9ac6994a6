"""`commander runbook draft-update NAME|--new [--incident ID] [-o FILE|--apply]`: the
runbook's update from what an incident ran, as a diff to review; `--apply` writes it
over the file only if the file is still the one the diff was made from."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from commander_app.cli.common import out
from commander_app.cli.runbook_commands import refreshed_folder
from commander_app.core.errors import ValidationError
from commander_app.core.runbook_draft import RunbookDraft
from commander_app.store import environment
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_draft import (
    draft_for,
    last_incident_of,
    new_draft,
    save_runbook,
)
from commander_app.store.runbooks import find_runbook, shipped_folder


def cmd_draft_update(log: IncidentLog, args: argparse.Namespace) -> int:
    if args.new == bool(args.name):
        raise ValidationError("Name the runbook to update, or --new for a new one (not both).")
    if args.apply and args.output:
        raise ValidationError("Either -o FILE or --apply, not both.")
    folder = refreshed_folder(log, args)
    if args.new:
        incident = log.find_incident(args.incident, resolved_too=True)
        draft = new_draft(log, incident.id)
        path = folder / f"{draft.name}.md"
    else:
        indexed = find_runbook(log.conn, args.name)
        incident_id = args.incident and log.find_incident(args.incident, resolved_too=True).id
        incident_id = incident_id or last_incident_of(log.conn, indexed.name)
        if incident_id is None:
            raise ValidationError(
                f"No incident in this log followed a step of {indexed.name}: "
                "name one with --incident ID."
            )
        draft = draft_for(log, indexed, incident_id)
        path = indexed.path
    if args.output:
        _write_out(args.output, draft.after)
    elif args.apply:
        _apply(draft, path, folder, args.base)
    elif not draft.changed:
        out(f"Nothing to update in {draft.name}: no step of it was followed in the incident.")
    else:
        # For review on a terminal: a CRLF file's line ends are not shown (-o and --apply
        # keep them).
        sys.stdout.write(draft.diff().replace("\r\n", "\n"))
    for line in draft.summary:
        print(f"commander: {line}", file=sys.stderr)
    return 0


def _write_out(name: str, text: str) -> None:
    if name == "-":
        if sys.stdout.isatty():  # read on a terminal: control characters made visible
            sys.stdout.write(text)
            return
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))  # piped: the file's bytes exactly
        sys.stdout.buffer.flush()
        return
    try:
        environment.write_atomically(Path(name), text)
    except OSError as exc:
        raise ValidationError(f"Cannot write {name}: {exc.strerror}.") from None


def _apply(draft: RunbookDraft, path: Path, folder: Path, base: str | None) -> None:
    """Over the bytes the draft was made from, or those the reviewed diff names (--base)."""
    if folder == shipped_folder().absolute():
        raise ValidationError(
            "These are the shipped example runbooks: copy them into your own folder "
            "(COMMANDER_RUNBOOKS or runbooks.toml) to change them."
        )
    if not draft.changed:
        out(f"Nothing to update in {draft.name}.")
        return
    if base and draft.base_sha256 and base != draft.base_sha256:
        raise ValidationError(
            f"{path} changed since the diff you reviewed was made (sha256 {base[:12]}…): "
            "nothing was written. Run draft-update again and review the new diff."
        )
    save_runbook(path, draft.after, draft.base_sha256)
    out(f"Updated {path}: review it, then set last_reviewed.")
