"""`commander alerts receive|import|list|triage|attach|report`: monitoring's alerts in the log."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from commander_app.cli.common import author, out, target, write_output
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

if TYPE_CHECKING:  # the report loads with its command only
    from commander_app.core.alert_noise import NoiseReport

IMPORT_LIMIT = 50 * environment.MEGABYTE
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def cmd_receive(log: IncidentLog, args: argparse.Namespace) -> int:
    from commander_app.publish.alert_receiver import DEFAULT_HOST, AlertReceiver

    token = token_from_file(args.token_file) if args.token_file else None
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


def token_from_file(path: str) -> str:
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


# -- the noise report ----------------------------------------------------------------------


def cmd_report(log: IncidentLog, args: argparse.Namespace) -> int:
    from commander_app.core.times import read_iso
    from commander_app.store.alert_noise import NoiseFilter, read_report
    from commander_app.store.cadence import load_policy, stakeholder_zone

    zone = stakeholder_zone(load_policy())
    since = read_iso(args.since, environment.local_zone()) if args.since else None
    from commander_app.core.alert_noise_export import report_csv, report_dict

    report = read_report(log, NoiseFilter(since=since, service=args.service), zone)
    if args.propose or args.propose_miss:
        return _propose(log, args, report)
    if args.json:
        text = (
            json.dumps(report_dict(report, args.since, args.service), indent=2, ensure_ascii=False)
            + "\n"
        )
    elif args.csv:
        text = report_csv(report)
    else:
        text = "\n".join(report_lines(report, args, str(zone))) + "\n"
    write_output(args.output, text, f"Written the noise report to {args.output}.")
    return 0


def _propose(log: IncidentLog, args: argparse.Namespace, report: NoiseReport) -> int:
    from commander_app.store.alert_noise import find_miss, find_row, propose_miss, propose_row

    if args.propose and args.propose_miss:
        raise ValidationError("Give --propose NAME or --propose-miss ID, one at a time.")
    if args.propose_miss:
        miss = find_miss(report, log.find_incident(args.propose_miss, resolved_too=True).id)
        event = propose_miss(log, miss, author=author(args))
    else:
        row = find_row(report, args.propose)
        incident = log.find_incident(args.incident, resolved_too=True).id if args.incident else None
        event = propose_row(log, row, incident, author=author(args))
    args.wrote_to = log.incident(event.incident_id)
    out(event.id)
    return 0


def report_lines(report: NoiseReport, args: argparse.Namespace, zone: str) -> list[str]:
    scope = f" since {args.since}" if args.since else ""
    scope += f" of {args.service}" if args.service else ""
    lines = [f"Noise report: {report.incidents} incidents{scope} (night: 22:00-07:00 {zone})"]
    if not report.rows:
        lines.append("No alert fired in these incidents.")
    else:
        lines.append(
            f"{'ALERT':<28} {'INC':>4} {'ALERTS':>6} {'NOISE':>6} {'SYMPT':>6} {'CAUSE':>6} "
            f"{'NO-CTX':>6} {'FLAPS':>5} {'PAGE-H':>7} {'SLEEP-H':>7}  PROPOSAL"
        )
        for r in report.rows:
            lines.append(
                f"{r.name[:28]:<28} {r.incidents:>4} {r.alerts:>6} "
                f"{_of(r.noise, r):>6} {_of(r.symptom, r):>6} {_of(r.cause, r):>6} "
                f"{r.without_context:>6} {r.flaps:>5} {r.page_hours:>7.1f} {r.sleep_hours:>7.1f}"
                f"  {r.proposal.value}"
            )
            lines.append(f"    {r.reason}")
    if report.misses:
        lines.append("Detection misses (no alert before the incident was detected):")
        for m in report.misses:
            lines.append(f"  {m.incident_id[:10]}  {m.title[:60]}: {m.reason}")
    lines.append(
        "`commander alerts report --propose NAME` (or --propose-miss ID) makes a proposal "
        "a follow-up, its evidence in its text."
    )
    return lines


def _of(count: int, row: Any) -> str:
    return f"{count}/{row.triaged}" if row.triaged else "-"
