"""Commands on the rollback checklist, the decision record and the divergence register."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from commander_app.cli.common import at, author, out, target
from commander_app.core.board import Board, Decision, decision_dict, summary
from commander_app.core.bodies import entry_text
from commander_app.core.change_words import reads_as_change
from commander_app.core.divergences import (
    divergence_dict,
    parse_change,
    register_lines,
    unreviewed,
)
from commander_app.core.errors import ValidationError
from commander_app.core.model import (
    CHANGE_KINDS,
    Afterwards,
    DecisionKind,
    DivergenceReview,
    IncidentState,
    Outcome,
)
from commander_app.core.rollback import (
    ChecklistState,
    DecisionRequest,
    checklist_dict,
    outcomes_due,
)
from commander_app.core.times import format_clock
from commander_app.store import board as board_store
from commander_app.store import environment, rollback, rollback_files
from commander_app.store.incident_log import IncidentLog


def cmd_checklist(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    state, row = rollback.authority_row(log, incident.id)
    checklist = rollback.checklist_state(log, incident.id)
    board = rollback.decisions(log, incident.id)
    now = log.clock.now()
    if args.json:
        document = {
            "incident": incident.id,
            "severity": state.severity.value,
            "authority": {
                **row.to_dict(),
                "holders": {role.value: holder for role, holder in row.holders(state)},
                "text": row.describe(state),
            },
            "checklist": checklist_dict(checklist),
            "decisions": [decision_dict(d, board) for d in board.decisions],
            "outcomes_due": [d.id for d in outcomes_due(board, now)],
        }
        out(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    out(_checklist_text(incident, state, checklist, board, now, row.describe(state), row.note))
    return 0


def _checklist_text(
    incident: IncidentState,
    state: IncidentState,
    checklist: ChecklistState,
    board: Board,
    now: datetime,
    authority: str,
    note: str,
) -> str:
    zone = environment.local_zone()
    lines = [f"{incident.title}: rollback checklist", f"Authority {authority}"]
    if note:
        lines.append(f"  {note}")
    lines.append("")
    for item in checklist.checklist.items:
        number = checklist.checklist.number(item)
        tick = checklist.ticks.get(item.id)
        mark = "x" if checklist.is_ticked(item) else " "
        details = ["required" if item.required else "optional"]
        if tick is not None and tick.checked:
            details.append(f"{tick.by} {format_clock(tick.at, now, zone)}")
        lines.append(f"  {number:>2} [{mark}] {item.text} ({'; '.join(details)})")
    lines.append("")
    if checklist.complete:
        lines.append("Ready to decide: every required item is ticked.")
    else:
        missing = ", ".join(str(checklist.checklist.number(i)) for i in checklist.missing_required)
        lines.append(
            f"Not ready: required items {missing} are not ticked. The holder of authority "
            "may decide now with --override REASON."
        )
    lines += ["", "Decisions"]
    for decision in board.decisions[::-1]:
        lines.append(_decision_line(decision, board.number(decision.id), now))
    if not board.decisions:
        lines.append("  none yet")
    return "\n".join(lines)


def _decision_line(decision: Decision, number: str, now: datetime) -> str:
    zone = environment.local_zone()
    when = format_clock(decision.decided_at, now, zone)
    kind = decision.decision_kind.value if decision.decision_kind else "decision"
    role = f", {decision.role.replace('_', ' ')}" if decision.role else ""
    line = (
        f"  {number:<4}{decision.id}  {when} {summary(decision.text)} "
        f"({kind}; by {decision.author}{role})"
    )
    if decision.outcome is not None:
        note = f": {decision.outcome_note}" if decision.outcome_note else ""
        return f"{line}\n{' ' * 34}outcome: {decision.outcome.value}{note}"
    due = decision.outcome_due_at
    if due is None:
        return line
    if decision.outcome_due(now):
        return (
            f"{line}\n{' ' * 34}DID IT WORK? (due {format_clock(due, now, zone)}) "
            f"`commander outcome {number or decision.id} worked|failed`"
        )
    return f"{line}\n{' ' * 34}outcome expected by {format_clock(due, now, zone)}"


def cmd_check_item(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = rollback.tick_item(
        log,
        incident.id,
        args.item,
        checked=not args.uncheck,
        author=author(args),
        at=at(log, args),
    )
    out(entry_text(event))
    return 0


def cmd_decide(log: IncidentLog, args: argparse.Namespace) -> int:
    """A decision; with any of the record's options, the full record and its rules."""
    incident = target(log, args)
    record = (args.kind, args.override, args.expect_minutes, args.objection)
    if all(value is None for value in record):
        refuse_unrecorded_change(args.text)
        event = board_store.record_decision(
            log,
            incident.id,
            args.text,
            options=args.option,
            reversible=args.reversible,
            author=author(args),
            at=at(log, args),
        )
        out(event.id)
        return 0
    request = DecisionRequest(
        text=args.text,
        decision_kind=DecisionKind.parse(args.kind) if args.kind else DecisionKind.OTHER,
        options=args.option or (),
        objections=args.objection or (),
        reversible=args.reversible,
        expect_minutes=args.expect_minutes,
        override_reason=args.override,
    )
    event = rollback.decide(log, incident.id, request, author=author(args), at=at(log, args))
    out(event.id)
    if request.decision_kind in CHANGE_KINDS:
        state, row = rollback.authority_row(log, incident.id)
        print(f"Tell now: {row.who_is_told(state)}.", file=sys.stderr)
    return 0


def refuse_unrecorded_change(text: str) -> None:
    """A production change written as a plain decision would skip the checklist, the
    authority matrix and "did it work?": say how to record it with its authority."""
    change = reads_as_change(text)
    if change is None:
        return
    raise ValidationError(
        f"'{summary(text, 60)}' reads as a production change ('{change.words}'), so it needs "
        f"the record: `commander decide TEXT --kind {change.kind.value} --expect-minutes N` "
        "once the checklist is ticked (`commander checklist`), or with "
        "`--override REASON` by the person holding authority. If it changes nothing in "
        "production: `commander decide TEXT --kind other`."
    )


def cmd_outcome(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = rollback.record_outcome(
        log,
        incident.id,
        args.decision,
        Outcome.parse(args.outcome),
        note=args.note,
        author=author(args),
        at=at(log, args),
    )
    out(entry_text(event))
    return 0


def cmd_divergences(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    register = rollback.register(log, incident.id)
    if args.json:
        out(json.dumps([divergence_dict(d) for d in register], indent=2, ensure_ascii=False))
        return 0
    now, zone = log.clock.now(), environment.local_zone()
    pending = len(unreviewed(register))
    heading = f"{incident.title}: production changes ({len(register)}, {pending} not reviewed)"
    lines = register_lines(register, lambda iso: format_clock(iso, now, zone))
    out("\n".join([heading, *lines]))
    return 0


def cmd_divergence(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = rollback.log_divergence(
        log,
        incident.id,
        parse_change(args.change),
        args.text,
        afterwards=Afterwards.parse(args.afterwards),
        by=args.by,
        author=author(args),
        at=at(log, args),
    )
    out(event.id)
    return 0


def cmd_review_divergence(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = rollback.review_divergence(
        log,
        incident.id,
        args.change,
        DivergenceReview.parse(args.review),
        note=args.note,
        author=author(args),
        at=at(log, args),
    )
    out(entry_text(event))
    return 0


def cmd_authority(log: IncidentLog, args: argparse.Namespace) -> int:
    """The authority matrix in effect, as the TOML an override file holds."""
    out(rollback_files.load_matrix().to_toml())
    return 0
