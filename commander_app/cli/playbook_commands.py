"""`commander playbook show|check|export|import FILE`: the team's playbook from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from commander_app.cli.common import author, out, write_output
from commander_app.core.errors import ValidationError
from commander_app.core.model import Audience, Severity
from commander_app.core.playbook import DOUBT_GUIDANCE, Playbook
from commander_app.core.playbook_parse import Problem
from commander_app.store import environment, playbook, playbook_log
from commander_app.store.incident_log import IncidentLog


def cmd_show(log: IncidentLog, args: argparse.Namespace) -> int:
    if args.version or args.incident:
        return _show_version(log, args)
    found = playbook.in_force()
    out("\n".join(describe(found, log.clock.now())))
    return 0


def _show_version(log: IncidentLog, args: argparse.Namespace) -> int:
    """An earlier playbook: by digest, or the one an incident recorded."""
    from commander_app.core.errors import NotFoundError
    from commander_app.store.playbook_log import recorded_versions

    wanted, which, later = args.version, "", []
    if args.incident:
        incident = log.find_incident(args.incident, resolved_too=True)
        recorded = recorded_versions(log, incident.id)
        if not recorded:
            raise NotFoundError(f"“{incident.title}” recorded no playbook (it is older).")
        wanted, which = recorded[0]["digest"], f" (in force when “{incident.title}” opened)"
        later = [
            f"changed during the incident to “{v['name']}” ({v['digest']}): "
            f"`commander playbook show --version {v['digest']}`"
            for v in recorded[1:]
        ]
    text = playbook.version_text(wanted or "")
    if text is None:
        raise NotFoundError(
            f"No copy of the playbook {wanted} is kept on this computer: it was in force "
            "elsewhere, or before copies were kept."
        )
    reading = playbook.read_text(text)
    if reading.playbook is None:
        raise NotFoundError(f"The kept copy of the playbook {wanted} no longer reads.")
    kept = playbook.InForce(reading.playbook, reading.version, "file", playbook.playbook_path())
    lines = describe(kept, log.clock.now())
    lines[0] = f"{reading.version.describe()}{which}, from the copy kept when it was in force"
    out("\n".join([lines[0], *later, *lines[1:]]))
    return 0


def describe(found: playbook.InForce, now: datetime) -> list[str]:
    book = found.playbook
    where = {"file": str(found.path), "last good": f"{found.path}'s last good version"}
    lines = [
        f"{found.version.describe()} from {where.get(found.source, 'the shipped playbook')}",
    ]
    shift = book.on_call(now)
    if book.rota:
        later = book.next_hand_over(now)
        hand_over = f", until {later.person} at {later.starts:%Y-%m-%d %H:%M %Z}" if later else ""
        lines.append(f"on call now: {shift.person if shift else 'nobody yet'}{hand_over}")
    for severity in Severity:
        lines += ["", *_severity_lines(book, severity, now)]
    if book.questions:
        lines += ["", "Deciding the severity (a yes means at least that severity):"]
        lines += [f"  {q.severity.value}: {q.ask}" for q in book.questions]
        lines.append(f"  {DOUBT_GUIDANCE}")
    if found.gaps:
        lines += ["", f"{len(found.gaps)} gaps: `commander playbook check` lists them."]
    return lines


def _severity_lines(book: Playbook, severity: Severity, now: datetime) -> list[str]:
    rule = book.rule(severity)
    names = book.commanders_for(severity, now)
    who = rule.commander_text() + (f" (now: {', '.join(names)})" if names else "")
    cadence = book.cadence.intervals.get(severity, {})
    updates = ", ".join(
        f"{a.value} every {int(cadence[a].total_seconds() // 60)} min" + _readers(book, a)
        for a in Audience
        if a in cadence
    )
    postmortem = rule.postmortem + (
        f", within {rule.postmortem_days} days" if rule.postmortem_days else ""
    )
    row = book.authority.row(severity)
    decide = ", ".join(r.value for r in row.decide) or "nobody alone"
    lines = [f"{severity.value}: {rule.means}" if rule.means else f"{severity.value}"]
    lines += [
        f"  commander: {who}",
        f"  roles: {', '.join(r.value for r in rule.roles)}",
        f"  updates: {updates or 'none scheduled'}",
        f"  rollback without escalating: {decide}",
        f"  postmortem: {postmortem}",
    ]
    if rule.follow_up_days:
        lines.append(f"  follow-ups due in {rule.follow_up_days} days")
    return lines


def _readers(book: Playbook, audience: Audience) -> str:
    count = len(book.recipients(audience))
    return f" ({count} recipients)" if count else " (no recipients)"


def cmd_check(log: IncidentLog, args: argparse.Namespace) -> int:
    """Every problem with its line; exit 1 when one blocks the file's use."""
    path = args.file or playbook.playbook_path()
    text = environment.read_settings_file(path, "playbook", "")
    if text is None:
        if args.file:
            raise ValidationError(f"There is no playbook at {path}.")
        text, path_text = playbook.shipped_text(), "the shipped playbook"
    else:
        path_text = str(path)
    reading = playbook.read_text(text)
    if args.json:
        out(
            json.dumps(
                {
                    "file": path_text,
                    "name": reading.version.name,
                    "digest": reading.version.digest,
                    "usable": reading.playbook is not None,
                    "problems": [_problem_dict(p) for p in reading.problems],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for problem in reading.problems:
            level = "error" if problem.blocking else "gap"
            at = f"{path_text}:{problem.line}" if problem.line else path_text
            out(f"{at}: {level}: {problem.text}")
        verdict = "cannot be used" if reading.playbook is None else "can be used"
        print(
            f"{reading.version.describe()} {verdict}: {len(reading.blocking)} errors, "
            f"{len(reading.gaps)} gaps.",
            file=sys.stderr,
        )
    return 1 if reading.playbook is None else 0


def _problem_dict(problem: Problem) -> dict[str, object]:
    return {"line": problem.line, "blocking": problem.blocking, "text": problem.text}


def cmd_export(log: IncidentLog, args: argparse.Namespace) -> int:
    """The playbook in force, as its file's text (the shipped one when there is none)."""
    found = playbook.in_force()
    text = playbook.shipped_text()
    if found.source == "file":
        text = environment.read_settings_file(found.path, "playbook", "") or text
    elif found.source == "last good":
        text = environment.read_settings_file(playbook.last_good_path(), "playbook", "") or text
    write_output(
        args.output, text, f"Playbook {found.version.describe()} written to {args.output}."
    )
    return 0


def cmd_import(log: IncidentLog, args: argparse.Namespace) -> int:
    """Make FILE the team's playbook (after it is checked); open incidents note the change."""
    text = environment.read_settings_file(args.file, "playbook", "")
    if text is None:
        raise ValidationError(f"There is no playbook at {args.file}.")
    before = playbook.in_force()
    path = playbook.write_text(text, what=f"playbook {args.file}")
    now = playbook.in_force()
    noted = playbook_log.record_change(log, now, author=author(args), before=before.playbook)
    out(f"Playbook {now.version.describe()} is in force ({path}).")
    if noted:
        out(f"{len(noted)} open incidents note the change.")
    if now.gaps:
        out(f"{len(now.gaps)} gaps: `commander playbook check` lists them.")
    return 0
