"""The log file of bugs: every unexpected error, with its traceback, in a rotating file in
the user's state directory, so a person can send it along with what they saw."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import platformdirs

from commander_app.store.environment import APP_NAME, MEGABYTE

LOG_FILE = "commander.log"
MAX_BYTES = MEGABYTE
KEEP_FILES = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d %(threadName)s]: %(message)s"


def log_file_path() -> Path:
    return platformdirs.user_state_path(APP_NAME, appauthor=False) / "log" / LOG_FILE


class _FileOnFirstRecord(logging.Handler):
    """The rotating file, opened with its filters on the first record that reaches it: a
    run without a bug (most) never loads logging.handlers (and socket, pickle…)."""

    def __init__(self, path: Path, filters: Callable[[], Iterable[logging.Filter]]) -> None:
        super().__init__(logging.WARNING)
        self._path, self._filters = path, filters
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            import logging.handlers

            self._file = logging.handlers.RotatingFileHandler(
                self._path, maxBytes=MAX_BYTES, backupCount=KEEP_FILES, encoding="utf-8"
            )
            self._file.setFormatter(logging.Formatter(_FORMAT))
            for found in self._filters():
                self._file.addFilter(found)
        self._file.handle(record)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def open_fault_log(
    filters: Callable[[], Iterable[logging.Filter]] = tuple,
) -> logging.Handler | None:
    """A handler on the root logger (warnings and worse) writing a rotating file, with the
    `filters` it is given (the secret redactors, made on the first record) on it; None when
    the folder cannot be made (a read-only home): the bug is still told on screen."""
    path = log_file_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    handler = _FileOnFirstRecord(path, filters)
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
