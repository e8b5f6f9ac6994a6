"""Update templates from the terminal: list them, and print a filled draft."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commander_app.cli.common import due, out
from commander_app.core.cadence import suggested_next_update
from commander_app.core.errors import ValidationError
from commander_app.core.model import Audience, IncidentState
from commander_app.core.templates import RenderedUpdate
from commander_app.core.update_facts import CarriedFact, UpdateFacts
from commander_app.store import cadence, environment
from commander_app.store import templates as template_store
from commander_app.store.cadence import load_policy, stakeholder_zone
from commander_app.store.incident_log import IncidentLog


def cmd_templates_list(log: IncidentLog, args: argparse.Namespace) -> int:
    templates = template_store.list_templates(log)
    width = max(len(t.name) for t in templates)
    for template in templates:
        phase = template.phase or "any time"
        origin = {"shipped": "", "custom": "  (yours)", "override": "  (yours, over shipped)"}
        out(
            f"{template.name:<{width}}  {template.audience:<10}  {phase:<13}"
            f"{origin[template.origin]}".rstrip()
        )
    return 0


def cmd_draft(log: IncidentLog, args: argparse.Namespace) -> int:
    """Print the filled update; a template that cannot be filled is a one-line error."""
    incident = log.find_incident(args.incident)
    rendered = render_draft(log, incident, args)
    for fact in unconfirmed_carried(log, incident, args):
        print(f"commander: note: {carried_message(log, fact)}", file=sys.stderr)
    out(rendered.as_text())
    return 0


def unconfirmed_carried(
    log: IncidentLog, incident: IncidentState, args: argparse.Namespace
) -> list[CarriedFact]:
    """The impact and workaround a draft would take from an earlier phase's update,
    neither given again (--impact, --workaround) nor confirmed with --keep-carried."""
    if getattr(args, "keep_carried", False):
        return []
    return [
        fact
        for fact in cadence.carried(log, incident.id)
        if getattr(args, fact.field, None) is None
    ]


def carried_message(log: IncidentLog, fact: CarriedFact) -> str:
    """What the terminal says about a carried fact, with the ways out."""
    source = fact.source(log.clock.now(), environment.local_zone())
    return (
        f"the {fact.field} ('{fact.value}') is carried over from {source}. Give "
        f'--{fact.field} TEXT to replace it, --{fact.field} "" to clear it, or --keep-carried '
        "to keep it."
    )


def render_draft(
    log: IncidentLog, incident: IncidentState, args: argparse.Namespace
) -> RenderedUpdate:
    """The audience's template filled from the incident and the draft options in `args`."""
    audience = Audience.parse(args.audience).value
    now = log.clock.now()
    local = environment.local_zone()
    policy = load_policy()
    due = next_update_due(log, incident, args)
    zone_name = getattr(args, "zone", None)
    readers = _zone(zone_name, local) if zone_name else stakeholder_zone(policy)
    facts = draft_facts(log, incident, args)
    return template_store.draft(
        log,
        incident.id,
        audience,
        template=args.template,
        now=now,
        next_update_due=due,
        # --first: this is the first message to the audience; else the log says whether.
        first=True if getattr(args, "first", False) else None,
        stakeholder_zone=readers,
        local_zone=local,
        workaround=facts.workaround,
        affected_services=facts.services,
        impact=facts.impact,
    )


def draft_facts(log: IncidentLog, incident: IncidentState, args: argparse.Namespace) -> UpdateFacts:
    """--impact, --workaround and --service as given, else what the last update said
    (an empty --impact "" or --workaround "" says: none now)."""
    said = cadence.facts(log, incident.id)
    impact = getattr(args, "impact", None)
    workaround = getattr(args, "workaround", None)
    return UpdateFacts.of(
        said.impact if impact is None else impact,
        said.workaround if workaround is None else workaround,
        getattr(args, "service", None) or said.services,
    )


def next_update_due(
    log: IncidentLog, incident: IncidentState, args: argparse.Namespace
) -> datetime | None:
    """--next-update if given, else the promise the cadence suggests (now + interval)."""
    now = log.clock.now()
    given = getattr(args, "next_update", None)
    if given:
        return due(log, given)
    audience = Audience.parse(args.audience)
    return suggested_next_update(incident, load_policy(), audience, now)


def _zone(name: str | None, default: tzinfo) -> tzinfo:
    if not name:
        return default
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone '{name}': use a name such as Europe/Berlin or UTC."
        ) from None
