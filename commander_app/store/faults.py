"""What went wrong with the log's file, told by SQLite's error code, in the user's words.

A full disk, a read-only folder, a folder given as the log or a file that is not ours
each get their own message and way out; only real damage is told to go back to a
backup, because copying a backup over a healthy log loses every entry since it was
taken. An error with any other code is a bug: `storage_fault` returns None and the
caller lets it rise, to be logged with its traceback (never dressed up as "check the
disk").
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from commander_app.core.errors import CommanderError
from commander_app.store.backups import BackupRotation
from commander_app.store.errors import (
    BUSY_TIMEOUT_SECONDS,
    BusyError,
    DamagedDatabaseError,
    DiskFullError,
    LogIsFolderError,
    NotALogError,
    ReadOnlyError,
    StorageError,
    StoredValueError,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED")
NOTHING_LOST = "nothing already in the log was lost"


def error_name(exc: sqlite3.Error) -> str:
    """SQLite's name for the error's primary code (SQLITE_IOERR for SQLITE_IOERR_WRITE)."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    for primary in (
        "SQLITE_IOERR",
        "SQLITE_READONLY",
        "SQLITE_CANTOPEN",
        "SQLITE_CORRUPT",
        "SQLITE_BUSY",
        "SQLITE_LOCKED",
        "SQLITE_AUTH",
    ):
        if name.startswith(primary):
            return primary
    return str(name)


ENVIRONMENT_CODES = (
    *BUSY_CODES,
    "SQLITE_FULL",
    "SQLITE_READONLY",
    "SQLITE_CANTOPEN",
    "SQLITE_PERM",
    "SQLITE_AUTH",
    "SQLITE_IOERR",
    "SQLITE_NOMEM",
    "SQLITE_NOTADB",
    "SQLITE_CORRUPT",
)


def is_environment_fault(exc: sqlite3.Error) -> bool:
    """Whether the error comes from the disk, the file or another program, not a bug."""
    return error_name(exc) in ENVIRONMENT_CODES


def storage_fault(
    exc: sqlite3.Error, path: Path, backups: BackupRotation | None, *, writing: bool
) -> CommanderError | None:
    """The message for an environment fault on the log at `path`; None for a bug.

    `writing`: the fault came while writing an entry (it was not written), not while
    opening the log (nothing was changed)."""
    name = error_name(exc)
    outcome = "The entry was not written" if writing else "Nothing was changed"
    if name in BUSY_CODES:
        return BusyError(
            "The incident log is busy: another Commander held it for more than "
            f"{BUSY_TIMEOUT_SECONDS:.0f} seconds. Nothing was written; try again."
        )
    if name == "SQLITE_FULL":
        return DiskFullError(
            f"The disk that holds the incident log {path} is full. {outcome}, and "
            f"{NOTHING_LOST}. Free some space on that disk, then try again."
        )
    if name == "SQLITE_READONLY":
        return ReadOnlyError(
            f"The incident log {path} cannot be written: {_why_read_only(path)}. {outcome}, "
            f"and {NOTHING_LOST}. Make the file and its folder writable, or copy the log "
            "to a folder you can write and open the copy with --db."
        )
    if name == "SQLITE_CANTOPEN":
        return _cannot_open(path)
    if name in ("SQLITE_PERM", "SQLITE_AUTH"):
        return ReadOnlyError(
            f"Commander is not allowed to use the incident log {path} ({exc}). {outcome}. "
            "Check the file's and its folder's permissions."
        )
    if name == "SQLITE_IOERR":
        return StorageError(
            f"The disk reported an error while reading or writing the incident log {path} "
            f"({exc}): a removed USB stick, a network drive that went away, or a failing "
            f"disk. {outcome}. Check the disk and try again; `commander check` verifies "
            "the log once the disk is back."
        )
    if name == "SQLITE_NOMEM":
        return StorageError(
            f"This computer ran out of memory while using the incident log {path}. "
            f"{outcome}. Close other programs and try again."
        )
    if name == "SQLITE_NOTADB" and not _has_sqlite_header(path):
        return not_a_log(path, backups)
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return damaged_error(path, backups, str(exc))
    return None


