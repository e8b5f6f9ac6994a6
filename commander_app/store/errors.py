"""Store errors a user can meet, worded for the user."""

import sqlite3

from commander_app.core.errors import CommanderError


def is_busy(exc: sqlite3.Error) -> bool:
    """Another connection held the lock: the file is in use, not broken."""
    return "locked" in str(exc) or "busy" in str(exc)


class DamagedDatabaseError(CommanderError):
    """The database file failed its integrity check or is not a database."""


class NewerSchemaError(CommanderError):
    """The database was written by a newer Commander."""


class BusyError(CommanderError):
    """Another process held the write lock for longer than the busy timeout."""


class StorageError(CommanderError):
    """The file could not be written (disk full, I/O error, read-only medium)."""


class MissingLogError(CommanderError):
    """The incident log someone named does not exist (a typo must not start a new one)."""
