"""`commander metrics` and `commander trends`: how an incident went, and whether the
team gets faster, from the figures the log keeps."""

from __future__ import annotations

import argparse
import json

from commander_app.cli.common import out
from commander_app.core.incident_figures import IncidentFigures
from commander_app.core.model import Severity
from commander_app.core.trends import FEW, check_period, trend_lines, trends
from commander_app.store import environment
from commander_app.store import incident_figures as store
from commander_app.store.incident_log import IncidentLog


def cmd_metrics(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident, resolved_too=True)
    figures = store.figures_now(log, incident.id)
    if args.json:
        out(
            json.dumps(
                {"incident": incident.id, "figures": figures.as_dict()},
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    drill = " (drill)" if incident.is_drill else ""
    out(
        "\n".join(
            [
                f"{incident.title}{drill}: {incident.severity.value}, {incident.status.value}",
                *figure_lines(figures),
            ]
        )
    )
    return 0


def figure_lines(figures: IncidentFigures) -> list[str]:
    """One line per figure: its value, what it was measured from, and why not, if not."""
    width = max(len(f.label) for f in figures.figures)
    lines = []
    for f in figures.figures:
        by = f" (raised by {f.by})" if f.by and f.value is not None else ""
        note = f"; {f.note}" if f.note else ""
        lines.append(f"  {f.label:<{width}}  {f.shown():>12}  {f.measured}{by}{note}")
    return lines


def cmd_trends(log: IncidentLog, args: argparse.Namespace) -> int:
    period = check_period(args.by)
    severities = [Severity.parse(s) for s in args.severity or []]
    incidents = store.figured_incidents(
        log, severities=severities, service=args.service, drills=args.drills
    )
    found = trends(incidents, period, environment.local_zone(), args.figure or None)
    if args.json:
        out(
            json.dumps(
                {
                    "period": period,
                    "incidents": len(incidents),
                    "few": FEW,
                    "trends": [t.as_dict() for t in found],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    what = "drills" if args.drills else "resolved incidents"
    if not incidents:
        out(f"No {what} to draw a trend from (with these filters).")
        return 0
    lines = [f"{len(incidents)} {what}, by {period}: median and interquartile range with n"]
    for trend in found:
        lines += ["", *trend_lines(trend)]
    out("\n".join(lines))
    return 0
