"""Commands on the incident log: open, write, read, search, export, import, back up."""

from __future__ import annotations

import argparse
import json
import sys

from commander_app.cli.common import BUNDLE_LIMIT, at, author, out, target, warn_if_ownerless
from commander_app.cli.rollback_commands import refuse_unrecorded_change
from commander_app.core.board import Board, board_dict, fold_board
from commander_app.core.bodies import read_status
from commander_app.core.bundle import parse_bundle_text
from commander_app.core.divergences import resolve_refusal
from commander_app.core.errors import ValidationError
from commander_app.core.events import event_text, text_body
from commander_app.core.markdown_export import render_markdown
from commander_app.core.metrics import durations, metrics_dict
from commander_app.core.model import (
    BOARD_KINDS,
    Event,
    IncidentState,
    Kind,
    Milestone,
    Role,
    Severity,
    Status,
)
from commander_app.core.times import format_duration, format_local
from commander_app.store import board as board_store
from commander_app.store import environment, rollback
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.health import inspect_log
from commander_app.store.history import imported_ids
from commander_app.store.incident_figures import figures_now
from commander_app.store.incident_log import IncidentLog
from commander_app.store.search import search

# -- writing commands -----------------------------------------------------------


def cmd_new(log: IncidentLog, args: argparse.Namespace) -> int:
    state = log.open_incident(
        args.title,
        severity=Severity.parse(args.severity),
        drill=args.drill,
        commander=args.commander,
        author=author(args),
        at=at(log, args),
    )
    if args.share:
        from commander_app.cli.team_commands import share_new

        share_new(log, state.id)
    out(state.id)
    from commander_app.cli.postmortem_commands import print_earlier

    print_earlier(log, state.id, sys.stderr)
    return 0


def cmd_log(log: IncidentLog, args: argparse.Namespace) -> int:
    kind = Kind.parse(args.kind)
    text_body(kind, args.text)  # a typo in the entry is reported before anything else
    if kind is Kind.DECISION:
        refuse_unrecorded_change(args.text)
    incident = target(log, args)
    event = log.log(
        incident.id,
        args.text,
        kind=kind,
        author=author(args),
        at=at(log, args),
        supersedes=args.corrects,
    )
    out(event.id)
    warn_if_ownerless(kind, None, event.id)
    return 0


def cmd_status(log: IncidentLog, args: argparse.Namespace) -> int:
    """Resolving is held back while production changes are not reviewed (--yes: anyway)."""
    incident = target(log, args)
    status = Status.parse(args.status)
    if status is not Status.RESOLVED:
        log.set_status(incident.id, status, author=author(args), at=at(log, args))
        out(f"{incident.title}: {status.value}")
        return 0
    try:
        event = rollback.resolve(
            log, incident.id, author=author(args), at=at(log, args), confirmed=args.yes
        )
    except rollback.UnreviewedChanges as exc:
        way_out = (
            "Review them with `commander review-divergence ID reverted|permanent`, "
            "or resolve anyway with --yes."
        )
        raise ValidationError(resolve_refusal(exc.pending, way_out)) from None
    out(f"{incident.title}: resolved")
    _runbook_hint(log, incident.id)
    left = read_status(event).get("unreviewed_changes")
    if left:
        print(
            f"commander: warning: resolved with {left} production changes not reviewed; "
            "`commander divergences` lists them.",
            file=sys.stderr,
        )
    return 0


def _runbook_hint(log: IncidentLog, incident_id: str) -> None:
    """The runbooks followed are to be updated from what was run: the command that drafts it."""
    from commander_app.store.runbook_draft import followed_runbooks

    for name in followed_runbooks(log.conn, incident_id):
        print(
            f"commander: update the runbook {name} from what was run: "
            f"`commander runbook draft-update {name} --incident {incident_id}`",
            file=sys.stderr,
        )


