"""The `commander` command: the window with no arguments, headless commands otherwise."""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from commander_app.cli.parser import build_parser, build_window_parser
from commander_app.core.errors import CommanderError
from commander_app.core.terminal_text import printable

PROCESS_START = time.perf_counter()


class _TerminalSafe:
    """A stream that writes every control character as a visible escape (see
    core.terminal_text); everything else passes to the stream it wraps."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text))

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def _guard_output() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _TerminalSafe):
            setattr(sys, name, _TerminalSafe(stream))


def _tell_about_the_playbook() -> None:
    """If the command read the playbook and it was migrated or broken, say so (once)."""
    from commander_app.store.playbook import news

    for line in news():
        print(f"commander: warning: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    window, rest = build_window_parser().parse_known_args(argv)
    if not rest:  # no command: the window, without building every subcommand's parser
        return _window(window.db, smoke_test=window.smoke_test)
    from commander_app.cli.parser import rewrite_argv

    args = build_parser().parse_args(rewrite_argv(list(sys.argv[1:] if argv is None else argv)))
    if args.command is None:
        return _window(args.db, smoke_test=args.smoke_test)
    _guard_output()  # a command prints what entries and bundles hold
    module_name, _, function = args.run.partition(":")
    command = getattr(importlib.import_module(f"commander_app.cli.{module_name}"), function)
    from commander_app.cli.common import open_log, wrote_to_line

    try:
        with open_log(args) as log:
            for finished in log.finished_imports:
                print(f"commander: {finished.describe()}", file=sys.stderr)
            result: int = command(log, args)
            _tell_about_the_playbook()
            if result == 0 and log.backup_problem is None:
                try:
                    log.maybe_backup()  # after the output: the entry is already safe
                except CommanderError as exc:
                    log.backup_problem = str(exc)
            if log.backup_problem:
                print(f"commander: warning: {log.backup_problem}", file=sys.stderr)
            written = getattr(args, "wrote_to", None)
            if result == 0 and written is not None:
                print(wrote_to_line(written), file=sys.stderr)
            return result
    except CommanderError as exc:
        print(f"commander: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("commander: interrupted; nothing further was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # a print() straight to a closed standard output
        from commander_app.cli.common import OUTPUT_CLOSED, silence_stdout

        silence_stdout()
        print(f"commander: {OUTPUT_CLOSED}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001  the last resort: a bug is logged, told in one line
        return report_bug(exc, args.command)


def _window(db: Path | None, *, smoke_test: bool) -> int:
    """The window; a bug before its own exception hook runs (or after it is removed) is
    still logged and told in one line."""
    try:
        from commander_app.ui.app import run_app

        return run_app(db, smoke_test=smoke_test, process_start=PROCESS_START)
    except Exception as exc:  # noqa: BLE001  the last resort, as above
        return report_bug(exc, "window")


EXIT_BUG = 70  # EX_SOFTWARE: an internal error, not the user's


def report_bug(exc: Exception, command: str) -> int:
    """A bug: its traceback into the log file, one line here saying where to find it."""
    from commander_app.publish.redaction import file_log_filters
    from commander_app.store import fault_log

    handler = fault_log.open_fault_log(file_log_filters)
    try:
        fault_log.record_bug(exc, f"in `commander {command}`")
    finally:
        fault_log.close_fault_log(handler)
    where = fault_log.log_file_path() if handler is not None else "no log file (cannot write it)"
    print(
        f"commander: unexpected error ({type(exc).__name__}); details in {where}", file=sys.stderr
    )
    return EXIT_BUG
