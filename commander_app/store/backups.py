"""Rotating online backups through the sqlite3 backup API."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from commander_app.store.environment import is_written_through

KEEP = 10
_STAMP = "%Y%m%dT%H%M%S%fZ"


class BackupRotation:
    """Timestamped copies of one database in a `backups` folder beside it.

    Periodic copies rotate (the newest `keep` stay); labelled copies, such
    as the one taken before a schema upgrade, are never rotated away.
    """

    def __init__(self, db_path: Path, keep: int = KEEP, directory: Path | None = None) -> None:
        self.db_path = db_path
        self.keep = keep
        self.directory = directory or db_path.parent / "backups"

    def all(self) -> list[Path]:
        """Every backup of this database, newest first."""
        if not self.directory.is_dir():
            return []
        found = self.directory.glob(f"{self.db_path.stem}-*.db")
        return sorted(found, key=lambda p: p.name, reverse=True)

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
        final = snapshot(conn, self.directory / name)
        if not label:
            self.prune()
        return final

    def take_from_file(self, db_path: Path, now: datetime) -> Path:
        """The same, through a connection of its own: for a worker thread, so a
        large log's backup never stalls the window or the write path."""
        source = sqlite3.connect(read_only_uri(db_path), uri=True)
        try:
            return self.take(source, now)
        finally:
            source.close()

    def prune(self) -> None:
        for old in self.periodic()[self.keep :]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()

    def newest_good(self) -> Path | None:
        """The newest backup that passes SQLite's quick check."""
        for candidate in self.all():
            if is_healthy(candidate):
                return candidate
        return None


def snapshot(conn: sqlite3.Connection, final: Path) -> Path:
    """A consistent single-file copy, written under a temporary name, then renamed over
    the file `final` names (through a symlink); a FIFO or device is written through."""
    if is_written_through(final):
        with tempfile.TemporaryDirectory(prefix="commander-backup-") as scratch:
            copy = snapshot(conn, Path(scratch) / "backup.db")
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
        finally:
            target.close()
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, real)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return final


def read_only_uri(path: Path) -> str:
    """An SQLite URI that opens the file read-only, whatever characters its name has."""
    return f"{path.resolve().as_uri()}?mode=ro"


def is_healthy(path: Path) -> bool:
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            return bool(conn.execute("PRAGMA quick_check").fetchone()[0] == "ok")
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def taken_at(path: Path) -> datetime | None:
    stamp = path.stem.split("-")[-2] if _label(path) else path.stem.split("-")[-1]
    try:
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def _label(path: Path) -> str:
    last = path.stem.rsplit("-", 1)[-1]
    return "" if last[:1].isdigit() else last
