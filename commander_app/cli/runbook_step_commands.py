"""`commander runbook step NAME N done|wrong|escalate`: a runbook's step followed in the
incident, written to its timeline with the runbook's version."""

from __future__ import annotations

import argparse

from commander_app.cli.common import author, out, read_text, target
from commander_app.cli.runbook_commands import refreshed_folder
from commander_app.core.errors import ValidationError
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_steps import record_done, record_escalation, record_wrong
from commander_app.store.runbooks import find_runbook


def cmd_step(log: IncidentLog, args: argparse.Namespace) -> int:
    refreshed_folder(log, args)
    indexed = find_runbook(log.conn, args.name)
    incident = target(log, args)
    who = author(args)
    if args.what == "done":
        output = read_text(args.output_file) if args.output_file else ""
        event = record_done(log, incident.id, indexed, args.number, output, author=who)
        out(event.id)
    elif args.what == "wrong":
        if not args.note:
            raise ValidationError("Say what is wrong with the step: --note TEXT.")
        flag, action = record_wrong(log, incident.id, indexed, args.number, args.note, author=who)
        out(flag.id)
        out(f"follow-up {action.id}: {action.body['text']}")
    else:
        event = record_escalation(log, incident.id, indexed, args.number, author=who, to=args.to)
        out(event.id)
        out(
            f"Escalated to {event.body['escalate_to']}. To give them a role: "
            f'`commander role ROLE "{event.body["escalate_to"]}"`.'
        )
    return 0


def cmd_suggest(log: IncidentLog, args: argparse.Namespace) -> int:
    from commander_app.store.runbook_suggestions import suggest_runbooks

    refreshed_folder(log, args)
    incident = log.find_incident(args.incident)
    found = suggest_runbooks(log, incident.id)
    if not found:
        out("No runbook matches this incident: `commander runbook search WORDS` looks further.")
    for suggestion in found:
        runbook = suggestion.runbook.runbook
        title = runbook.title if runbook and runbook.title else suggestion.runbook.name
        out(f"{suggestion.runbook.name}  {title}  ({suggestion.why})")
    return 0
