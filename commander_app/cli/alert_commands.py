"""`commander alerts receive|import|list|triage|attach`: monitoring's alerts in the log."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict

from commander_app.cli.common import author, out, target
from commander_app.core.alert_payloads import parse_file
from commander_app.core.alerts import AlertTriage
from commander_app.core.errors import ValidationError
from commander_app.store import environment
from commander_app.store.alerts import (
    attach_inbox,
    find_group,
    groups,
    inbox_count,
    ingest,
    triage,
)
from commander_app.store.incident_log import IncidentLog

IMPORT_LIMIT = 50 * environment.MEGABYTE
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def cmd_receive(log: IncidentLog, args: argparse.Namespace) -> int:
    from commander_app.publish.alert_receiver import DEFAULT_HOST, AlertReceiver

    token = _token(args.token_file) if args.token_file else None
    host = args.host or DEFAULT_HOST
    incident_id = log.find_incident(args.incident).id if args.incident else None
    if host not in LOOPBACK and token is None:
        print(
            f"commander: warning: listening on {host} without a token: anyone who can reach "
            "this port can write alerts into the log; give --token-file.",
            file=sys.stderr,
        )
    logging.basicConfig(level=logging.INFO, format="commander: %(message)s", stream=sys.stderr)
    try:
        receiver = AlertReceiver(
            log.path,
            device_id=log.device_id,
            clock=log.clock,
            host=host,
            port=args.port,
            token=token,
            incident_id=incident_id,
            author=author(args),
        )
    except OSError as exc:
        raise ValidationError(
            f"Cannot listen on {host}:{args.port} ({exc.strerror}); choose another --port."
        ) from None
    where = f"incident {incident_id[:10]}" if incident_id else "the most recently active incident"
    print(f"commander: receiving alerts on {receiver.url} into {where}", file=sys.stderr)
    print("commander: press Ctrl+C to stop", file=sys.stderr)
    try:
        receiver.serve_forever()
    except KeyboardInterrupt:
        print(
            "commander: receiver stopped; every alert answered 200 is in the log", file=sys.stderr
        )
    return 0


def _token(path: str) -> str:
    try:
        token = environment.read_text_bounded(path, 4096).strip()
    except (OSError, UnicodeDecodeError):
        raise ValidationError(f"Cannot read the token file {path}.") from None
    if not token or any(c.isspace() for c in token):
        raise ValidationError(f"The token file {path} must hold one token, without spaces.")
    return token


def cmd_import(log: IncidentLog, args: argparse.Namespace) -> int:
    try:
        text = environment.read_text_bounded(args.file, IMPORT_LIMIT)
    except FileNotFoundError:
        raise ValidationError(f"There is no file {args.file}.") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{args.file} is not UTF-8 text.") from None
    except OSError as exc:
        raise ValidationError(f"Cannot read {args.file}: {exc.strerror}.") from None
    parsed = parse_file(text)
    if parsed.problems:
        for problem in parsed.problems:
            print(f"commander: {args.file}: {problem}", file=sys.stderr)
        print(
            f"commander: nothing was imported from {args.file}; fix it and import it again.",
            file=sys.stderr,
        )
        return 1
    incident = target(log, args)
    done = ingest(log, incident.id, parsed.alerts, author=author(args))
    out(f"{done.events} new alert events, {done.repeats} repeats")
    return 0


def cmd_attach(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args)
    done = attach_inbox(log, incident.id, author=author(args))
    out(f"{done.events} new alert events, {done.repeats} repeats")
    return 0


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ") + "Z"


def cmd_list(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.incident, resolved_too=True)
    found = groups(log, incident.id)
    waiting = inbox_count(log)
    if args.json:
        out(
            json.dumps(
                {
                    "incident": incident.id,
                    "groups": [{**asdict(g), "state": g.state} for g in found],
                    "untriaged": sum(g.triage is None for g in found),
                    "inbox": waiting,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    if not found:
        out(f'No alerts in "{incident.title}".')
    else:
        out(f"{'GROUP':<9} {'STATE':<9} {'ALERTS':>6} {'FIRES':>6}  "
            f"{'FIRST SEEN':<17} {'LAST SEEN':<17} {'TRIAGE':<8} ALERT")  # fmt: skip
        for g in found:
            state = g.state if not g.firing or g.firing == g.alerts else f"{g.firing} firing"
            out(
                f"{g.group_id:<9} {state:<9} {g.alerts:>6} {g.fires:>6}  {_when(g.first_seen):<17} "
                f"{_when(g.last_seen):<17} {g.triage or '-':<8} {g.key[:120]}"
            )
        untriaged = sum(g.triage is None for g in found)
        out(f"{len(found)} groups, {untriaged} untriaged")
    if waiting:
        out(
            f"{waiting} alerts wait in the inbox (they came while no incident was open); "
            "`commander alerts attach --incident ID` brings them in."
        )
    return 0


def cmd_triage(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = target(log, args, resolved_too=True)
    verdict = AlertTriage.parse(args.triage)
    group = find_group(log, incident.id, args.group)
    linked = None
    if args.hypothesis:
        from commander_app.store.board import board

        on_board = board(log, incident.id)
        hypothesis = on_board.find_hypothesis(args.hypothesis)
        linked = (hypothesis.id, on_board.number(hypothesis.id))
    event = triage(log, incident.id, group, verdict, hypothesis=linked, author=author(args))
    out(event.id)
    return 0
