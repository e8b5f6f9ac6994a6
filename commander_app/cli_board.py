"""`commander` commands for the incident board and the handoff of command.

Registered by `commander_app.cli`, which owns the program, its error handling
and the shared `--author`, `--incident` and `--at` options.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from commander_app.core.board import board_dict
from commander_app.core.board_text import render_board
from commander_app.core.events import event_text
from commander_app.core.model import HypothesisState
from commander_app.core.times import parse_due, parse_when
from commander_app.store import board_actions, environment, handoffs
from commander_app.store.incident_log import IncidentLog


def add_board_commands(
    sub: Any, who: argparse.ArgumentParser, which: argparse.ArgumentParser, when: Any
) -> None:
    """The board's writing commands, `board`, `briefing` and `handoff`."""
    writes = [who, which, when]
    p = sub.add_parser("hypothesis", parents=writes, help="open a hypothesis; prints its id")
    p.add_argument("text")
    p.add_argument("--owner", metavar="NAME", help="who is checking it")
    p.set_defaults(run=cmd_hypothesis)

    p = sub.add_parser("hypothesis-state", parents=writes, help="confirm or refute a hypothesis")
    p.add_argument("hypothesis", metavar="ID")
    p.add_argument("state", help=", ".join(s.value for s in HypothesisState))
    p.set_defaults(run=cmd_hypothesis_state)

    p = sub.add_parser("finding", parents=writes, help="record a finding; prints its id")
    p.add_argument("text")
    p.add_argument("--hypothesis", metavar="ID", help="the hypothesis it bears on")
    p.set_defaults(run=cmd_finding)

    p = sub.add_parser("action", parents=writes, help="add an action item; prints its id")
    p.add_argument("text")
    p.add_argument("--owner", metavar="NAME")
    p.add_argument("--due", metavar="TIME", help="HH:MM (local, the next such time) or ISO-8601")
    p.set_defaults(run=cmd_action)

    p = sub.add_parser("done", parents=writes, help="mark an action item done")
    p.add_argument("action", metavar="ACTION_ID")
    p.set_defaults(run=cmd_done)

    p = sub.add_parser("decide", parents=writes, help="record a decision; prints its id")
    p.add_argument("text")
    p.add_argument("--option", action="append", metavar="TEXT", help="an option weighed")
    undo = p.add_mutually_exclusive_group()
    undo.add_argument("--reversible", action="store_true", default=None, help="can be undone")
    undo.add_argument(
        "--irreversible", action="store_false", dest="reversible", help="cannot be undone"
    )
    p.set_defaults(run=cmd_decide)

    p = sub.add_parser("board", help="hypotheses, findings, actions and decisions")
    p.add_argument("incident", nargs="?", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_board)

    p = sub.add_parser("briefing", help="the briefing an incoming commander reads")
    p.add_argument("incident", nargs="?", metavar="ID")
    p.set_defaults(run=cmd_briefing)

    p = sub.add_parser("handoff", help="hand over command: offer, then accept or decline")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=type(p))
    offer = steps.add_parser("offer", parents=[who, which], help="offer command to NAME")
    offer.add_argument("person", metavar="NAME")
    steps.add_parser("accept", parents=[who, which], help="take the command offered")
    steps.add_parser("decline", parents=[who, which], help="decline the command offered")
    steps.add_parser("cancel", parents=[who, which], help="withdraw the offer")
    p.set_defaults(run=cmd_handoff)


def _author(args: argparse.Namespace) -> str:
    return args.author or environment.default_author()


def _at(log: IncidentLog, args: argparse.Namespace) -> datetime | None:
    return parse_when(args.at, log.clock.now(), environment.local_zone()) if args.at else None


def _print(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def cmd_hypothesis(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    event = board_actions.open_hypothesis(
        log, incident.id, args.text, owner=args.owner, author=_author(args), at=_at(log, args)
    )
    _print(event.id)
    return 0


def cmd_hypothesis_state(log: IncidentLog, args: argparse.Namespace) -> int:
    state = HypothesisState.parse(args.state)
    incident = log.find_incident(args.incident)
    event = board_actions.set_hypothesis_state(
        log, incident.id, args.hypothesis, state, author=_author(args), at=_at(log, args)
    )
    _print(event.body["text"])
    return 0


def cmd_finding(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    event = board_actions.add_finding(
        log,
        incident.id,
        args.text,
        hypothesis_id=args.hypothesis,
        author=_author(args),
        at=_at(log, args),
    )
    _print(event.id)
    return 0


def cmd_action(log: IncidentLog, args: argparse.Namespace) -> int:
    due = parse_due(args.due, log.clock.now(), environment.local_zone()) if args.due else None
    incident = log.find_incident(args.incident)
    event = board_actions.add_action(
        log,
        incident.id,
        args.text,
        owner=args.owner,
        due=due,
        author=_author(args),
        at=_at(log, args),
    )
    _print(event.id)
    return 0


def cmd_done(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    event = board_actions.complete_action(
        log, incident.id, args.action, author=_author(args), at=_at(log, args)
    )
    _print(event.body["text"])
    return 0


def cmd_decide(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    event = board_actions.record_decision(
        log,
        incident.id,
        args.text,
        options=args.option,
        reversible=args.reversible,
        author=_author(args),
        at=_at(log, args),
    )
    _print(event.id)
    return 0


def cmd_board(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    board = board_actions.board(log, incident.id)
    if args.json:
        _print(json.dumps(board_dict(board), indent=2, ensure_ascii=False))
        return 0
    zone = environment.local_zone()
    _print(f"{incident.title}\n\n{render_board(board, log.clock.now(), zone)}")
    return 0


def cmd_briefing(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    _print(handoffs.briefing(log, incident.id, local_zone=environment.local_zone()))
    return 0


def cmd_handoff(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident)
    author = _author(args)
    if args.step == "offer":
        event = handoffs.offer_handoff(
            log, incident.id, args.person, author=author, local_zone=environment.local_zone()
        )
        person = event.body["person"]
        _print(f"{incident.title}: command offered to {person}.")
        _print(f"{person} takes it with `commander handoff accept`. The briefing handed over:\n")
        _print(event.body["briefing"])
        return 0
    answer = {
        "accept": handoffs.accept_handoff,
        "decline": handoffs.decline_handoff,
        "cancel": handoffs.cancel_handoff,
    }[args.step]
    event = answer(log, incident.id, author=author)
    _print(f"{incident.title}: {event_text(event.kind, event.body)}")
    return 0
