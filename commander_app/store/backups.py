"""Rotating online backups through the sqlite3 backup API."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from commander_app.store.environment import is_written_through
from commander_app.store.errors import StorageError


class DiskUsage(Protocol):
    """What `shutil.disk_usage` tells, in bytes."""

    @property
    def total(self) -> int: ...

    @property
    def free(self) -> int: ...


KEEP = 10
_STAMP = "%Y%m%dT%H%M%S%fZ"
_NAME = r"-(?P<stamp>\d{8}T\d{12}Z)(?:-(?P<label>[a-z_]+))?\.db"
MEGABYTE = 1024 * 1024
MIN_FREE_BYTES = 100 * MEGABYTE  # what a backup leaves free at least...
MIN_FREE_SHARE = 0.05  # ...or this share of the disk, whichever is larger
STALE_PARTIAL_S = 15 * 60  # a partial copy untouched this long was left by a killed backup
ORIGIN_KEY = "backup_of"  # in the copy's meta table: the log it was taken of


class BackupRotation:
    """Timestamped copies of one database in a `backups` folder beside it.

    Periodic copies rotate (the newest `keep` stay); labelled copies, such
    as the one taken before a schema upgrade, are never rotated away.
    """

    def __init__(
        self,
        db_path: Path,
        keep: int = KEEP,
        directory: Path | None = None,
        disk_usage: Callable[[Path], DiskUsage] = shutil.disk_usage,
    ) -> None:
        self.db_path = db_path
        self.keep = keep
        self.directory = directory or db_path.parent / "backups"
        self._disk_usage = disk_usage

    def all(self) -> list[Path]:
        """Every backup of this database, newest first, named exactly after it: the
        backups of `team-old.db` are not `team.db`'s."""
        if not self.directory.is_dir():
            return []
        name = re.compile(re.escape(self.db_path.stem) + _NAME)
        found = [p for p in self.directory.iterdir() if name.fullmatch(p.name)]
        return sorted(found, key=lambda p: p.name, reverse=True)

    def mine(self, path: Path) -> bool:
        """Whether `path` records that it is a copy of this log (or records nothing)."""
        return backup_origin(path) in (None, self.origin)

    @property
    def origin(self) -> str:
        return str(self.db_path.resolve())

    def periodic(self) -> list[Path]:
        return [p for p in self.all() if taken_at(p) is not None and _label(p) == ""]

    def newest_time(self) -> datetime | None:
        times = [t for t in (taken_at(p) for p in self.all()) if t is not None]
        return max(times, default=None)

    def take(self, conn: sqlite3.Connection, now: datetime, label: str = "") -> Path:
        """Add a backup to the rotation (labelled ones are kept out of it)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        suffix = f"-{label}" if label else ""
        name = f"{self.db_path.stem}-{now.astimezone(UTC).strftime(_STAMP)}{suffix}.db"
        self.sweep()
        self.refuse_without_headroom()
        final = snapshot(conn, self.directory / name, origin=self.origin)
        if label:
            self.drop_older_copies(final, label)
        else:
            self.prune()
        return final

    def refuse_without_headroom(self) -> None:
        """A backup never fills the disk the log lives on: it must leave the larger of
        100 MB and 5 % of the disk free after the copy (a copy is the log's size)."""
        size = sum(
            p.stat().st_size
            for p in (self.db_path, self.db_path.with_name(self.db_path.name + "-wal"))
            if p.is_file()
        )
        usage = self._disk_usage(self.directory)
        margin = max(MIN_FREE_BYTES, int(usage.total * MIN_FREE_SHARE))
        if usage.free - size < margin:
            raise StorageError(
                f"No backup was taken into {self.directory}: a copy of the log needs "
                f"{_megabytes(size)} and would leave {_megabytes(max(usage.free - size, 0))} "
                f"free, less than the {_megabytes(margin)} that must stay free. The incident "
                "log itself is unharmed; free some space on that disk."
            )

    def drop_older_copies(self, kept: Path, label: str) -> None:
        """One labelled copy per schema version: an upgrade retried after a kill replaces
        the copy of the same version it took before, instead of adding a second one."""
        version = schema_version(kept)
        for other in self.all():
            if other == kept or _label(other) != label or other.is_symlink():
                continue
            if not other.is_file() or backup_origin(other) != self.origin:
                continue
            if schema_version(other) == version:
                with contextlib.suppress(FileNotFoundError):
                    other.unlink()

    def sweep(self, now: float | None = None) -> None:
        """Remove what killed backups left behind (a partial copy and its journal), once
        it is old enough that no backup running now can still be writing it."""
        if not self.directory.is_dir():
            return
        moment = time.time() if now is None else now
        partial = re.compile(
            r"\." + re.escape(self.db_path.stem) + _NAME + r"\.\w+\.partial(?:-journal)?"
        )
        for leftover in self.directory.iterdir():
            if not partial.fullmatch(leftover.name):
                continue
            with contextlib.suppress(OSError):
                if leftover.is_file() and moment - leftover.stat().st_mtime > STALE_PARTIAL_S:
                    leftover.unlink()

    def take_from_file(self, db_path: Path, now: datetime) -> Path:
        """The same, through a connection of its own: for a worker thread, so a
        large log's backup never stalls the window or the write path."""
        source = sqlite3.connect(read_only_uri(db_path), uri=True)
        try:
            return self.take(source, now)
        finally:
            source.close()

    def prune(self) -> None:
        """Only files this rotation wrote go: a regular file that records this log inside
        (a symlinked folder or a look-alike name never costs someone else's file)."""
        for old in self.periodic()[self.keep :]:
            if old.is_symlink() or not old.is_file() or backup_origin(old) != self.origin:
                continue
            with contextlib.suppress(FileNotFoundError):
                old.unlink()

    def newest_good(self) -> Path | None:
        """The newest backup that is sound through and through (`is_healthy`)."""
        for candidate in self.all():
            if self.mine(candidate) and is_healthy(candidate):
                return candidate
        return None


def snapshot(conn: sqlite3.Connection, final: Path, *, origin: str | None = None) -> Path:
    """A consistent single-file copy, written under a temporary name, then renamed over
    the file `final` names (through a symlink); a FIFO or device is written through.
    `origin`, the log it is a copy of, is recorded inside it."""
    if is_written_through(final):
        with tempfile.TemporaryDirectory(prefix="commander-backup-") as scratch:
            copy = snapshot(conn, Path(scratch) / "backup.db", origin=origin)
            with open(copy, "rb") as source, open(final, "wb") as sink:
                shutil.copyfileobj(source, sink)
        return final
    real = Path(os.path.realpath(final))
    real.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own: two programs backing up at once never share a partial file.
    fd, name = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".partial")
    os.close(fd)
    partial = Path(name)
    try:
        target = sqlite3.connect(partial)
        try:
            conn.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
            if origin is not None:
                _record_origin(target, origin)
        finally:
            target.close()
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, real)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return final


