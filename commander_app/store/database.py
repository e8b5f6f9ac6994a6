"""Opening the incident database: durable pragmas, health check, schema upgrade."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from commander_app.core.errors import CommanderError
from commander_app.store.backups import BackupRotation
from commander_app.store.errors import (
    BUSY_TIMEOUT_SECONDS,
    DamagedDatabaseError,
    NewerSchemaError,
    NotALogError,
    StoredValueError,
    is_busy,
)
from commander_app.store.faults import (
    damage_in,
    damaged_error,
    folder_fault,
    not_a_log,
    read_fault,
    storage_fault,
)
from commander_app.store.integrity import BackgroundCheck, damage_found
from commander_app.store.versions import KNOWN_MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "LogConnection",
    "LogCursor",
    "connect",
    "decoded",
    "open_database",
    "write_transaction",
]


class LogConnection(sqlite3.Connection):
    """A connection to the log that may still be waiting for its integrity check; it
    knows its file and backups, so a fault while writing is told about the right file.
    Every query on it runs on a `LogCursor`, so damage met by any read is told as damage."""

    integrity_check: BackgroundCheck | None = None
    log_path: Path | None = None
    backups: BackupRotation | None = None
    damage: CommanderError | None = None  # damage a read met: no more writes

    file_identity: tuple[int, int] | None = None  # see `_open_here`

    def execute(self, sql: str, parameters: Any = (), /) -> LogCursor:
        return self.cursor(LogCursor).execute(sql, parameters)

    def close(self) -> None:
        super().close()
        _forget_open(self)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> LogCursor:
        return self.cursor(LogCursor).executemany(sql, parameters)


# What a query raises when it may have met damage; `faults.damage_in` tells which is.
_MAY_BE_DAMAGE = (sqlite3.DatabaseError, StoredValueError, UnicodeDecodeError)


class LogCursor(sqlite3.Cursor):
    """The one place where damage met by a query becomes the message a person needs.

    quick_check, run on open, reads every page but not every value: a byte changed in a
    stored text or in an index passes it, and is met only when a query reads it (SQLite's
    CORRUPT, text that is not UTF-8) or when its row is decoded (`StoredValueError`, raised
    by the decoders of `rows` that `decoded` runs on this cursor). Either is told as the
    `DamagedDatabaseError` naming the file and its newest good backup; any other error,
    a bug's included, rises unchanged."""

    def execute(self, sql: str, parameters: Any = (), /) -> LogCursor:
        try:
            super().execute(sql, parameters)
        except _MAY_BE_DAMAGE as exc:
            self._tell_damage(exc)
            raise
        return self

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> LogCursor:
        try:
            super().executemany(sql, parameters)
        except _MAY_BE_DAMAGE as exc:
            self._tell_damage(exc)
            raise
        return self

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except _MAY_BE_DAMAGE as exc:
            self._tell_damage(exc)
            raise

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except _MAY_BE_DAMAGE as exc:
            self._tell_damage(exc)
            raise

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size)
        except _MAY_BE_DAMAGE as exc:
            self._tell_damage(exc)
            raise

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except _MAY_BE_DAMAGE as exc:
            self._tell_damage(exc)
            raise

    def _tell_damage(self, exc: Exception) -> None:
        """Raises the damage message if `exc` is damage; returns if it is anything else."""
        conn = self.connection
        assert isinstance(conn, LogConnection)
        if conn.damage is not None and damage_in(exc) is not None:
            # Told once per connection: finding the newest good backup reads the backups.
            raise type(conn.damage)(str(conn.damage)) from exc
        fault = read_fault(exc, conn.log_path or _file_of(conn), conn.backups)
        if fault is None:
            return
        conn.damage = fault
        raise fault from exc


Row = TypeVar("Row")


def decoded(
    conn: sqlite3.Connection, decode: Callable[[Any], Row], sql: str, parameters: Any = ()
) -> list[Row]:
    """Every row of a query, each through `decode` (one of `rows`' decoders) as it is
    fetched, so a stored value that does not decode is told as damage to the file."""
    cursor = conn.cursor(LogCursor) if isinstance(conn, LogConnection) else conn.cursor()
    cursor.row_factory = lambda _cursor, row: decode(row)
    return cursor.execute(sql, parameters).fetchall()


# The log files this process has SQLite connections on, by (device, inode), with how
# many. POSIX drops every lock a process holds on a file when the process closes any
# descriptor of it: reading a log's header with Python's open() while another thread's
# connection has it open would silently drop that connection's locks, and the next
# program to close the log as its last user would checkpoint and delete the WAL under
# it (lost writes, "disk I/O error"). So a file open here is never read that way.
_open_here: dict[tuple[int, int], int] = {}
_opening = threading.RLock()


def _identity(path: Path | str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def _note_open(conn: LogConnection, path: Path | str) -> None:
    identity = _identity(path)
    if identity is None:
        return
    with _opening:
        _open_here[identity] = _open_here.get(identity, 0) + 1
    conn.file_identity = identity


def _forget_open(conn: LogConnection) -> None:
    identity, conn.file_identity = conn.file_identity, None
    if identity is None:
        return
    with _opening:
        left = _open_here.get(identity, 0) - 1
        if left > 0:
            _open_here[identity] = left
        else:
            _open_here.pop(identity, None)


def open_here(path: Path | str) -> bool:
    """Whether a connection of this process has the file open."""
    identity = _identity(path)
    with _opening:
        return identity is not None and identity in _open_here


def connect(path: Path | str, backups: BackupRotation | None = None) -> sqlite3.Connection:
    """A connection with the durability every Commander connection promises; `backups`,
    the log's rotation, is named by the message for damage met on it."""
    with _opening:  # no header is read by another thread between these two steps
        conn = _connect(path, backups)
        assert isinstance(conn, LogConnection)
        _note_open(conn, path)
    return conn


def _connect(path: Path | str, backups: BackupRotation | None) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level=None,
        check_same_thread=False,
        factory=LogConnection,
    )
    assert isinstance(conn, LogConnection)
    conn.log_path = Path(path)
    conn.backups = backups
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
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() >= deadline:
                raise
        else:
            return
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One user action, one transaction; the write lock is taken up front
    so two writers queue on the busy timeout instead of failing mid-way. A log whose
    integrity check is still running waits for it: nothing is written into damage."""
    if isinstance(conn, LogConnection):
        if conn.integrity_check is not None:
            conn.integrity_check.raise_if_damaged()
        if conn.damage is not None:  # a fresh error: see `raise_if_damaged`
            raise type(conn.damage)(str(conn.damage))
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise _fault_or_bug(conn, exc) from None
    try:
        yield
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            # SQLite may have rolled back already (a full disk or an I/O error does);
            # damage the ROLLBACK itself meets is told by what failed before it.
            with contextlib.suppress(sqlite3.Error, DamagedDatabaseError):
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
    journal: int | None = None
    try:
        with _opening:
            # A file this process has open already is a log in WAL: its header is not
            # read (see `_open_here`); nor is it read while another thread connects.
            journal = 2 if open_here(path) else _journal_in_header(path)
            conn = connect(path, backups)
        deferred = check_in_background and _is_current(conn)
        detail = None if deferred else damage_found(conn)
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        fault = storage_fault(exc, path, backups, writing=False)
        if fault is None:
            raise
        raise fault from None
    except BaseException:  # damage told by the cursor (or an interrupt): nothing kept open
        if conn is not None:
            conn.close()
        raise
    assert isinstance(conn, LogConnection)
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
