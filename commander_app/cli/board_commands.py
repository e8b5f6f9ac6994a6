"""Commands on the board: hypotheses, findings, actions and decisions."""

from __future__ import annotations

import argparse
import json

from commander_app.cli.common import at, author, due, out, target, warn_if_ownerless
from commander_app.core.board import board_dict
from commander_app.core.board_text import render_board
from commander_app.core.bodies import entry_text
from commander_app.core.model import HypothesisState, Kind
from commander_app.store import board as board_store
from commander_app.store import environment
from commander_app.store.incident_log import IncidentLog


def cmd_hypothesis(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = board_store.open_hypothesis(
        log, incident.id, args.text, owner=args.owner, author=author(args), at=at(log, args)
    )
    out(event.id)
    return 0


def cmd_hypothesis_state(log: IncidentLog, args: argparse.Namespace) -> int:
    state = HypothesisState.parse(args.state)
    incident = target(log, args)
    event = board_store.set_hypothesis_state(
        log, incident.id, args.hypothesis, state, author=author(args), at=at(log, args)
    )
    out(entry_text(event))
    return 0


def cmd_finding(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = board_store.add_finding(
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
    event = board_store.add_action(
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
    event = board_store.update_action(
        log, incident.id, args.action, owner=args.person, author=author(args), at=at(log, args)
    )
    out(entry_text(event))
    return 0


def cmd_done(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    event = board_store.complete_action(
        log, incident.id, args.action, author=author(args), at=at(log, args)
    )
    out(entry_text(event))
    return 0


def cmd_board(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    board = board_store.board(log, incident.id)
    if args.json:
        out(json.dumps(board_dict(board), indent=2, ensure_ascii=False))
        return 0
    zone = environment.local_zone()
    out(f"{incident.title}\n\n{render_board(board, log.clock.now(), zone)}")
    return 0
