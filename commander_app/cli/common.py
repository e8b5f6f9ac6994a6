"""What every command shares: the log it works on, who writes, when, and output."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from commander_app.core.board import owner_missing
from commander_app.core.clock import SystemClock
from commander_app.core.errors import CommanderError, ValidationError
from commander_app.core.model import IncidentState, Kind
from commander_app.core.times import TimeReading, from_iso, read_due, read_when
from commander_app.store import environment
from commander_app.store.incident_log import IncidentLog

SHORT_ID = 10  # an incident id's first 10 characters: its millisecond of creation


# The commands that start a log where none is: the first incident, or a bundle merged in.
CREATE_LOG_COMMANDS = frozenset({"new", "import", "import-history"})


def open_log(args: argparse.Namespace) -> IncidentLog:
    """The log named by --db or COMMANDER_DB must exist (except for `new` and `import`);
    the default one in the user data directory is made on first use."""
    chosen = args.db or environment.chosen_db_path()
    if chosen is not None:
        environment.check_chosen_log(chosen, may_create=args.command in CREATE_LOG_COMMANDS)
    path = chosen or environment.default_db_path()
    return IncidentLog(path, device_id=environment.device_id(), clock=SystemClock())


def target(
    log: IncidentLog, args: argparse.Namespace, *, resolved_too: bool = False
) -> IncidentState:
    """The incident a writing command writes to; `main` names it on stderr afterwards,
    so the printed id stays the only line on standard output. `resolved_too`: for what
    is written after an incident (its postmortem, its follow-ups)."""
    incident = log.find_incident(args.incident, resolved_too=resolved_too)
    args.wrote_to = incident
    return incident


def wrote_to_line(incident: IncidentState) -> str:
    """Which incident was written to: the title and the short id (a drill says so)."""
    drill = " [DRILL]" if incident.is_drill else ""
    return f'commander: wrote to "{incident.title}"{drill} ({incident.id[:SHORT_ID]})'


def warn_if_ownerless(kind: Kind, owner: str | None, action_id: str) -> None:
    """The action is written (nothing typed is lost); the warning says how to name its owner."""
    if owner_missing(kind, owner):
        print(
            "commander: warning: this action has no owner, so nobody is doing it; "
            f"name one with `commander action-owner {action_id} NAME`.",
            file=sys.stderr,
        )


def author(args: argparse.Namespace) -> str:
    return args.author or environment.default_author()


def at(
    log: IncidentLog, args: argparse.Namespace, *, may_precede_opening: bool = False
) -> datetime | None:
    """The --at time, if given: HH:MM (local) or ISO-8601, never in the future; a bare
    HH:MM before the incident's opening is refused unless it may precede it (when the
    impact started, when it was detected)."""
    if not getattr(args, "at", None):
        return None
    incident: IncidentState | None = getattr(args, "wrote_to", None)
    opened = incident.opened_at if incident is not None and not may_precede_opening else None
    reading = read_when(
        args.at,
        log.clock.now(),
        environment.local_zone(),
        not_before=from_iso(opened) if opened else None,
    )
    say_reading(reading)
    return reading.moment


def due(log: IncidentLog, typed: str | None) -> datetime | None:
    """A deadline typed as HH:MM (local: today's, or tomorrow's soon after) or ISO-8601."""
    if not typed:
        return None
    reading = read_due(typed, log.clock.now(), environment.local_zone())
    say_reading(reading)
    return reading.moment


def say_reading(reading: TimeReading) -> None:
    """A bare clock time read as another day's is said, so nobody is surprised later."""
    if reading.note:
        print(f"commander: {reading.note}", file=sys.stderr)


UPDATE_TEXT_LIMIT = environment.MEGABYTE
BUNDLE_LIMIT = 200 * environment.MEGABYTE


def out(text: str) -> None:
    """One result on standard output; a closed one is told as such (what the command
    wrote to the log is already saved), never as a traceback."""
    if sys.stdout is None:
        raise OutputClosedError(OUTPUT_CLOSED)
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    except OSError as exc:  # a closed pipe (BrokenPipeError) or a full or gone device
        silence_stdout()
        raise OutputClosedError(f"{OUTPUT_CLOSED} ({exc.strerror or exc}.)") from None


def write_output(output: Path | None, text: str, written: str | None = None) -> None:
    """A command's result to `-o FILE`, atomically (or to standard output for none or
    '-'); `written` is what to say once the file is written ("Written to FILE.")."""
    if output is None or str(output) == "-":
        out(text.rstrip("\n"))
        return
    try:
        environment.write_atomically(output, text)
    except OSError as exc:
        raise ValidationError(f"Cannot write {output}: {exc.strerror}.") from None
    out(written or f"Written to {output}.")


OUTPUT_CLOSED = (
    "cannot print the result: standard output is closed or its reader went away. "
    "What the command wrote to the log is saved."
)


class OutputClosedError(CommanderError):
    """Standard output is closed: the work is done, its result could not be printed."""


def silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's final flush of what is
    still buffered for a closed pipe fails neither loudly nor with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        sys.stdout = None


def read_text(name: str, limit: int = UPDATE_TEXT_LIMIT) -> str:
    """The update's text from a file, or from standard input for '-', at most `limit`."""
    if name == "-":
        if sys.stdin is None:
            raise ValidationError("There is no standard input to read the text from.")
        text = sys.stdin.read(limit + 1)
        if len(text) > limit:
            raise ValidationError(
                f"The text on standard input is longer than {environment.size_words(limit)}, "
                "the most Commander reads for it."
            )
        return text
    try:
        return environment.read_text_bounded(name, limit)
    except FileNotFoundError:
        raise ValidationError(f"There is no file {name}.") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{name} is not UTF-8 text.") from None
    except OSError as exc:
        raise ValidationError(f"Cannot read {name}: {exc.strerror}.") from None
