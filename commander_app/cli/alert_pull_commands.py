"""`commander alerts pull URL`: Alertmanager's alerts brought in by asking its API, for a
laptop Alertmanager cannot reach with a webhook. Once, or `--every` N seconds until
Ctrl+C, carrying on through failed pulls (the network comes back)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from commander_app.cli.common import author, out
from commander_app.core.alert_payloads import IncomingAlert
from commander_app.core.alert_pull import vanished
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.terminal_text import printable
from commander_app.core.times import to_iso
from commander_app.publish.alert_pull import PullAddress, PullError, pull, pull_address
from commander_app.store import environment
from commander_app.store.alerts import ingest, keep_in_inbox
from commander_app.store.incident_log import IncidentLog

MIN_EVERY_S, MAX_EVERY_S = 5, 3600


@dataclass
class PullRound:
    """What one pull brought: written to an incident (its id) or to the inbox."""

    firing: int
    written: int
    repeats: int
    resolved: int
    incident: str | None
    seen: dict[str, IncomingAlert] = field(default_factory=dict, repr=False)

    def line(self) -> str:
        where = f"incident {self.incident[:10]}" if self.incident else "the inbox"
        gone = f", {self.resolved} resolved since the last pull" if self.resolved else ""
        return (
            f"{self.firing} alerts in Alertmanager{gone}: {self.written} new alert events "
            f"in {where}, {self.repeats} repeats"
        )


def cmd_pull(log: IncidentLog, args: argparse.Namespace) -> int:
    from commander_app.cli.alert_commands import token_from_file

    address = pull_address(
        args.url, args.filter or (), args.receiver, suppressed=not args.active_only
    )
    token = token_from_file(args.token_file) if args.token_file else None
    if args.incident:
        log.find_incident(args.incident)  # a wrong id is told before anything is asked
    if args.every is None:
        done = pull_round(log, address, token, args, {})
        if done is None:
            return 1
        out(done.line())
        return 0
    if not MIN_EVERY_S <= args.every <= MAX_EVERY_S:
        raise ValidationError(f"--every takes {MIN_EVERY_S} to {MAX_EVERY_S} seconds.")
    print(
        f"commander: pulling {address.query.url} every {args.every} s; Ctrl+C stops",
        file=sys.stderr,
    )
    try:
        follow(log, address, token, args, time.sleep)
    except KeyboardInterrupt:
        print("commander: pulling stopped; every alert pulled is in the log", file=sys.stderr)
    return 0


def follow(
    log: IncidentLog,
    address: PullAddress,
    token: str | None,
    args: argparse.Namespace,
    sleep: Callable[[float], None],
    rounds: int | None = None,
) -> None:
    """Pull, write, wait, again: a failed pull is said and the next one tried."""
    seen: dict[str, IncomingAlert] = {}
    done_rounds = 0
    while rounds is None or done_rounds < rounds:
        done = pull_round(log, address, token, args, seen)
        stamp = log.clock.now().astimezone(environment.local_zone()).strftime("%H:%M:%S")
        if done is not None:
            seen = done.seen
            print(f"commander: {stamp} {done.line()}", file=sys.stderr)
        done_rounds += 1
        if rounds is None or done_rounds < rounds:
            sleep(args.every)


def pull_round(
    log: IncidentLog,
    address: PullAddress,
    token: str | None,
    args: argparse.Namespace,
    seen: dict[str, IncomingAlert],
) -> PullRound | None:
    """One pull written to the log; None (and the reason on stderr) when it failed."""
    try:
        pulled = pull(address, token=token, timeout=args.timeout)
    except PullError as exc:
        print(f"commander: {exc}", file=sys.stderr)
        return None
    problems = pulled.problems
    if problems:
        for problem in problems:
            print(f"commander: {printable(problem)}", file=sys.stderr)
        print("commander: nothing was written from this pull.", file=sys.stderr)
        return None
    alerts = pulled.alerts
    gone = vanished(seen, alerts, to_iso(log.clock.now()))
    batch = [*alerts, *gone]
    try:
        incident = log.find_incident(args.incident).id
    except NotFoundError:
        if args.incident:
            raise
        kept = keep_in_inbox(log, batch)
        return PullRound(len(alerts), kept, len(batch) - kept, len(gone), None, _firing(alerts))
    done = ingest(log, incident, batch, author=author(args))
    return PullRound(len(alerts), done.events, done.repeats, len(gone), incident, _firing(alerts))


def _firing(alerts: list[IncomingAlert]) -> dict[str, IncomingAlert]:
    return {a.fingerprint: a for a in alerts if a.state == "firing"}
