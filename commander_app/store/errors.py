"""Store errors a user can meet, worded for the user."""

import sqlite3

from commander_app.core.errors import CommanderError

BUSY_TIMEOUT_SECONDS = 10.0


def is_busy(exc: sqlite3.Error) -> bool:
    """Another connection held the lock: the file is in use, not broken."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


class DamagedDatabaseError(CommanderError):
    """The database file failed its integrity check or is not a database."""


class NewerSchemaError(CommanderError):
    """The database was written by a newer Commander."""


class BusyError(CommanderError):
    """Another process held the write lock for longer than the busy timeout."""


class StorageError(CommanderError):
    """The file could not be written (disk full, I/O error, read-only medium)."""


class DiskFullError(StorageError):
    """The disk holding the log is full: nothing was written, nothing was lost."""


class ReadOnlyError(StorageError):
    """The log, or its folder, cannot be written (or a new log cannot be made there)."""


class LogIsFolderError(CommanderError):
    """The path given as the log names a folder (or passes through a file)."""


class NotALogError(CommanderError):
    """The file named as the log is no SQLite database at all: not ours."""


class MissingLogError(CommanderError):
    """The incident log someone named does not exist (a typo must not start a new one)."""


class StoredValueError(ValueError):
    """A value read from the log is not one Commander writes (a body that is no JSON
    object, a kind it does not know, bytes where it stores text): the file was damaged.
    It names the row, not the file; where the query ran (`database.LogCursor`) it becomes
    the `DamagedDatabaseError` that names the file and its newest good backup."""