# What the sqlite3 module says when a stored text is not UTF-8; it carries no SQLite code.
_NOT_UTF8 = "Could not decode to UTF-8"
DAMAGE_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def damage_in(exc: BaseException) -> str | None:
    """What a failed query says about damage to the stored data, or None when it says
    nothing of the kind (a bug, or another fault of the environment). Only SQLite's own
    codes for a damaged file and stored bytes that do not decode count (a value, or the
    schema text SQLite quotes in its message): any other error stays what it is."""
    if isinstance(exc, StoredValueError):
        return str(exc)
    if isinstance(exc, UnicodeDecodeError):  # SQLite's own message quotes a damaged schema
        return "SQLite's message about the file is not UTF-8: its schema is damaged"
    if isinstance(exc, sqlite3.DatabaseError):
        if error_name(exc) in DAMAGE_CODES:
            return str(exc)
        if isinstance(exc, sqlite3.OperationalError) and str(exc).startswith(_NOT_UTF8):
            return f"a stored text is not UTF-8: {exc}"
    return None


def read_fault(
    exc: BaseException, path: Path, backups: BackupRotation | None
) -> CommanderError | None:
    """The message for damage met while reading (or writing) the log at `path`; None when
    `exc` is no sign of damage (see `damage_in`)."""
    detail = damage_in(exc)
    if detail is None:
        return None
    notadb = isinstance(exc, sqlite3.DatabaseError) and error_name(exc) == "SQLITE_NOTADB"
    if notadb and not _has_sqlite_header(path):
        return not_a_log(path, backups)
    return damaged_error(path, backups, detail)


def _why_read_only(path: Path) -> str:
    folder = path.parent
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(folder, os.W_OK):
        return f"its folder {folder} is read-only (SQLite writes its journal files beside the log)"
    return "it was opened read-only (a read-only disk or mount, or a read-only copy)"


def _cannot_open(path: Path) -> CommanderError:
    if path.is_dir():
        return LogIsFolderError(
            f"{path} is a folder, not an incident log: name a file, for example "
            f"--db {path / 'incidents.db'}. Nothing was changed."
        )
    if not path.exists():
        return ReadOnlyError(
            f"Commander cannot create the incident log {path}: its folder {path.parent} "
            "is read-only, or you may not write in it. Choose a folder you can write "
            "(--db PATH)."
        )
    return ReadOnlyError(
        f"Commander cannot open the incident log {path}: the file or its folder "
        f"{path.parent} is read-only or not yours (SQLite writes its journal files beside "
        "the log). Nothing was changed; make both writable, or copy the log to a folder "
        "you can write and open the copy with --db."
    )


def _has_sqlite_header(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def not_a_log(
    path: Path, backups: BackupRotation | None, why: str = "it is not an SQLite database"
) -> NotALogError:
    """A file that is no SQLite database: someone named the wrong file. Nothing is to be
    copied over it; if it was once the log, its backup is opened where it is."""
    good = backups.newest_good() if backups is not None else None
    way_back = (
        f" If this file was your incident log, keep it and open its newest good backup "
        f"where it is: commander --db {good}"
        if good
        else ""
    )
    return NotALogError(
        f"{path} is not a Commander incident log ({why}) and was "
        f"not changed. Check the path you gave (--db or COMMANDER_DB).{way_back}"
    )


def damaged_error(path: Path, backups: BackupRotation | None, detail: str) -> DamagedDatabaseError:
    """The message a person needs: what is wrong, and which backup to go back to."""
    good = backups.newest_good() if backups is not None else None
    if good:
        advice = (
            f"The newest good backup is {good}. Close Commander, move the damaged file "
            f"aside (keep it), copy the backup to {path}, and start again."
        )
    elif backups is not None:
        advice = f"No good backup was found in {backups.directory}."
    else:
        advice = ""
    return DamagedDatabaseError(
        f"The incident log {path} is damaged and was not changed ({detail}). {advice}".rstrip()
    )


def folder_fault(exc: OSError, path: Path) -> CommanderError:
    """The log's folder could not be made: a file stands where a folder must be, or the
    place is not writable."""
    if isinstance(exc, NotADirectoryError | FileExistsError):
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        where = f"{blocker} is a file, not a folder" if blocker else f"{exc.filename} is a file"
        return LogIsFolderError(
            f"Commander cannot make the folder {path.parent} for the incident log: {where}. "
            "Nothing was changed; choose another place with --db."
        )
    return ReadOnlyError(
        f"Commander cannot make the folder {path.parent} for the incident log "
        f"({exc.strerror or exc}). Nothing was changed; choose a folder you can write "
        "with --db."
    )
