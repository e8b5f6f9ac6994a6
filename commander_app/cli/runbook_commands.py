"""`commander runbook list|search|show|check`: the runbook library from the terminal.

Each command first brings the index in step with the folder, so a file edited in an
editor a moment ago is what it shows."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from commander_app.cli.common import out
from commander_app.core.runbook import Runbook
from commander_app.core.search_query import fts_query
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_trust import RunbookTrust, trust_report
from commander_app.store.runbooks import (
    IndexedRunbook,
    find_runbook,
    indexed_runbooks,
    refresh_index,
    runbook_folder,
    search_runbooks,
)


def refreshed_folder(log: IncidentLog, args: argparse.Namespace) -> Path:
    folder = runbook_folder(args.folder).absolute()
    report = refresh_index(log.conn, folder, log.clock.now())
    if report.added or report.changed or report.removed:
        print(
            f"commander: runbooks in {folder}: {report.added} new, {report.changed} changed, "
            f"{report.removed} removed since the last look",
            file=sys.stderr,
        )
    return folder


def cmd_list(log: IncidentLog, args: argparse.Namespace) -> int:
    folder = refreshed_folder(log, args)
    everything = indexed_runbooks(log.conn)
    if not everything:
        out(f"No runbooks in {folder}.")
        return 0
    for indexed in everything:
        runbook = indexed.runbook
        if runbook is None:
            out(f"{indexed.name}  (does not parse: `commander runbook check` says why)")
            continue
        answers = f"  answers: {', '.join(runbook.answers)}" if runbook.answers else ""
        mark = "  (has problems)" if indexed.problems else ""
        out(f"{indexed.name}  [{runbook.service}]  {_title(indexed)}{answers}{mark}")
    return 0


def _title(indexed: IndexedRunbook) -> str:
    return indexed.runbook.title if indexed.runbook and indexed.runbook.title else indexed.name


def cmd_search(log: IncidentLog, args: argparse.Namespace) -> int:
    fts_query(args.query)  # a query with no word is refused before any file is read
    refreshed_folder(log, args)
    hits = search_runbooks(log.conn, args.query, limit=args.limit)
    if args.json:
        out(json.dumps([{**h.__dict__, "path": str(h.path)} for h in hits], indent=2,
                       ensure_ascii=False))  # fmt: skip
        return 0
    if not hits:
        out("No runbook matches.")
        return 0
    for hit in hits:
        service = f"  [{hit.service}]" if hit.service else ""
        out(f"{hit.name}{service}  {hit.title or hit.name}")
        out(f"    {' '.join(hit.snippet.split())}")
    return 0


def cmd_show(log: IncidentLog, args: argparse.Namespace) -> int:
    folder = refreshed_folder(log, args)
    indexed = find_runbook(log.conn, args.name)
    for problem in indexed.problems:
        out(f"{indexed.path}:{problem.line}: {problem.message}")
    runbook = indexed.runbook
    if runbook is None:
        return 1
    (trust,) = trust_report(log.conn, folder, [indexed], log.clock.now())
    out(_runbook_text(indexed, runbook, trust))
    return 0


def _runbook_text(indexed: IndexedRunbook, runbook: Runbook, trust: RunbookTrust) -> str:
    lines = [f"{_title(indexed)}  ({indexed.name})"]
    about = [f"service: {runbook.service or '?'}"]
    if runbook.owner:
        about.append(f"owner: {runbook.owner}")
    about.append(f"last reviewed: {runbook.last_reviewed or 'never'}")
    lines.append(" · ".join(about))
    if runbook.answers:
        lines.append(f"answers: {', '.join(runbook.answers)}")
    if trust.line is not None:
        lines.append(f"trust: {trust.line.summary()}")
    lines.append(f"file: {indexed.path}")
    for step in runbook.steps:
        lines += ["", f"{step.number}. {step.title}"]
        if step.notes:
            lines.append(f"   {step.notes}")
        for command in step.commands:
            first, *rest = command.split("\n")
            lines.append(f"   $ {first}")
            lines += [f"     {more}" for more in rest]
        for expect in step.expect:
            shown = f"/{expect.text}/" if expect.is_pattern else expect.text
            lines.append(f"   expect: {shown}")
        lines += [f"   → {decision.describe()}" for decision in step.decisions]
    return "\n".join(lines)


def cmd_check(log: IncidentLog, args: argparse.Namespace) -> int:
    """Every problem as `path:line: problem` (what editors jump to), then the trust
    report; fails when any file has a problem."""
    folder = refreshed_folder(log, args)
    everything = indexed_runbooks(log.conn)
    report = trust_report(log.conn, folder, everything, log.clock.now(), args.stale_after)
    problems = [(r.path, p) for r in everything for p in r.problems]
    if args.json:
        out(json.dumps(_check_json(folder, report), indent=2, ensure_ascii=False))
        return 1 if problems else 0
    for path, problem in problems:
        out(f"{path}:{problem.line}: {problem.message}")
    if problems:
        out("")
    flagged = 0
    for entry in report:
        if entry.line is None:
            out(f"{entry.runbook.name}: does not parse")
            continue
        flagged += not entry.line.trusted
        mark = "ok  " if entry.line.trusted else "WARN"
        out(f"{mark} {entry.runbook.name}: {entry.line.summary()}")
    broken = len({path for path, _ in problems})
    out(
        f"\n{len(everything)} runbook{'s' if len(everything) != 1 else ''} in {folder}: "
        f"{broken} with problems, {flagged} with trust warnings."
    )
    return 1 if problems else 0


def _check_json(folder: Path, report: list[RunbookTrust]) -> dict[str, object]:
    return {
        "folder": str(folder),
        "runbooks": [
            {
                "name": entry.runbook.name,
                "path": str(entry.runbook.path),
                "service": entry.runbook.runbook.service if entry.runbook.runbook else None,
                "parses": entry.runbook.runbook is not None,
                "problems": [
                    {"line": p.line, "problem": p.message} for p in entry.runbook.problems
                ],
                "trusted": entry.line.trusted if entry.line else False,
                "flags": [{"kind": f.kind, "message": f.message} for f in entry.line.flags]
                if entry.line
                else [],
                "facts": list(entry.line.facts) if entry.line else [],
            }
            for entry in report
        ],
    }
