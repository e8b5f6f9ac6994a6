"""`commander team setup|status|share|unshare|sync`: one incident on several laptops."""

from __future__ import annotations

import argparse
import getpass
import json
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commander_app.cli.common import author, out
from commander_app.core.errors import CommanderError, ValidationError
from commander_app.core.team_status import SyncState, SyncStatus, status_line
from commander_app.store import team_state
from commander_app.store.incident_log import IncidentLog

if TYPE_CHECKING:
    from commander_app.team.config import TeamConfig
    from commander_app.team.connection import TeamConnection
    from commander_app.team.sync import Round

NOT_SET_UP = (
    "No team database is set up on this laptop. Run `commander team setup --host HOST "
    "--db DATABASE --user USER` first (see the README, 'Team sync')."
)


def _config(log: IncidentLog) -> TeamConfig:
    from commander_app.team.config import TeamConfig

    stored = team_state.config(log)
    if stored is None:
        raise CommanderError(NOT_SET_UP)
    return TeamConfig.from_dict(stored)


def _password(config: TeamConfig) -> str | None:
    from commander_app.team.config import TeamSecrets

    return TeamSecrets().get(config.key)


def _connect(log: IncidentLog, config: TeamConfig) -> TeamConnection:
    return _connect_with(log, config, _password(config))


def _unreachable(config: TeamConfig, exc: Exception) -> str:
    from commander_app.team.worker import plain_problem

    return (
        f"The team database {config.key} cannot be reached: {plain_problem(exc)}. "
        "Nothing was lost: this laptop keeps working alone and catches up later."
    )


def cmd_setup(log: IncidentLog, args: argparse.Namespace) -> int:
    from commander_app.publish.secrets import no_keyring_refusal
    from commander_app.team.config import TeamConfig, TeamSecrets
    from commander_app.team.server_schema import migrate

    config = TeamConfig(
        host=args.host,
        dbname=args.dbname,
        user=args.user,
        port=args.port,
        sslmode=args.sslmode,
        sslrootcert=str(Path(args.ca).resolve()) if args.ca else None,
    )
    if args.ca and not Path(args.ca).is_file():
        raise ValidationError(f"The CA file {args.ca} does not exist.")
    password = _read_password(args)
    secrets = TeamSecrets()
    if password is not None and not secrets.persistent:
        raise CommanderError(no_keyring_refusal("team database password"))
    import psycopg

    try:
        with psycopg.connect(config.conninfo(password), autocommit=True) as conn:
            if args.create_schema:
                before, after = migrate(conn, log.device_id, args.grant or [])
                if before != after:
                    out(f"Created the team schema (version {after}) in {config.key}.")
                else:
                    out(f"The team schema is at version {after} already.")
    except CommanderError:
        raise
    except psycopg.Error as exc:
        raise CommanderError(_unreachable(config, exc)) from None
    team = _connect_with(log, config, password)
    team.close()
    if password is not None:
        secrets.set(config.key, password)
    team_state.save_config(log, config.to_dict())
    out(
        f"Team database {config.key}: reachable (TLS: {config.sslmode}). Share an incident "
        "with `commander team share ID`; `commander team sync` keeps this laptop in step."
    )
    return 0


def _connect_with(log: IncidentLog, config: TeamConfig, password: str | None) -> TeamConnection:
    from commander_app.team.connection import TeamConnection

    try:
        return TeamConnection.open(config.conninfo(password), log.device_id)
    except CommanderError:
        raise
    except Exception as exc:  # noqa: BLE001  psycopg's errors
        raise CommanderError(_unreachable(config, exc)) from None


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        text = sys.stdin.readline().rstrip("\r\n")
        if not text:
            raise ValidationError("No password was given on standard input.")
        return text
    if args.no_password:
        return None  # a client certificate, .pgpass or a trusted network
    if not sys.stdin.isatty():
        raise ValidationError(
            "Give the password with --password-stdin, or --no-password when the server needs none."
        )
    return getpass.getpass(f"Password for {args.user}: ") or None


