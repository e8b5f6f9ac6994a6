"""The log file of bugs: every unexpected error, with its traceback, in a rotating file in
the user's state directory, so a person can send it along with what they saw."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterable
from pathlib import Path

import platformdirs

from commander_app.store.environment import APP_NAME, MEGABYTE

LOG_FILE = "commander.log"
MAX_BYTES = MEGABYTE
KEEP_FILES = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d %(threadName)s]: %(message)s"


def log_file_path() -> Path:
    return platformdirs.user_state_path(APP_NAME, appauthor=False) / "log" / LOG_FILE


def open_fault_log(filters: Iterable[logging.Filter] = ()) -> logging.Handler | None:
    """A rotating file handler on the root logger (warnings and worse), with `filters`
    (the secret redactors) on it; None when the folder cannot be made (a read-only
    home): the bug is still told on screen."""
    path = log_file_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=KEEP_FILES, encoding="utf-8", delay=True
        )
    except OSError:
        return None
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(_FORMAT))
    for found in filters:
        handler.addFilter(found)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    return handler


def close_fault_log(handler: logging.Handler | None) -> None:
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        handler.close()


def record_bug(exc: BaseException, context: str) -> None:
    """One unexpected error, with its traceback, into the log file (and any handler)."""
    logging.getLogger("commander_app.bug").error(
        "unexpected error %s", context, exc_info=(type(exc), exc, exc.__traceback__)
    )
