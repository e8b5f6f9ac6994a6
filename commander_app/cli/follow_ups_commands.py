"""Follow-ups: `commander action add|ack|decline|start|done|wont|reopen|list` and
`commander follow-ups`, across every incident."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys

from commander_app.cli.common import author, due, out, target, warn_if_ownerless
from commander_app.core.bodies import entry_text
from commander_app.core.follow_ups import FollowUpRequest, follow_up_dict, standing
from commander_app.core.model import (
    Ack,
    FollowUpState,
    FollowUpType,
    Kind,
    Priority,
)
from commander_app.core.times import format_local, to_iso
from commander_app.store import environment
from commander_app.store import follow_ups as store
from commander_app.store import postmortem as postmortem_store
from commander_app.store.incident_log import IncidentLog

_MARKS = {
    "overdue": "OVERDUE",
    "ownerless": "NO OWNER",
    "unacknowledged": "not accepted",
    "due_soon": "due soon",
    "on_track": "",
    "closed": "closed",
}


def cmd_action_add(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args, resolved_too=True)  # they outlive it
    factor = None
    if args.factor:
        factor = postmortem_store.postmortem(log, incident.id).find_factor(args.factor).id
    due_at = due(log, args.due)
    request = FollowUpRequest(
        text=args.text,
        owner=args.owner,
        due=to_iso(due_at) if due_at else None,
        type=FollowUpType.parse(args.type) if args.type else FollowUpType.PREVENT,
        priority=Priority.parse(args.priority) if args.priority else None,
        factor=factor,
        symptom=args.symptom,
        class_owner=args.class_owner,
        twin=args.twin,
        override=args.override,
    )
    from commander_app.core.follow_up_text import is_symptom_fix
    from commander_app.store.postmortem_words import load_action_words

    words = load_action_words()  # the team's words, read once for both checks
    event = store.add_follow_up(log, incident.id, request, author=author(args), words=words)
    out(event.id)
    warn_if_ownerless(Kind.ACTION, args.owner, event.id)
    if not args.symptom and not args.twin and is_symptom_fix(args.text, words):
        print(
            "commander: note: this reads like a symptom fix: add the item that removes the "
            f"cause beside it (`commander action add TEXT --twin {event.id}`).",
            file=sys.stderr,
        )
    if args.symptom and not (args.class_owner or args.twin):
        print(
            "commander: note: this fixes a symptom. Add the item that removes the cause "
            f"beside it (`commander action add TEXT --twin {event.id}`) or name who owns "
            "this class of problem (--class-owner).",
            file=sys.stderr,
        )
    return 0


def cmd_action_answer(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args, resolved_too=True)  # they outlive it
    reply = Ack.ACCEPTED if args.verb == "ack" else Ack.DECLINED
    event = store.answer(
        log, incident.id, args.item, reply, author=author(args), reason=args.reason
    )
    out(entry_text(event))
    return 0


def cmd_action_move(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args, resolved_too=True)  # they outlive it
    state = {
        "start": FollowUpState.IN_PROGRESS,
        "done": FollowUpState.DONE,
        "wont": FollowUpState.WONT,
        "reopen": FollowUpState.OPEN,
    }[args.verb]
    event = store.move(
        log,
        incident.id,
        args.item,
        state,
        author=author(args),
        evidence=getattr(args, "evidence", None),
        reason=getattr(args, "reason", None),
    )
    out(entry_text(event))
    return 0


def cmd_follow_ups(log: IncidentLog, args: argparse.Namespace) -> int:
    now = log.clock.now()
    incident_id = log.find_incident(args.incident).id if args.incident else None
    which = store.FollowUpFilter(
        owner=args.owner,
        incident_id=incident_id,
        priority=Priority.parse(args.priority) if args.priority else None,
        service=args.service,
        overdue_only=args.overdue,
        include_closed=args.all,
        include_drills=args.drills or incident_id is not None,
    )
    rows = store.follow_ups(log, now, which)
    if args.json:
        out(json.dumps([follow_up_dict(r, now) for r in rows], indent=2, ensure_ascii=False))
        return 0
    if args.csv:
        buffer = io.StringIO()
        fields = list(follow_up_dict(rows[0], now)) if rows else ["id"]
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(follow_up_dict(r, now) for r in rows)
        out(buffer.getvalue().rstrip("\n"))
        return 0
    if not rows:
        out("No open follow-ups." if not args.all else "No follow-ups.")
        return 0
    zone = environment.local_zone()
    for row in rows:
        mark = _MARKS[standing(row, now).value]
        due_text = f"due {format_local(row.due, zone)[:10]}" if row.due else "no due date"
        owner = row.owner or "no owner"
        drill = " [DRILL]" if row.is_drill else ""
        out(
            f"{row.number:>4} {row.priority.value if row.priority else '  '} "
            f"{row.text.splitlines()[0][:70]} — {owner}, {due_text}"
            f"{'  [' + mark + ']' if mark else ''}\n"
            f"       {row.incident_title}{drill} ({row.incident_id[:10]})"
        )
    return 0


def cmd_action_push(log: IncidentLog, args: argparse.Namespace) -> int:
    """Queue the follow-up for its tracker and try at once; offline it waits (exactly once)."""
    from commander_app.core.errors import ValidationError
    from commander_app.core.outbox import OutboxState
    from commander_app.publish.secrets import SecretStore
    from commander_app.publish.tracker_worker import push_due
    from commander_app.store import tracker_pushes

    if args.cancel:
        row = tracker_pushes.cancel(log, args.cancel)
        out(f"Cancelled: the push of {row.request.number} to {row.channel}.")
        return 0
    if args.retry:
        row = tracker_pushes.retry(log, args.retry)
    else:
        if not args.item:
            raise ValidationError("Name the follow-up to push: `commander action push A3`.")
        incident = target(log, args, resolved_too=True)  # they outlive it
        row = tracker_pushes.enqueue(
            log, incident.id, args.item, _tracker_channel(log, args.channel), author=author(args)
        )
    attempts = push_due(log, SecretStore())
    ours = [a for a in attempts if a.push.id == row.id]
    if not ours:
        out(
            f"Queued: {row.request.number} waits to go to {row.channel} (`commander outbox flush`)."
        )
        return 0
    out(ours[0].describe())
    return 1 if ours[0].outcome is OutboxState.FAILED else 0


def _tracker_channel(log: IncidentLog, name: str | None) -> str:
    from commander_app.core.errors import ValidationError
    from commander_app.store import tracker_pushes

    if name:
        return name
    trackers = tracker_pushes.tracker_channels(log)
    if len(trackers) == 1:
        return trackers[0]
    if not trackers:
        raise ValidationError(tracker_pushes.NO_TRACKER)
    raise ValidationError(f"Choose the tracker with --channel: {', '.join(trackers)}.")


def cmd_action_pull(log: IncidentLog, args: argparse.Namespace) -> int:
    from commander_app.publish.secrets import SecretStore
    from commander_app.publish.tracker_worker import pull_states

    result = pull_states(log, SecretStore(), author=author(args))
    for line in result.changed:
        out(line)
    for problem in result.problems:
        print(f"commander: {problem}", file=sys.stderr)
    if not result.changed and not result.problems:
        out("No pushed follow-up changed on its tracker.")
    return 1 if result.problems else 0
