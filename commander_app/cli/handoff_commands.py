"""Commands on the handoff of command: the briefing, then offer and answer."""

from __future__ import annotations

import argparse

from commander_app.cli.common import author, out, target
from commander_app.core.bodies import read_role
from commander_app.core.events import event_text
from commander_app.store import environment, handoff
from commander_app.store.incident_log import IncidentLog


def cmd_briefing(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    out(handoff.briefing(log, incident.id, local_zone=environment.local_zone()))
    return 0


def cmd_handoff(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    writer = author(args)
    if args.step == "offer":
        event = handoff.offer_handoff(
            log, incident.id, args.person, author=writer, local_zone=environment.local_zone()
        )
        person = read_role(event)["person"]
        out(f"{incident.title}: command offered to {person}.")
        out(f"{person} takes it with `commander handoff accept`. The briefing handed over:\n")
        out(read_role(event).get("briefing") or "")
        return 0
    answer = {
        "accept": handoff.accept_handoff,
        "decline": handoff.decline_handoff,
        "cancel": handoff.cancel_handoff,
    }[args.step]
    event = answer(log, incident.id, author=writer)
    out(f"{incident.title}: {event_text(event.kind, event.body)}")
    return 0
