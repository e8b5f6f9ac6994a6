"""The runbook library: the folder of Markdown files, and its index in the log's database.

The files are the truth (a clone of the team's runbook repository, edited in any editor);
the `runbooks` table is a cache of what was read from each, refreshed before every use:
a file whose size and mtime are unchanged is not read, one whose bytes hash the same is
not parsed again, and a deleted file leaves the index. A file that cannot be read or
parsed stays listed with its problems, never skipped.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.runbook import (
    ParsedRunbook,
    Problem,
    Runbook,
    problems_from_json,
    problems_to_json,
    runbook_from_json,
    runbook_to_json,
)
from commander_app.core.search_query import fts_query
from commander_app.core.times import to_iso
from commander_app.core.toml_text import load_toml
from commander_app.store import environment
from commander_app.store.database import write_transaction

RUNBOOKS_ENV = "COMMANDER_RUNBOOKS"
SETTINGS_FILE = "runbooks.toml"  # in the settings folder: folder = "~/src/runbooks"
FILE_LIMIT = environment.MEGABYTE
SNIPPET_WORDS = 16
NOT_RUNBOOKS = frozenset({"readme.md"})  # a repository's README is about the folder


def shipped_folder() -> Path:
    """The example runbooks shipped in the package, so a new user sees one at once."""
    from importlib import resources

    return Path(str(resources.files("commander_app.resources").joinpath("runbooks")))


def runbook_folder(chosen: Path | None = None) -> Path:
    """--folder, else $COMMANDER_RUNBOOKS, else `folder` in runbooks.toml in the settings
    folder, else the shipped examples. A folder someone named must exist."""
    source = "--folder"
    if chosen is None and os.environ.get(RUNBOOKS_ENV):
        chosen, source = Path(os.environ[RUNBOOKS_ENV]), RUNBOOKS_ENV
    if chosen is None:
        chosen = _folder_setting()
        source = str(environment.config_dir() / SETTINGS_FILE)
    if chosen is None:
        return shipped_folder()
    folder = chosen.expanduser()
    if not folder.is_dir():
        raise ValidationError(
            f"There is no runbook folder at {folder} (from {source}): check the path, or "
            "leave it unset to use the shipped examples."
        )
    return folder


def _folder_setting() -> Path | None:
    path = environment.config_dir() / SETTINGS_FILE
    way_out = "Fix it, or set the folder with --folder or COMMANDER_RUNBOOKS."
    text = environment.read_settings_file(path, "runbook settings", way_out)
    if text is None:
        return None
    folder = load_toml(text, str(path)).get("folder")
    if folder is None:
        return None
    if not isinstance(folder, str) or not folder.strip():
        raise ValidationError(f'{path}: `folder` must be a path, e.g. folder = "~/runbooks".')
    return Path(folder.strip())


@dataclass(frozen=True)
class IndexedRunbook:
    name: str  # the path below the folder, without ".md": what `show NAME` takes
    path: Path
    runbook: Runbook | None  # None: the file does not parse (see problems)
    problems: tuple[Problem, ...]
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class RefreshReport:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class RunbookHit:
    name: str
    path: Path
    title: str
    service: str
    snippet: str  # matched words wrapped in [ ]


def runbook_files(folder: Path) -> list[str]:
    """Every `.md` file below the folder, in name order; hidden folders (`.git`) and a
    README are not runbooks. Plain strings: a refresh of thousands of unchanged files
    is mostly this walk and one stat each."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            lower = name.lower()
            if lower.endswith(".md") and not name.startswith(".") and lower not in NOT_RUNBOOKS:
                found.append(os.path.join(root, name))
    return found