def cmd_status(log: IncidentLog, args: argparse.Namespace) -> int:
    config = _config(log)
    shares = team_state.shares(log)
    refused = team_state.refused(log)
    report: dict[str, Any] = {
        "database": config.key,
        "sslmode": config.sslmode,
        "shared": [
            {"incident": s.incident_id, "title": s.title, "shared": s.shared, "waiting": s.waiting}
            for s in shares
        ],
        "refused": [
            {"event": r[0], "incident": r[1], "device": r[2], "reason": r[3]} for r in refused
        ],
    }
    try:
        team = _connect(log, config)
    except CommanderError as exc:
        report.update(reachable=False, problem=str(exc))
    else:
        from commander_app.team.sync import cursor

        with team:
            report.update(
                reachable=True,
                behind=team.behind(cursor(log)),
                devices=[
                    {
                        "device": d.device_id,
                        "person": d.person,
                        "incidents": d.incidents,
                        "seconds_ago": round(d.seconds_ago),
                    }
                    for d in team.devices()
                ],
            )
    if args.json:
        out(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    lines = [f"Team database: {config.key} (TLS: {config.sslmode})"]
    if report["reachable"]:
        lines.append(f"  reachable; {report['behind']:,} events of others not pulled yet")
        for d in report["devices"]:
            lines.append(f"  seen {d['seconds_ago']} s ago: {d['person']} ({d['device']})")
    else:
        lines.append(f"  {report['problem']}")
    if not shares:
        lines.append("No incident is shared yet: `commander team share ID`.")
    else:
        lines.append("Incidents:")
    for s in shares:
        state = "shared" if s.shared else "kept on this laptop"
        waiting = (
            f", {_entries(s.waiting)} {'waits' if s.waiting == 1 else 'wait'} to be sent"
            if s.shared and s.waiting
            else ""
        )
        lines.append(f"  {s.incident_id}  {s.title}  ({state}{waiting})")
    if refused:
        lines.append(f"{len(refused):,} events from the team database were refused:")
        lines.extend(f"  {r[0]} from {r[2]}: {r[3]}" for r in refused[:10])
    out("\n".join(lines))
    return 0


def cmd_share(log: IncidentLog, args: argparse.Namespace) -> int:
    _config(log)
    incident = log.find_incident(args.id, resolved_too=True)
    if not team_state.share(log, incident.id):
        out(f"{incident.id} is shared already.")
        return 0
    drill = " (a drill: the team sees it marked as one)" if incident.is_drill else ""
    out(
        f'Shared {incident.id} "{incident.title}"{drill}: its entries go to the team '
        "database with the next sync."
    )
    return 0


def share_new(log: IncidentLog, incident_id: str) -> None:
    """`new --share`: the incident is written first (nothing typed is lost), then shared."""
    if team_state.config(log) is None:
        raise CommanderError(f"The incident {incident_id} was opened but not shared. {NOT_SET_UP}")
    team_state.share(log, incident_id)


def cmd_unshare(log: IncidentLog, args: argparse.Namespace) -> int:
    incident = log.find_incident(args.id, resolved_too=True)
    if not team_state.unshare(log, incident.id):
        out(f"{incident.id} was not shared.")
        return 0
    out(
        f"{incident.id} is kept on this laptop from now on: nothing more is sent or received "
        "for it. What the team database has already stays there (nobody's role may delete)."
    )
    return 0


def cmd_sync(log: IncidentLog, args: argparse.Namespace) -> int:
    config = _config(log)
    if args.once:
        from commander_app.team.sync import run_round

        with _connect(log, config) as team:
            result = run_round(log, team)
        refused = f", {result.refused:,} refused" if result.refused else ""
        out(f"Sent {_entries(result.pushed)}, received {result.pulled:,}{refused}.")
        return 0
    return _sync_until_stopped(log, config, author(args), verbose=args.verbose)


def _sync_until_stopped(log: IncidentLog, config: TeamConfig, person: str, *, verbose: bool) -> int:
    """The worker in the foreground, one line per change of state, until Ctrl+C / SIGTERM."""
    from commander_app.team.worker import SyncWorker

    stopped = threading.Event()
    last: list[str] = []

    def show(status: SyncStatus) -> None:
        line = status_line(status, _local_clock(status))
        if status.problem and status.state in (SyncState.OFFLINE, SyncState.BLOCKED):
            line += f" ({status.problem})"
        if not last or last[-1] != line:
            last.append(line)
            print(line, flush=True)

    worker = SyncWorker(
        log.path,
        device_id=log.device_id,
        person=person,
        config=config,
        password=lambda: _password(config),
        on_status=show,
        on_round=_print_round if verbose else None,
    )
    previous = signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    worker.start()
    try:
        while not stopped.wait(0.5):
            if not worker.running:
                break
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop()
        signal.signal(signal.SIGTERM, previous)
    return 0


def _entries(count: int) -> str:
    return f"{count:,} {'entry' if count == 1 else 'entries'}"


def _print_round(result: Round) -> None:
    refused = f", {result.refused:,} refused" if result.refused else ""
    held = f", {result.held:,} waiting for earlier ones" if result.held else ""
    print(f"sent {result.pushed:,}, received {result.pulled:,}{refused}{held}", flush=True)


def _local_clock(status: SyncStatus) -> str | None:
    if status.offline_since is None:
        return None
    return status.offline_since.astimezone().strftime("%H:%M")