def _record_origin(copy: sqlite3.Connection, origin: str) -> None:
    # Not a log of ours (no meta table): nothing to record.
    with contextlib.suppress(sqlite3.OperationalError), copy:
        copy.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [ORIGIN_KEY, origin])


def backup_origin(path: Path) -> str | None:
    """The log a backup records it was taken of; None for one that records none (taken by
    an older Commander) or that cannot be read."""
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", [ORIGIN_KEY]).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def read_only_uri(path: Path) -> str:
    """An SQLite URI that opens the file read-only, whatever characters its name has."""
    return f"{path.resolve().as_uri()}?mode=ro"


def is_healthy(path: Path) -> bool:
    """A copy a person can be told to go back to: SQLite's full integrity check passes (its
    indexes agree with its rows) and every stored entry and incident decodes. quick_check
    alone would pass a copy taken of a log whose damage it misses."""
    from commander_app.store.stored_values import unreadable_rows  # only when damage is told

    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            if [row[0] for row in conn.execute("PRAGMA integrity_check")] != ["ok"]:
                return False
            return not unreadable_rows(conn).any
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def schema_version(path: Path) -> int | None:
    """The schema version a copy was written at; None if it cannot be read."""
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def _megabytes(size: int) -> str:
    return f"{size / MEGABYTE:,.0f} MB"


def taken_at(path: Path) -> datetime | None:
    stamp = path.stem.split("-")[-2] if _label(path) else path.stem.split("-")[-1]
    try:
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def _label(path: Path) -> str:
    last = path.stem.rsplit("-", 1)[-1]
    return "" if last[:1].isdigit() else last
