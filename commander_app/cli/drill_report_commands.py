"""`commander drill report [ID] [--json] [--propose N]`: how the drill ran against the
playbook, and a place where it broke made a follow-up; `commander drill replay ID`: a
past incident made a scenario."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from commander_app.cli.common import author, out
from commander_app.core.drill_report import DrillReport
from commander_app.core.times import format_duration
from commander_app.store.incident_log import IncidentLog


def cmd_report(log: IncidentLog, args: argparse.Namespace) -> int:
    from commander_app.store import drills
    from commander_app.store.drill_report import find_break, propose_break, read_drill_report

    incident = drills.run(log, args.id).incident
    report = read_drill_report(log, incident.id)
    if args.propose is not None:
        event = propose_break(
            log, incident.id, find_break(report, args.propose), author=author(args)
        )
        args.wrote_to = incident
        out(event.id)
        return 0
    if args.json:
        out(json.dumps(report_dict(report), indent=2, ensure_ascii=False))
        return 0
    out("\n".join(report_lines(report)))
    return 0


def _seconds(value: Any) -> float | None:
    return None if value is None else value.total_seconds()


def report_dict(report: DrillReport) -> dict[str, Any]:
    return {
        "title": report.title,
        "scenario": report.scenario,
        "measures": [asdict(m) for m in report.measures],
        "injects": [
            {
                "inject": i.inject_id,
                "kind": i.kind.value,
                "state": i.state.value,
                "fired_after_s": _seconds(i.fired_after),
                "handled_after_s": _seconds(i.handled_after),
                "answer": i.answer,
            }
            for i in report.injects
        ],
        "breaks": [asdict(b) for b in report.breaks],
    }


def report_lines(report: DrillReport) -> list[str]:
    marks = {True: "ok ", False: "!! ", None: "   "}
    lines = [f"Drill report: {report.title} (scenario {report.scenario})", ""]
    lines += [f"{marks[m.ok]}{m.label}: {m.value}" for m in report.measures]
    lines += ["", "Injects:"]
    for i in report.injects:
        fired = f"T+{format_duration(i.fired_after.total_seconds())}" if i.fired_after else "-"
        lines.append(f"  {i.inject_id:<20} {i.state.value:<10} {fired:<12} {i.answer}")
    lines += ["", "Where the playbook broke:" if report.breaks else "The playbook held."]
    for n, found in enumerate(report.breaks, start=1):
        lines.append(f"  {n}. {found.what}")
        lines.append(f"     → {found.follow_up}  (`commander drill report --propose {n}`)")
    return lines


def cmd_replay(log: IncidentLog, args: argparse.Namespace) -> int:
    from pathlib import Path

    from commander_app.store.drill_replay import replay_text, write_replay

    incident = log.find_incident(args.incident, resolved_too=True)
    if args.output == "-":
        out(replay_text(log, incident.id).rstrip("\n"))
        return 0
    path = write_replay(log, incident.id, Path(args.output) if args.output else None)
    out(f"Written the scenario to {path}; start it with `commander drill start {path}`.")
    return 0
