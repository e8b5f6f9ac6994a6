"""`commander metrics` and `commander trends`: how an incident went, and whether the
team gets faster, from the figures the log keeps."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from commander_app.cli.common import out, write_output
from commander_app.core.errors import ValidationError
from commander_app.core.follow_up_trends import Completion, completion, completion_lines
from commander_app.core.incident_figures import IncidentFigures
from commander_app.core.model import Severity
from commander_app.core.trends import FEW, Trend, check_period, trend_lines, trends
from commander_app.store import environment
from commander_app.store import follow_ups as follow_ups_store
from commander_app.store import incident_figures as store
from commander_app.store.incident_log import IncidentLog

FOLLOW_UPS = "follow_ups"  # the --figure key of the follow-up completion table


def cmd_metrics(log: IncidentLog, args: argparse.Namespace) -> int:
    if args.all:
        return _table(log, args)
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


def _table(log: IncidentLog, args: argparse.Namespace) -> int:
    """`metrics --all`: one row an incident, CSV (the columns as the README lists them)
    or JSON (a list of objects with the same keys)."""
    from commander_app.core.incident_table import COLUMNS, csv_cell, table_row
    from commander_app.store.incident_table import incident_records

    if args.incident:
        raise ValidationError("--all lists every incident: leave out the incident's ID.")
    records = incident_records(
        log,
        severities=[Severity.parse(s) for s in args.severity or []],
        service=args.service,
        drills=args.drills,
    )
    rows = [table_row(r) for r in records]
    if args.format == "json":
        text = json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    else:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([name for name, _ in COLUMNS])
        writer.writerows([csv_cell(row[name]) for name, _ in COLUMNS] for row in rows)
        text = buffer.getvalue()
    write_output(args.output, text, f"Written {len(rows)} incident(s) to {args.output}.")
    return 0


def _charts(
    args: argparse.Namespace,
    found: list[Trend],
    done: list[Completion] | None,
    count: int,
    severities: list[str],
    period: str,
) -> int:
    """`trends --png/--svg/--html FILE`: drawn as the window draws them (without a window)."""
    from commander_app.core.trends_report import scope_text, trends_html
    from commander_app.ui.metrics import spread_painting as charts

    charts.offscreen_painting()
    scope = scope_text(count, period, severities, args.service, args.drills)
    path: Path = args.png or args.svg or args.html
    if (args.png or args.svg) and not found:
        raise ValidationError("Name a figure to draw (--figure KEY): follow_ups is a table.")
    try:
        if args.png:
            environment.write_bytes_atomically(path, charts.trends_png(found))
        elif args.svg:
            environment.write_atomically(path, charts.trends_svg(found))
        else:
            svgs = {t.key: charts.trend_svg(t) for t in found}
            page = trends_html("Incident trends", scope, found, done, svgs)
            environment.write_atomically(path, page)
    except OSError as exc:
        raise ValidationError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    out(f"Written to {path} ({scope}).")
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
    wanted = [k for k in args.figure or [] if k.replace("-", "_") != FOLLOW_UPS]
    figures_too = not args.figure or bool(wanted)
    follow_ups_too = not args.figure or len(wanted) < len(args.figure)
    incidents = store.figured_incidents(
        log, severities=severities, service=args.service, drills=args.drills
    )
    zone = environment.local_zone()
    found = trends(incidents, period, zone, wanted or None) if figures_too else []
    done: list[Completion] = []
    if follow_ups_too:
        items = follow_ups_store.item_dates(
            log, severities=severities, service=args.service, drills=args.drills
        )
        done = completion(items, period, zone, log.clock.now())
    if args.png or args.svg or args.html:
        shown_severities = [s.value for s in severities]
        completed = done if follow_ups_too else None
        return _charts(args, found, completed, len(incidents), shown_severities, period)
    if args.json:
        report: dict[str, object] = {
            "period": period,
            "incidents": len(incidents),
            "few": FEW,
            "trends": [t.as_dict() for t in found],
        }
        if follow_ups_too:
            report[FOLLOW_UPS] = [row.as_dict() for row in done]
        out(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    what = "drills" if args.drills else "resolved incidents"
    lines: list[str] = []
    if figures_too and incidents:
        lines.append(f"{len(incidents)} {what}, by {period}: median and interquartile range with n")
        for trend in found:
            lines += ["", *trend_lines(trend)]
    elif figures_too:
        lines.append(f"No {what} to draw a trend from (with these filters).")
    if follow_ups_too:
        lines += [*([""] if lines else []), *completion_lines(done)]
    out("\n".join(lines))
    return 0
