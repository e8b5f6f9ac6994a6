"""`commander import-history FILE.csv`: another tool's incidents, brought in once."""

from __future__ import annotations

import argparse
import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commander_app.cli.common import BUNDLE_LIMIT, author, out
from commander_app.core.errors import ValidationError
from commander_app.core.history_csv import parse_history
from commander_app.store import environment
from commander_app.store.history import import_history
from commander_app.store.incident_log import IncidentLog


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone '{name}': name one like UTC, Europe/Berlin or America/New_York."
        ) from None


def cmd_import_history(log: IncidentLog, args: argparse.Namespace) -> int:
    zone = _zone(args.zone)
    try:
        text = environment.read_text_bounded(args.file, BUNDLE_LIMIT)
    except FileNotFoundError:
        raise ValidationError(f"There is no file {args.file}.") from None
    except UnicodeDecodeError:
        raise ValidationError(
            f"{args.file} is not UTF-8 text; save the CSV as UTF-8 and import it again."
        ) from None
    except OSError as exc:
        raise ValidationError(f"Cannot read {args.file}: {exc.strerror}.") from None
    history = parse_history(text, now=log.clock.now(), zone=zone, source=args.source)
    if history.problems:
        for problem in history.problems:
            print(f"commander: {args.file}: {problem}", file=sys.stderr)
        count = len(history.problems)
        print(
            f"commander: {count} problem{'s' if count != 1 else ''} in {args.file}; "
            "nothing was imported. Fix the rows and import the file again.",
            file=sys.stderr,
        )
        return 1
    result = import_history(log, history, author=author(args))
    out(f"{result.added} new, {result.already_present} already present")
    if history.ignored_columns:
        out(f"Columns not read: {', '.join(history.ignored_columns)}")
    return 0
