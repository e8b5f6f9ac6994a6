"""Commands on the board and the handoff of command."""

from __future__ import annotations

import argparse
import json

from commander_app.cli.common import at, author, due, out, target, warn_if_ownerless
from commander_app.core.board import board_dict
from commander_app.core.board_text import render_board
from commander_app.core.events import event_text
from commander_app.core.model import HypothesisState, Kind
from commander_app.store import board_actions, environment, handoffs
from commander_app.store.incident_log import IncidentLog


def cmd_hypothesis(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = board_actions.open_hypothesis(
        log, incident.id, args.text, owner=args.owner, author=author(args), at=at(log, args)
    )
    out(event.id)
    return 0


def cmd_hypothesis_state(log: IncidentLog, args: argparse.Namespace) -> int:
    state = HypothesisState.parse(args.state)
    incident = target(log, args)
    event = board_actions.set_hypothesis_state(
        log, incident.id, args.hypothesis, state, author=author(args), at=at(log, args)
    )
    out(event.body["text"])
    return 0


def cmd_finding(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = board_actions.add_finding(
        log,
        incident.id,
        args.text,
        hypothesis_id=args.hypothesis,
        author=author(args),
        at=at(log, args),
    )
    out(event.id)
    return 0


def cmd_action(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    due_at = due(log, args.due)
    event = board_actions.add_action(
        log,
        incident.id,
        args.text,
        owner=args.owner,
        due=due_at,
        author=author(args),
        at=at(log, args),
    )
    out(event.id)
    warn_if_ownerless(Kind.ACTION, args.owner, event.id)
    return 0


def cmd_action_owner(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = board_actions.update_action(
        log, incident.id, args.action, owner=args.person, author=author(args), at=at(log, args)
    )
    out(event.body["text"])
    return 0


def cmd_done(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = board_actions.complete_action(
        log, incident.id, args.action, author=author(args), at=at(log, args)
    )
    out(event.body["text"])
    return 0


def cmd_board(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    board = board_actions.board(log, incident.id)
    if args.json:
        out(json.dumps(board_dict(board), indent=2, ensure_ascii=False))
        return 0
    zone = environment.local_zone()
    out(f"{incident.title}\n\n{render_board(board, log.clock.now(), zone)}")
    return 0


def cmd_briefing(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    out(handoffs.briefing(log, incident.id, local_zone=environment.local_zone()))
    return 0


def cmd_handoff(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    writer = author(args)
    if args.step == "offer":
        event = handoffs.offer_handoff(
            log, incident.id, args.person, author=writer, local_zone=environment.local_zone()
        )
        person = event.body["person"]
        out(f"{incident.title}: command offered to {person}.")
        out(f"{person} takes it with `commander handoff accept`. The briefing handed over:\n")
        out(event.body["briefing"])
        return 0
    answer = {
        "accept": handoffs.accept_handoff,
        "decline": handoffs.decline_handoff,
        "cancel": handoffs.cancel_handoff,
    }[args.step]
    event = answer(log, incident.id, author=writer)
    out(f"{incident.title}: {event_text(event.kind, event.body)}")
    return 0
