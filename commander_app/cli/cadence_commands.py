"""Commands on the stakeholder-update cadence: where it stands, a send, a snooze."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from commander_app.cli.common import at, author, due, out, read_text, target
from commander_app.core.bodies import entry_text
from commander_app.core.cadence import Audience, AudienceCadence, CadenceStatus
from commander_app.core.countdown import countdown
from commander_app.core.errors import CommanderError
from commander_app.core.model import IncidentState
from commander_app.core.times import to_iso
from commander_app.store import cadence, environment
from commander_app.store.incident_log import IncidentLog

_STATUS_WORDS = {
    CadenceStatus.ON_TIME: "on time",
    CadenceStatus.DUE_SOON: "due soon",
    CadenceStatus.OVERDUE: "OVERDUE",
    CadenceStatus.SNOOZED: "snoozed",
    CadenceStatus.RESOLVED_FINAL_DUE: "resolved: final update due",
    CadenceStatus.DONE: "resolved: final update sent",
    CadenceStatus.NOT_SCHEDULED: "not scheduled",
}


def cmd_cadence(log: IncidentLog, args: argparse.Namespace) -> int:
    policy = cadence.load_policy()
    if args.policy:
        out(json.dumps(policy.to_dict(), indent=2, ensure_ascii=False))
        return 0
    incident = log.find_incident(args.incident)
    now = log.clock.now()
    rows = cadence.cadence(log, incident.id, policy, now)
    kept = cadence.adherence(log, incident.id, policy, now)
    if args.json:
        document = {
            "incident": incident.id,
            "severity": incident.severity.value,
            "status": incident.status.value,
            "now": to_iso(now),
            "audiences": [row.to_dict() for row in rows],
            "adherence": {
                audience.value: {"due": a.due, "on_time": a.on_time, "ratio": a.ratio}
                for audience, a in kept.items()
            },
        }
        out(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    out(f"{incident.title} ({incident.severity.value}, {incident.status.value})")
    if not rows:
        out(f"No stakeholder updates are scheduled at {incident.severity.value}.")
    for row in rows:
        out(describe(row, now))
    counted = [f"{a.value} {k.on_time} of {k.due}" for a, k in kept.items() if k.due]
    if counted:
        out("On time so far: " + ", ".join(counted))
    return 0


def describe(row: AudienceCadence, now: datetime) -> str:
    """'executives  overdue 22 min (was due 02:38)  OVERDUE': one audience on a line, in the
    window's wording (`core.countdown`)."""
    status = _STATUS_WORDS[row.status]
    if row.due_at is None or row.seconds_left is None:
        return f"{row.audience.value:<11} {'':<30} {status}"
    shown = countdown(row, now, environment.local_zone())
    state = shown.state + (f" (was due {shown.due})" if shown.overdue else "")
    if row.promised:
        state += " (promised)"
    if row.snooze_reason:
        status += f": {row.snooze_reason}"
    return f"{row.audience.value:<11} {state:<30} {status}"


def cmd_sent(log: IncidentLog, args: argparse.Namespace) -> int:
    audience = Audience.parse(args.audience)
    text = args.text if args.text is not None else read_text(args.text_file)
    promise = due(log, args.next_update)
    incident = target(log, args)
    cadence.record_sent(
        log,
        incident.id,
        audience,
        text,
        next_update_at=promise,
        channel=args.channel,
        author=author(args),
        at=at(log, args),
    )
    out(f"{incident.title}: update to {audience.value} logged.")
    _report_next(log, incident, audience)
    return 0


def _report_next(log: IncidentLog, incident: IncidentState, audience: Audience) -> None:
    """The next due time; the send is already safe, so a bad policy file only warns."""
    try:
        policy = cadence.load_policy()
    except CommanderError as exc:
        print(f"commander: warning: {exc}", file=sys.stderr)
        return
    now = log.clock.now()
    for row in cadence.cadence(log, incident.id, policy, now):
        if row.audience is audience and row.due_at is not None:
            out(describe(row, now))


def cmd_snooze(log: IncidentLog, args: argparse.Namespace) -> int:
    audience = Audience.parse(args.audience)
    policy = cadence.load_policy()
    incident = target(log, args)
    event = cadence.snooze(
        log,
        incident.id,
        audience,
        args.minutes,
        args.reason,
        policy=policy,
        author=author(args),
    )
    out(f"{incident.title}: {entry_text(event)}")
    now = log.clock.now()
    for row in cadence.cadence(log, incident.id, policy, now):
        if row.audience is audience:
            out(describe(row, now))
    return 0
