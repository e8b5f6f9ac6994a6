"""`commander conflicts`: what two laptops' logs disagree on, and settling it."""

from __future__ import annotations

import argparse
import json

from commander_app.cli.common import author, out, target
from commander_app.core.sync_conflicts import Conflict
from commander_app.store import conflicts as conflict_store
from commander_app.store.incident_log import IncidentLog


def cmd_conflicts(log: IncidentLog, args: argparse.Namespace) -> int:
    if args.step == "settle":
        return _settle(log, args)
    incident = log.find_incident(args.incident, resolved_too=True)
    found = conflict_store.conflicts(log, incident.id)
    if args.json:
        document = {"incident_id": incident.id, "conflicts": [c.to_dict() for c in found]}
        out(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    if not found:
        out(f"{incident.title}: no conflicts between laptops.")
        return 0
    out(f"{incident.title}: {len(found)} conflict{'s' if len(found) != 1 else ''} to settle.")
    for conflict in found:
        out("")
        out(_told(conflict))
    return 0


def _told(conflict: Conflict) -> str:
    lines = [f"{conflict.key}  {conflict.title}", f"  {conflict.sentence}"]
    for side in conflict.sides:
        lines.append(f"  keep {side.event_id}: {side.says}")
    lines.append(f"  Settle: commander conflicts settle {conflict.key} --keep EVENT_ID")
    return "\n".join(lines)


def _settle(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args, resolved_too=True)
    event = conflict_store.settle(
        log, incident.id, args.key, args.keep, author=author(args), reason=args.reason
    )
    out(f"{incident.title}: {event.body['text']}")
    return 0
