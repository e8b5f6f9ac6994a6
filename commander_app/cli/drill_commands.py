"""`commander drill ...`: a tabletop exercise from a terminal — the facilitator's view.

list, check, start, status, fire, skip, delay, pause, resume, tick (fire what is due
now: what a facilitator's loop or the window's timer calls) and outbox (what the drill
would have sent).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from commander_app.cli.common import author, out
from commander_app.core.drill_schedule import DrillSchedule, ScheduledInject
from commander_app.core.times import format_clock, to_iso
from commander_app.store import drill_outbox, drill_scenarios, drills, environment
from commander_app.store.incident_log import IncidentLog


def _incident_id(log: IncidentLog, ref: str | None) -> str | None:
    """A drill incident by id or id prefix; None: the most recent open drill."""
    if not ref:
        return None
    return log.find_incident(ref, resolved_too=True).id


def cmd_list(log: IncidentLog, args: argparse.Namespace) -> int:
    for found in drill_scenarios.scenario_files():
        reading = found.reading()
        where = "shipped" if found.origin == drill_scenarios.SHIPPED else found.origin
        if reading.scenario is None:
            out(f"{found.name}  ({where}) cannot be run: {len(reading.blocking)} problems "
                f"(`commander drill check {found.name}`)")  # fmt: skip
            continue
        setup = reading.scenario.setup
        out(f"{found.name}  {setup.severity.value}  {len(reading.scenario.injects)} injects  "
            f"({where})  {setup.title}")  # fmt: skip
        if reading.scenario.summary:
            out(f"    {reading.scenario.summary}")
    print(f"Your team's own scenarios go in {drill_scenarios.drills_folder()}.", file=sys.stderr)
    return 0


def cmd_check(log: IncidentLog, args: argparse.Namespace) -> int:
    """Every problem with its line; exit 1 when the scenario cannot be run."""
    found = drill_scenarios.scenario_file(args.file)
    reading = found.reading()
    label = found.origin if found.origin != drill_scenarios.SHIPPED else f"{found.name} (shipped)"
    if args.json:
        out(json.dumps({
            "file": label,
            "digest": reading.digest,
            "usable": reading.scenario is not None,
            "injects": len(reading.scenario.injects) if reading.scenario else 0,
            "problems": [
                {"line": p.line, "blocking": p.blocking, "text": p.text} for p in reading.problems
            ],
        }, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        for problem in reading.problems:
            at = f"{label}:{problem.line}" if problem.line else label
            out(f"{at}: {'error' if problem.blocking else 'note'}: {problem.text}")
        verdict = "cannot be run" if reading.scenario is None else "can be run"
        notes = len(reading.problems) - len(reading.blocking)
        summary = f"{found.name} {verdict}: {len(reading.blocking)} errors, {notes} notes."
        print(summary, file=sys.stderr)
    return 1 if reading.scenario is None else 0


def cmd_start(log: IncidentLog, args: argparse.Namespace) -> int:
    run = drills.start(
        log, args.scenario, author=author(args), speed=args.speed, commander=args.commander
    )
    args.wrote_to = run.incident
    out(run.incident.id)
    _describe(log, run.schedule)
    return 0


def cmd_status(log: IncidentLog, args: argparse.Namespace) -> int:
    run = drills.run(log, _incident_id(log, args.id))
    if args.json:
        out(json.dumps(_status_dict(run), indent=2, ensure_ascii=False))
        return 0
    out(f"{run.incident.title} [DRILL] ({run.incident.id[:10]}) — scenario {run.scenario.name}")
    _describe(log, run.schedule)
    return 0


def cmd_fire(log: IncidentLog, args: argparse.Namespace) -> int:
    fired = drills.fire(
        log, args.inject, author=author(args), incident_id=_incident_id(log, args.incident)
    )
    out(f"Fired {fired.inject.id} ({fired.inject.kind.value.replace('_', ' ')}).")
    return 0


def cmd_skip(log: IncidentLog, args: argparse.Namespace) -> int:
    drills.skip(log, args.inject, author=author(args), incident_id=_incident_id(log, args.incident))
    out(f"Skipped {args.inject}.")
    return 0


def cmd_delay(log: IncidentLog, args: argparse.Namespace) -> int:
    moved = drills.delay(
        log, args.inject, args.minutes, author=author(args),
        incident_id=_incident_id(log, args.incident),
    )  # fmt: skip
    out(f"Delayed {moved.inject.id} by {args.minutes} min: now {_when(log, moved)}.")
    return 0


def cmd_pause(log: IncidentLog, args: argparse.Namespace) -> int:
    drills.pause(log, author=author(args), incident_id=_incident_id(log, args.incident))
    out("Drill paused: drill time stands still until `commander drill resume`.")
    return 0


def cmd_resume(log: IncidentLog, args: argparse.Namespace) -> int:
    run = drills.resume(log, author=author(args), incident_id=_incident_id(log, args.incident))
    out("Drill resumed.")
    _describe(log, run.schedule)
    return 0


def cmd_tick(log: IncidentLog, args: argparse.Namespace) -> int:
    """Fire whatever is due now; say nothing more than what fired (a loop calls this)."""
    fired = drills.tick(log, author=author(args), incident_id=_incident_id(log, args.incident))
    for inject in fired:
        out(f"Fired {inject.inject.id} ({inject.inject.kind.value.replace('_', ' ')}).")
    if not fired:
        print("Nothing is due now.", file=sys.stderr)
    return 0


def cmd_outbox(log: IncidentLog, args: argparse.Namespace) -> int:
    """What the drill would have sent, each as its channel would have shown it."""
    run = drills.run(log, _incident_id(log, args.id))
    rows = list(reversed(drill_outbox.updates(log, run.incident.id)))
    if args.json:
        out(json.dumps([{
            "channel": r.channel, "channel_kind": r.channel_kind, "audience": r.audience.value,
            "state": r.label, "incident_name": r.incident_name, "subject": r.subject,
            "text": r.text, "created_at": r.created_at,
        } for r in rows], indent=2, ensure_ascii=False))  # fmt: skip
        return 0
    if not rows:
        out("The drill has sent nothing yet (nothing would have gone out).")
        return 0
    zone = environment.local_zone()
    for row in rows:
        when = format_clock(row.created_at, log.clock.now(), zone)
        out(f"── {when}  {row.label}: {row.audience.value} via {row.channel} ({row.channel_kind})")
        out(f"Incident: {row.incident_name}")
        out(f"Subject: {row.subject}")
        out(row.text)
        out("")
    return 0


def _describe(log: IncidentLog, schedule: DrillSchedule) -> None:
    from commander_app.core.drill_scenario import format_offset

    paused = "  (paused)" if schedule.clock.paused else ""
    out(f"Drill time {format_offset(schedule.drill_now)}{paused}, "
        f"speed {schedule.clock.speed:g}×")  # fmt: skip
    for title, rows in (("Due now", schedule.due), ("Upcoming", schedule.upcoming)):
        if rows:
            out(f"{title}:")
            for row in rows:
                out(f"  {row.inject.id:<20} {_when(log, row):<34} {_what(row)}")
    if schedule.done:
        out("Done:")
        zone = environment.local_zone()
        for row in schedule.done:
            at = format_clock(to_iso(row.done_at), log.clock.now(), zone) if row.done_at else ""
            out(f"  {row.inject.id:<20} {row.state.value:<11} {at:<22} {_what(row)}")


def _when(log: IncidentLog, row: ScheduledInject) -> str:
    when = row.describe_when()
    if row.due_at is not None and row.due_offset is not None:
        clock = format_clock(to_iso(row.due_at), log.clock.now(), environment.local_zone())
        when = f"{when} (at {clock})"
    if row.delayed_minutes:
        when += f", delayed {row.delayed_minutes} min"
    return when


def _what(row: ScheduledInject) -> str:
    inject = row.inject
    kind = inject.kind.value.replace("_", " ")
    words = inject.text or inject.alertname or inject.tool
    return f"{kind}: {words[:60]}" if words else kind


def _status_dict(run: drills.DrillRun) -> dict[str, Any]:
    schedule = run.schedule

    def iso(moment: datetime | None) -> str | None:
        return to_iso(moment) if moment else None

    return {
        "incident_id": run.incident.id,
        "scenario": run.scenario.name,
        "digest": run.scenario.digest,
        "paused": schedule.clock.paused,
        "speed": schedule.clock.speed,
        "drill_seconds": int(schedule.drill_now.total_seconds()),
        "injects": [
            {
                "id": s.inject.id,
                "kind": s.inject.kind.value,
                "state": s.state.value,
                "when": s.describe_when(),
                "due_at": iso(s.due_at),
                "done_at": iso(s.done_at),
                "delayed_minutes": s.delayed_minutes,
            }
            for s in schedule.injects
        ],
    }
