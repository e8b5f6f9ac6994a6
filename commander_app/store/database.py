"""Opening the incident database: durable pragmas, health check, schema upgrade."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from commander_app.store.backups import BackupRotation
from commander_app.store.errors import BUSY_TIMEOUT_SECONDS, NewerSchemaError, NotALogError, is_busy
from commander_app.store.faults import damaged_error, folder_fault, not_a_log, storage_fault
from commander_app.store.integrity import BackgroundCheck, damage_found
from commander_app.store.versions import KNOWN_MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "LogConnection",
    "connect",
    "open_database",
    "write_transaction",
]


class LogConnection(sqlite3.Connection):
    """A connection to the log that may still be waiting for its integrity check; it
    knows its file and backups, so a fault while writing is told about the right file."""

    integrity_check: BackgroundCheck | None = None
    log_path: Path | None = None
    backups: BackupRotation | None = None


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection with the durability every Commander connection promises."""
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level=None,
        check_same_thread=False,
        factory=LogConnection,
    )
    assert isinstance(conn, LogConnection)
    conn.log_path = Path(path)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        _enter_wal(conn)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _enter_wal(conn: sqlite3.Connection) -> None:
    """Switching a new file to WAL needs a lock SQLite does not wait for: when two
    programs create the log at once, the second retries until the first is done."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One user action, one transaction; the write lock is taken up front
    so two writers queue on the busy timeout instead of failing mid-way. A log whose
    integrity check is still running waits for it: nothing is written into damage."""
    if isinstance(conn, LogConnection) and conn.integrity_check is not None:
        conn.integrity_check.raise_if_damaged()
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise _fault_or_bug(conn, exc) from None
    try:
        yield
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            # SQLite may have rolled back already (a full disk or an I/O error does).
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise _fault_or_bug(conn, exc) from exc
        raise


def _fault_or_bug(conn: sqlite3.Connection, exc: sqlite3.Error) -> Exception:
    """An environment fault in the person's words; anything else (a bug) as it was."""
    path = conn.log_path if isinstance(conn, LogConnection) else None
    if path is None:
        path = _file_of(conn)
    backups = conn.backups if isinstance(conn, LogConnection) else None
    fault = storage_fault(exc, path, backups, writing=True)
    return exc if fault is None else fault


def _file_of(conn: sqlite3.Connection) -> Path:
    try:
        row = conn.execute("PRAGMA database_list").fetchone()
    except sqlite3.Error:
        return Path("the incident log")
    return Path(row[2]) if row and row[2] else Path("the incident log")


def open_database(
    path: Path, backups: BackupRotation, now: datetime, *, check_in_background: bool = False
) -> sqlite3.Connection:
    """Open (or create) the log, refuse damage and newer schemas, upgrade older ones.

    With `check_in_background`, a log already at this version is checked on a thread of
    its own (see `integrity`); one that must be created or upgraded is checked first."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise folder_fault(exc, path) from None
    conn: sqlite3.Connection | None = None
    journal = _journal_in_header(path)
    try:
        conn = connect(path)
        deferred = check_in_background and _is_current(conn)
        detail = None if deferred else damage_found(conn)
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        fault = storage_fault(exc, path, backups, writing=False)
        if fault is None:
            raise
        raise fault from None
    assert isinstance(conn, LogConnection)
    conn.backups = backups
    if deferred:
        conn.integrity_check = BackgroundCheck(path, backups, BUSY_TIMEOUT_SECONDS)
        return conn
    if detail is not None:
        conn.close()
        raise damaged_error(path, backups, detail)
    try:
        _migrate(conn, path, backups, now)
    except NotALogError:
        if journal == 1:  # another program's file is left in its own journal mode
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA journal_mode = DELETE")
        conn.close()
        raise
    except BaseException:
        conn.close()
        raise
    return conn


def _journal_in_header(path: Path) -> int | None:
    """Byte 18 of an SQLite file: 1 for a rollback journal, 2 for WAL (None: no file)."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(19)
    except OSError:
        return None
    return header[18] if len(header) == 19 else None


def _is_current(conn: sqlite3.Connection) -> bool:
    """The file is at exactly this version of the schema: opening it changes nothing."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return bool(version == SCHEMA_VERSION) and _applied(conn) == set(KNOWN_MIGRATIONS)


def _applied(conn: sqlite3.Connection) -> set[str]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE]
    ).fetchone()
    if not exists:
        return set()
    rows = conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = 'commander'")
    return {row[0] for row in rows}


def _migrate(conn: sqlite3.Connection, path: Path, backups: BackupRotation, now: datetime) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    applied = _applied(conn)
    unknown = applied - set(KNOWN_MIGRATIONS)
    if version > SCHEMA_VERSION or unknown:
        conn_version = max(version, SCHEMA_VERSION + 1)
        raise NewerSchemaError(
            f"The incident log {path} was written by a newer Commander (schema {conn_version}; "
            f"this one knows up to {SCHEMA_VERSION}). Update Commander to open it; "
            "the file was not changed."
        )
    if applied == set(KNOWN_MIGRATIONS):
        return
    from commander_app.store import schema  # only when the file must change

    if not applied:
        with write_transaction(conn):
            # Re-read under the write lock: another process may have created it meanwhile.
            if _is_empty(conn):
                schema.create_fresh(conn)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                return
            # A log is created whole, its record of migrations included: tables without
            # that record are another program's database, never to be changed.
            if not _applied(conn):
                raise not_a_log(
                    path,
                    backups,
                    "it is another program's SQLite database, with no Commander tables",
                )
        applied = _applied(conn)
    from sqlite_utils import Database

    if applied:
        backups.take(conn, now, label="before_upgrade")
    with write_transaction(conn):
        # Pending is re-read under the write lock: another process may have
        # upgraded the file since we looked.
        schema.sqlite_utils_migrations().apply(Database(conn, execute_plugins=False))
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _is_empty(conn: sqlite3.Connection) -> bool:
    """A file with no schema at all: a new log."""
    (objects,) = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return int(objects) == 0
