"""The `commander` command: the GUI with no arguments, headless log commands otherwise."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from commander_app import __version__
from commander_app.cli_board import add_board_commands
from commander_app.core.board import board_dict, fold_board
from commander_app.core.bundle import incident_dict, parse_bundle_text
from commander_app.core.clock import SystemClock
from commander_app.core.errors import CommanderError, ValidationError
from commander_app.core.events import event_text, text_body
from commander_app.core.markdown_export import render_markdown
from commander_app.core.metrics import durations, metrics_dict
from commander_app.core.model import (
    TEXT_KINDS,
    Event,
    IncidentState,
    Kind,
    Milestone,
    Role,
    Severity,
    Status,
)
from commander_app.core.times import format_duration, format_local, parse_when
from commander_app.store import environment
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.health import check_log
from commander_app.store.incident_log import IncidentLog
from commander_app.store.search import search

PROCESS_START = time.perf_counter()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One plain line, like every other user error."""
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="commander",
        description="Incident commander's assistant. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"Commander {__version__}")
    parser.add_argument(
        "--db", type=Path, help="incident log file (default: $COMMANDER_DB or the user data dir)"
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the window on a temporary log (or --db), wait for the first paint, exit",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    who = _Parser(add_help=False)
    who.add_argument("--author", help="who is writing (default: $COMMANDER_AUTHOR or login)")
    which = _Parser(add_help=False)
    which.add_argument("--incident", metavar="ID", help="default: the most recently active open")
    when = _Parser(add_help=False)
    when.add_argument("--at", metavar="TIME", help="when it happened: HH:MM (local) or ISO-8601")

    p = sub.add_parser("new", parents=[who, when], help="open an incident; prints its id")
    p.add_argument("title")
    p.add_argument("--severity", default="SEV3", help="SEV1 (worst) to SEV4; default SEV3")
    p.add_argument("--drill", action="store_true", help="a practice incident, marked as such")
    p.add_argument("--commander", metavar="NAME", help="incident commander")
    p.set_defaults(run=cmd_new)

    p = sub.add_parser("log", parents=[who, which, when], help="add an entry; prints its id")
    p.add_argument("text")
    p.add_argument("--kind", default="note", help=", ".join(k.value for k in TEXT_KINDS))
    p.add_argument("--corrects", metavar="EVENT_ID", help="this entry corrects an earlier one")
    p.set_defaults(run=cmd_log)

    p = sub.add_parser("status", parents=[who, which, when], help="change the incident status")
    p.add_argument("status", help=", ".join(s.value for s in Status))
    p.set_defaults(run=cmd_status)

    p = sub.add_parser("severity", parents=[who, which, when], help="change the severity")
    p.add_argument("severity", help="SEV1 to SEV4")
    p.set_defaults(run=cmd_severity)

    p = sub.add_parser("milestone", parents=[who, which, when], help="mark a milestone")
    p.add_argument("name", help=", ".join(m.value for m in Milestone))
    p.set_defaults(run=cmd_milestone)

    p = sub.add_parser("role", parents=[who, which], help="assign a role to a person")
    p.add_argument("role", help=", ".join(r.value for r in Role))
    p.add_argument("person")
    p.set_defaults(run=cmd_role)

    add_board_commands(sub, who, which, when)

    p = sub.add_parser("list", help="list incidents (open ones by default)")
    p.add_argument("--all", action="store_true", help="include resolved incidents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_list)

    p = sub.add_parser("show", help="an incident's state, durations and timeline")
    p.add_argument("incident", nargs="?", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("search", parents=[which], help="full-text search of titles and entries")
    p.add_argument("query")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_search)

    p = sub.add_parser("export", help="export an incident as a JSON bundle or Markdown")
    p.add_argument("incident", nargs="?", metavar="ID")
    p.add_argument("--format", choices=["json", "md"], required=True)
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: standard output")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("import", help="merge a JSON bundle into this log (safe to repeat)")
    p.add_argument("file", type=Path)
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("backup", help="take a backup now")
    p.add_argument("--to", type=Path, metavar="PATH", help="default: the rotating backups folder")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser("check", help="verify the log: integrity, search index, projection")
    p.add_argument("--rebuild", action="store_true", help="rebuild the incidents projection")
    p.set_defaults(run=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from commander_app.ui.app import run_app

        return run_app(args.db, smoke_test=args.smoke_test, process_start=PROCESS_START)
    try:
        with _open_log(args) as log:
            result: int = args.run(log, args)
            if result == 0:
                log.maybe_backup()  # after the output: the entry is already safe
            return result
    except CommanderError as exc:
        print(f"commander: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("commander: interrupted; nothing further was written", file=sys.stderr)
        return 130


def _open_log(args: argparse.Namespace) -> IncidentLog:
    path = args.db or environment.default_db_path()
    return IncidentLog(path, device_id=environment.device_id(), clock=SystemClock())


def _author(args: argparse.Namespace) -> str:
    return args.author or environment.default_author()


def _at(log: IncidentLog, args: argparse.Namespace) -> Any:
    if not getattr(args, "at", None):
        return None
    return parse_when(args.at, log.clock.now(), environment.local_zone())


def _print(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# -- writing commands -----------------------------------------------------------


def cmd_new(log: IncidentLog, args: argparse.Namespace) -> int:
    state = log.open_incident(
        args.title,
        severity=Severity.parse(args.severity),
        drill=args.drill,
        commander=args.commander,
        author=_author(args),
        at=_at(log, args),
    )
    _print(state.id)
    return 0


def cmd_log(log: IncidentLog, args: argparse.Namespace) -> int:
    kind = Kind.parse(args.kind)
    text_body(kind, args.text)  # a typo in the entry is reported before anything else
    incident = log.find_incident(args.incident)
    event = log.log(
        incident.id,
        args.text,
        kind=kind,
        author=_author(args),
        at=_at(log, args),
        supersedes=args.corrects,
    )
    _print(event.id)
    return 0


def cmd_status(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    status = Status.parse(args.status)
    log.set_status(incident.id, status, author=_author(args), at=_at(log, args))
    _print(f"{incident.title}: {status.value}")
    return 0


def cmd_severity(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    severity = Severity.parse(args.severity)
    log.set_severity(incident.id, severity, author=_author(args), at=_at(log, args))
    _print(f"{incident.title}: {severity.value}")
    return 0


def cmd_milestone(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    milestone = Milestone.parse(args.name)
    event = log.mark_milestone(incident.id, milestone, author=_author(args), at=_at(log, args))
    when = format_local(event.occurred_at, environment.local_zone())
    _print(f"{incident.title}: {milestone.value.replace('_', ' ')} at {when}")
    return 0


def cmd_role(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    role = Role.parse(args.role)
    log.assign_role(incident.id, role, args.person, author=_author(args))
    _print(f"{incident.title}: {role.value.replace('_', ' ')} is {args.person.strip()}")
    return 0


def cmd_import(log: IncidentLog, args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"There is no file {args.file}.") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{args.file} is not a Commander bundle (not UTF-8 text).") from None
    except OSError as exc:
        raise ValidationError(f"Cannot read {args.file}: {exc.strerror}.") from None
    result = import_bundle(log, parse_bundle_text(text))
    _print(
        f"{result.title} ({result.incident_id}): {result.added} new events, "
        f"{result.already_present} already present"
    )
    return 0


def cmd_backup(log: IncidentLog, args: argparse.Namespace) -> int:
    _print(str(log.backup_now(args.to)))
    return 0


def cmd_check(log: IncidentLog, args: argparse.Namespace) -> int:
    if args.rebuild:
        count = log.rebuild_projection()
        _print(f"Rebuilt the projection of {count} incidents from their events.")
    problems = check_log(log)
    if problems:
        for problem in problems:
            print(f"commander: {problem}", file=sys.stderr)
        return 1
    _print(f"{log.path}: ok")
    return 0


# -- reading commands -----------------------------------------------------------


def cmd_list(log: IncidentLog, args: argparse.Namespace) -> int:
    incidents = log.incidents(include_resolved=args.all)
    if args.json:
        _print(json.dumps([incident_dict(i) for i in incidents], indent=2, ensure_ascii=False))
        return 0
    if not incidents:
        _print("No open incidents." if not args.all else "No incidents yet.")
        return 0
    zone = environment.local_zone()
    for incident in incidents:
        drill = " [DRILL]" if incident.is_drill else ""
        active = format_local(incident.last_event_at, zone) if incident.last_event_at else "—"
        _print(
            f"{incident.id}  {incident.severity.value}  {incident.status.value:<13}  "
            f"{active}  {incident.title}{drill}"
        )
    return 0


def cmd_show(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    events = log.events(incident.id)
    if args.json:
        document = {
            "incident": incident_dict(incident),
            "metrics": metrics_dict(incident),
            "board": board_dict(fold_board(events)),
            "events": [e.to_dict() for e in events],
        }
        _print(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    _print(_describe(incident, events))
    return 0


def _describe(incident: IncidentState, events: list[Event]) -> str:
    zone = environment.local_zone()
    drill = "  [DRILL]" if incident.is_drill else ""
    lines = [
        f"{incident.title}{drill}",
        f"  id {incident.id} · {incident.severity.value} · {incident.status.value}",
    ]
    for role, person in sorted(incident.roles.items()):
        lines.append(f"  {role.replace('_', ' ')}: {person}")
    for duration in durations(incident):
        label = duration.name.replace("_", " ")
        value = format_duration(duration.seconds) if duration.seconds is not None else "—"
        note = f"  ({duration.note})" if duration.note else ""
        lines.append(f"  {label}: {value}{note}")
    lines.append("")
    spans_days = len({format_local(e.occurred_at, zone)[:10] for e in events}) > 1
    corrected = {e.supersedes for e in events if e.supersedes}
    for event in events:
        when = format_local(event.occurred_at, zone, with_date=spans_days)
        text = event_text(event.kind, event.body).replace("\n", "\n" + " " * 12)
        mark = " (corrected)" if event.id in corrected else ""
        lines.append(f"{when}  {event.kind.value:<11} {event.author}: {text}{mark}")
    return "\n".join(lines)


def cmd_search(log: IncidentLog, args: argparse.Namespace) -> int:
    incident_id = log.find_incident(args.incident).id if args.incident else None
    hits = search(log.conn, args.query, incident_id)
    if args.json:
        _print(json.dumps([h.__dict__ for h in hits], indent=2, ensure_ascii=False))
        return 0
    if not hits:
        _print("No matches.")
        return 0
    zone = environment.local_zone()
    for hit in hits:
        if hit.event_id is None:
            _print(f"{hit.incident_id}  title       {hit.snippet}")
        else:
            when = format_local(hit.occurred_at or "", zone)
            mark = " (corrected)" if hit.corrected else ""
            _print(f"{hit.incident_id}  {when}  {hit.kind}: {hit.snippet}{mark}")
    return 0


def cmd_export(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    if args.format == "json":
        text = json.dumps(export_bundle(log, incident.id), indent=2, ensure_ascii=False)
    else:
        text = render_markdown(incident, log.events(incident.id), environment.local_zone())
    if args.output is None:
        _print(text)
        return 0
    try:
        environment.write_atomically(args.output, text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise ValidationError(f"Cannot write {args.output}: {exc.strerror}.") from None
    print(f"Wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