def cmd_severity(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    severity = Severity.parse(args.severity)
    log.set_severity(incident.id, severity, author=author(args), at=at(log, args))
    out(f"{incident.title}: {severity.value}")
    return 0


def cmd_milestone(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    milestone = Milestone.parse(args.name)
    early = milestone in (Milestone.IMPACT_STARTED, Milestone.DETECTED)  # before the call
    moment = at(log, args, may_precede_opening=early)
    event = log.mark_milestone(incident.id, milestone, author=author(args), at=moment)
    when = format_local(event.occurred_at, environment.local_zone())
    out(f"{incident.title}: {milestone.value.replace('_', ' ')} at {when}")
    return 0


def cmd_role(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    role = Role.parse(args.role)
    log.assign_role(incident.id, role, args.person, author=author(args))
    out(f"{incident.title}: {role.value.replace('_', ' ')} is {args.person.strip()}")
    return 0


def cmd_import(log: IncidentLog, args: argparse.Namespace) -> int:
    try:
        text = environment.read_text_bounded(args.file, BUNDLE_LIMIT)
    except FileNotFoundError:
        raise ValidationError(f"There is no file {args.file}.") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{args.file} is not a Commander bundle (not UTF-8 text).") from None
    except OSError as exc:
        raise ValidationError(f"Cannot read {args.file}: {exc.strerror}.") from None
    result = import_bundle(log, parse_bundle_text(text))
    out(
        f"{result.title} ({result.incident_id}): {result.added} new events, "
        f"{result.already_present} already present"
    )
    return 0


def cmd_backup(log: IncidentLog, args: argparse.Namespace) -> int:
    out(str(log.backup_now(args.to)))
    return 0


def cmd_check(log: IncidentLog, args: argparse.Namespace) -> int:
    if args.rebuild:
        count = log.rebuild_projection()
        out(f"Rebuilt the projection of {count} incidents from their events.")
    from commander_app.cli.secret_commands import secret_problems

    report = inspect_log(log)
    problems = report.problems + secret_problems(log)
    if problems:
        for problem in problems:
            print(f"commander: {problem}", file=sys.stderr)
        return 1
    out(f"{log.path}: ok")
    for note in report.notes:
        out(f"  {note}")
    return 0


# -- reading commands -----------------------------------------------------------


def cmd_list(log: IncidentLog, args: argparse.Namespace) -> int:
    incidents = log.incidents(include_resolved=args.all)
    imported = imported_ids(log, [i.id for i in incidents])
    if args.json:
        listed = [{**i.to_dict(), "imported": i.id in imported} for i in incidents]
        out(json.dumps(listed, indent=2, ensure_ascii=False))
        return 0
    if not incidents:
        out("No open incidents." if not args.all else "No incidents yet.")
        return 0
    zone = environment.local_zone()
    for incident in incidents:
        drill = " [DRILL]" if incident.is_drill else ""
        drill += " [IMPORTED]" if incident.id in imported else ""
        active = format_local(incident.last_event_at, zone) if incident.last_event_at else "—"
        out(
            f"{incident.id}  {incident.severity.value}  {incident.status.value:<13}  "
            f"{active}  {incident.title}{drill}"
        )
    return 0


def cmd_show(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    events = log.events(incident.id)
    board = fold_board(events, board_store.board_order(log, incident.id))
    if args.json:
        document = {
            "incident": {**incident.to_dict(), "imported": bool(imported_ids(log, [incident.id]))},
            "metrics": metrics_dict(incident),
            "figures": figures_now(log, incident.id).as_dict(),
            "board": board_dict(board),
            "events": [e.to_dict() for e in events],
        }
        out(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    out(_describe(incident, events, board))
    return 0


def _describe(incident: IncidentState, events: list[Event], board: Board) -> str:
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
        number = _board_number(board, event)
        lines.append(f"{when}  {event.kind.value:<11} {event.author}: {number}{text}{mark}")
    return "\n".join(lines)


def _board_number(board: Board, event: Event) -> str:
    """'H2 ' before an entry that opens, corrects or updates board item H2."""
    if event.kind not in BOARD_KINDS and event.supersedes is None:
        return ""
    number = board.number(event.id)
    ref = event.body.get("ref")  # a board entry's, or a correction's of any kind
    if not number and isinstance(ref, str) and event.kind is not Kind.FINDING:
        number = board.number(ref)
    return f"{number} " if number else ""


def cmd_search(log: IncidentLog, args: argparse.Namespace) -> int:
    incident_id = log.find_incident(args.incident).id if args.incident else None
    hits = search(log.conn, args.query, incident_id)
    if args.json:
        out(json.dumps([h.__dict__ for h in hits], indent=2, ensure_ascii=False))
        return 0
    if not hits:
        out("No matches.")
        return 0
    zone = environment.local_zone()
    for hit in hits:
        if hit.event_id is None:
            out(f"{hit.incident_id}  title       {hit.snippet}")
        else:
            when = format_local(hit.occurred_at or "", zone)
            mark = " (corrected)" if hit.corrected else ""
            out(f"{hit.incident_id}  {when}  {hit.kind}: {hit.snippet}{mark}")
    return 0


def cmd_export(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    if args.format == "json":
        text = json.dumps(export_bundle(log, incident.id), indent=2, ensure_ascii=False)
    else:
        text = render_markdown(
            incident,
            log.events(incident.id),
            environment.local_zone(),
            board_store.board_order(log, incident.id),
        )
    if args.output is None or str(args.output) == "-":
        out(text)
        return 0
    try:
        environment.write_atomically(args.output, text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise ValidationError(f"Cannot write {args.output}: {exc.strerror}.") from None
    print(f"Wrote {args.output}", file=sys.stderr)
    return 0