def read_runbook_file(path: Path) -> tuple[bytes, ParsedRunbook]:
    """The file's bytes (for the hash) and what was read from them; never raises for
    what a file can be (too large, not UTF-8, unreadable)."""
    from commander_app.core.runbook_parse import parse_runbook

    try:
        with open(path, "rb") as handle:
            data = handle.read(FILE_LIMIT + 1)
    except OSError as exc:
        return b"", ParsedRunbook(None, (Problem(1, f"cannot read the file: {exc.strerror}"),))
    if len(data) > FILE_LIMIT:
        words = environment.size_words(FILE_LIMIT)
        return data, ParsedRunbook(
            None, (Problem(1, f"the file is larger than {words}, too large for a runbook"),)
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem = f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        return data, ParsedRunbook(None, (Problem(line, problem),))
    return data, parse_runbook(text)


def _name(folder: Path, path: Path) -> str:
    relative = path.relative_to(folder).as_posix()
    return relative[: -len(".md")] if relative.lower().endswith(".md") else relative


def refresh_index(conn: sqlite3.Connection, folder: Path, now: datetime) -> RefreshReport:
    """Bring the index in step with the folder: read only what changed, in one write
    transaction (none at all when nothing did)."""
    folder = folder.absolute()
    known = {
        row[0]: (row[1], row[2], row[3], row[4])
        for row in conn.execute("SELECT path, id, mtime_ns, size, sha256 FROM runbooks")
    }
    writes: list[tuple[int | None, Path, os.stat_result, str, ParsedRunbook | None]] = []
    seen: set[str] = set()
    unchanged = 0
    for key in runbook_files(folder):
        seen.add(key)
        try:
            stat = os.stat(key)
        except OSError:
            continue  # gone between the listing and now: the next refresh removes it
        row = known.get(key)
        if row is not None and (row[1], row[2]) == (stat.st_mtime_ns, stat.st_size):
            unchanged += 1
            continue
        path = Path(key)
        data, read = read_runbook_file(path)
        digest = hashlib.sha256(data).hexdigest()
        if row is not None and row[3] == digest:
            writes.append((row[0], path, stat, digest, None))  # touched, same bytes
            unchanged += 1
        else:
            writes.append((row[0] if row else None, path, stat, digest, read))
    gone = [row[0] for key, row in known.items() if key not in seen]
    if not writes and not gone:
        return RefreshReport(unchanged=unchanged)
    at = to_iso(now)
    added = changed = 0
    with write_transaction(conn):
        for row_id, path, stat, digest, parsed in writes:
            if parsed is None:
                conn.execute(
                    "UPDATE runbooks SET mtime_ns = ?, size = ? WHERE id = ?",
                    [stat.st_mtime_ns, stat.st_size, row_id],
                )
                continue
            _write_row(conn, folder, path, stat, digest, parsed, at)
            added += row_id is None
            changed += row_id is not None
        for row_id in gone:
            conn.execute("DELETE FROM runbooks WHERE id = ?", [row_id])
            conn.execute("DELETE FROM runbooks_fts WHERE rowid = ?", [row_id])
    return RefreshReport(added, changed, len(gone), unchanged)


def _write_row(
    conn: sqlite3.Connection,
    folder: Path,
    path: Path,
    stat: os.stat_result,
    digest: str,
    parsed: ParsedRunbook,
    at: str,
) -> None:
    runbook = parsed.runbook
    values = {
        "path": str(path),
        "name": _name(folder, path),
        "mtime_ns": stat.st_mtime_ns,
        "size": stat.st_size,
        "sha256": digest,
        "parsed": runbook_to_json(runbook) if runbook is not None else None,
        "problems": problems_to_json(parsed.problems),
        "indexed_at": at,
    }
    # An upsert by path: another command (or the window) may have indexed the same new
    # file between this refresh's look at the index and its write.
    row_id = conn.execute(
        "INSERT INTO runbooks (path, name, mtime_ns, size, sha256, parsed, problems, "
        "indexed_at) VALUES (:path, :name, :mtime_ns, :size, :sha256, :parsed, :problems, "
        ":indexed_at) ON CONFLICT (path) DO UPDATE SET name = excluded.name, "
        "mtime_ns = excluded.mtime_ns, size = excluded.size, sha256 = excluded.sha256, "
        "parsed = excluded.parsed, problems = excluded.problems, "
        "indexed_at = excluded.indexed_at RETURNING id",
        values,
    ).fetchone()[0]
    conn.execute("DELETE FROM runbooks_fts WHERE rowid = ?", [row_id])
    conn.execute(
        "INSERT INTO runbooks_fts (rowid, name, title, service, answers, body, path) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            row_id,
            values["name"],
            runbook.title if runbook else "",
            runbook.service if runbook else "",
            "\n".join(runbook.answers) if runbook else "",
            parsed.body,
            values["path"],
        ],
    )


def _indexed(row: sqlite3.Row | tuple[object, ...]) -> IndexedRunbook:
    name, path, parsed, problems, mtime_ns, sha256 = row
    return IndexedRunbook(
        str(name),
        Path(str(path)),
        runbook_from_json(str(parsed)) if parsed is not None else None,
        problems_from_json(str(problems)),
        int(str(mtime_ns)),
        str(sha256),
    )


_COLUMNS = "name, path, parsed, problems, mtime_ns, sha256"


def indexed_runbooks(conn: sqlite3.Connection) -> list[IndexedRunbook]:
    """Every runbook in the index, by name."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM runbooks ORDER BY name")
    return [_indexed(row) for row in rows]


def find_runbook(conn: sqlite3.Connection, name: str) -> IndexedRunbook:
    """By its name (`database/pool-exhausted`), its file name, or a prefix of either
    that only one runbook has, else a part of the name only one has (`pool`)."""
    typed = name.strip().removesuffix(".md")
    everything = indexed_runbooks(conn)

    def base(r: IndexedRunbook) -> str:
        return r.name.rsplit("/", 1)[-1]

    for exact in (
        [r for r in everything if r.name == typed],
        [r for r in everything if base(r) == typed],
        [r for r in everything if r.name.startswith(typed) or base(r).startswith(typed)],
        [r for r in everything if typed and typed in r.name],
    ):
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            names = ", ".join(r.name for r in exact[:10])
            raise ValidationError(f'"{name}" could be any of: {names}. Type more of the name.')
    raise NotFoundError(
        f'No runbook is called "{name}": `commander runbook list` shows their names.'
    )


def search_runbooks(conn: sqlite3.Connection, text: str, limit: int = 20) -> list[RunbookHit]:
    """Best matches first; a match in the title, service or alert names counts for more
    than one in the steps. What a person types is never FTS5 syntax (`fts_query`)."""
    rows = conn.execute(
        "SELECT name, path, title, service, "
        f"snippet(runbooks_fts, 4, '[', ']', '…', {SNIPPET_WORDS}) "
        "FROM runbooks_fts WHERE runbooks_fts MATCH ? "
        "ORDER BY bm25(runbooks_fts, 5.0, 10.0, 5.0, 5.0, 1.0) LIMIT ?",
        [fts_query(text), limit],
    )
    return [
        RunbookHit(str(n), Path(str(p)), str(t), str(s), str(snip)) for n, p, t, s, snip in rows
    ]
