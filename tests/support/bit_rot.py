"""Logs damaged the way a failing disk or a bad copy damages them: a few bytes changed
inside the pages of a sound file, mostly where SQLite's quick_check does not look.

`write_sound_log` writes a realistic incident through the log's own API and backs it up;
`damage_copy` copies that file (and its backups folder) and changes bytes in the copy,
deterministically from a seed. The kinds of damage:

- ``random``: a few bytes in the pages past the file's header set to random values;
- ``utf8``: one byte of a stored text set to 0xFF (SQLite hands it over as invalid UTF-8);
- ``json``: one character of an event's body changed so that it is no JSON any more;
- ``type``: one text value of one row recorded as a BLOB of the same length;
- ``index``: bytes changed inside an index's pages (the table is sound, lookups are not).
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from commander_app.core.clock import FixedClock
from commander_app.core.model import Audience, Kind, Milestone, Severity, Status
from commander_app.store import board as board_actions
from commander_app.store import cadence as cadence_store
from commander_app.store.backups import ORIGIN_KEY
from commander_app.store.incident_log import IncidentLog
from tests.support.sev1 import scripted_sev1

KINDS = ("random", "utf8", "json", "type", "index")
HEADER_BYTES = 100  # the database header on page 1


@dataclass(frozen=True)
class SoundLog:
    path: Path
    incident_ids: tuple[str, ...]
    backup: Path  # the newest good backup, taken after the last entry


@dataclass(frozen=True)
class Damage:
    kind: str
    seed: int
    where: str  # which table or index, and what was changed: for a failing test's message


def write_sound_log(path: Path, clock: FixedClock, entries: int = 300) -> SoundLog:
    """A SEV1 told in a few hundred entries of several kinds, a drill beside it, and a
    backup of it all; the file is checkpointed and closed, so its bytes are all there is."""
    with IncidentLog(path, device_id="laptop-dana", clock=clock) as log:
        sev1 = scripted_sev1(log, clock)
        drill = log.open_incident(
            "Drill: resolver outage", severity=Severity.SEV2, drill=True, author="erin"
        ).id
        for number in range(entries):
            clock.advance(timedelta(seconds=20))
            _one_entry(log, clock, sev1 if number % 7 else drill, number)
        log.set_status(sev1, Status.MONITORING, author="alice")
        clock.advance(timedelta(seconds=5))
        backup = log.backup_now()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return SoundLog(path, (sev1, drill), backup)


def _one_entry(log: IncidentLog, clock: FixedClock, incident: str, number: int) -> None:
    step = number % 10
    if step == 0:
        board_actions.open_hypothesis(
            log,
            incident,
            f"H{number}: cache stampede on shard {number % 5}",
            owner="bob",
            author="alice",
        )
    elif step == 1:
        board_actions.add_finding(log, incident, f"p99 latency 4.{number % 9} s", author="bob")
    elif step == 2:
        board_actions.add_action(
            log,
            incident,
            f"Drain node {number} and watch the error rate",
            owner="dan",
            due=clock.now() + timedelta(minutes=30),
            author="alice",
        )
    elif step == 3:
        text = f"5xx rate {number % 40} % on the gateway"
        log.log(incident, text, kind=Kind.OBSERVATION, author="dan")
    elif step == 4:
        text = f"Update {number}: still investigating, next update in 20 minutes."
        cadence_store.record_sent(log, incident, Audience.INTERNAL, text, author="carol")
    elif number == 116:
        log.mark_milestone(incident, Milestone.MITIGATED, author="alice")
    else:
        text = f"Note {number}: Übergabe an das Team in München – alles ruhig ({number})"
        log.log(incident, text, author="erin")


def damage_copy(sound: SoundLog, folder: Path, kind: str, seed: int) -> tuple[Path, Damage]:
    """A copy of the sound log (with its backups) in `folder`, damaged by `kind`."""
    folder.mkdir(parents=True)
    copy = folder / sound.path.name
    shutil.copyfile(sound.path, copy)
    shutil.copytree(sound.backup.parent, folder / sound.backup.parent.name)
    _record_origin(backup_copy_of(copy, sound), copy)
    pages = _pages(copy)
    page_size = _page_size(copy)
    rng = random.Random(f"{kind}-{seed}")
    data = bytearray(copy.read_bytes())
    where = _DAMAGE[kind](data, pages, page_size, rng)
    copy.write_bytes(bytes(data))
    return copy, Damage(kind, seed, where)


def backup_copy_of(copy: Path, sound: SoundLog) -> Path:
    """Where the sound log's backup is in the copy's folder."""
    return copy.parent / sound.backup.parent.name / sound.backup.name


def _record_origin(backup: Path, log: Path) -> None:
    """A backup records the log it was taken of; the copy's backup is the copy's."""
    conn = sqlite3.connect(backup)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = ?", [str(log.resolve()), ORIGIN_KEY])
    conn.close()


# -- the kinds of damage --------------------------------------------------------------

Pages = dict[str, list[tuple[int, str]]]  # table or index name: (page number, page type)


def _random_bytes(data: bytearray, pages: Pages, page_size: int, rng: random.Random) -> str:
    count = rng.randint(1, 6)
    spots = sorted(rng.randrange(HEADER_BYTES, len(data)) for _ in range(count))
    for spot in spots:
        data[spot] = (data[spot] + rng.randint(1, 255)) % 256
    owners = {_owner(pages, spot // page_size + 1) for spot in spots}
    return f"{count} random bytes in {', '.join(sorted(owners))}"


def _invalid_utf8(data: bytearray, pages: Pages, page_size: int, rng: random.Random) -> str:
    table = rng.choice(["events", "events", "events", "incidents"])
    page, cell, column, (start, length) = _text_value(data, pages, page_size, rng, table)
    data[start + rng.randrange(length)] = 0xFF
    return f"invalid UTF-8 in {table} column {column} (page {page}, cell {cell})"


def _broken_json(data: bytearray, pages: Pages, page_size: int, rng: random.Random) -> str:
    """A body's opening brace, a quote or a colon replaced by a letter: still UTF-8."""
    page, cell, _column, (start, length) = _text_value(
        data, pages, page_size, rng, "events", column=4
    )
    body = bytes(data[start : start + length])
    structural = [i for i, byte in enumerate(body) if byte in b'{}":,']
    data[start + rng.choice(structural)] = ord("x")
    try:
        json.loads(bytes(data[start : start + length]))
    except ValueError:
        return f"a body that is no JSON (page {page}, cell {cell})"
    return f"a body changed but still JSON (page {page}, cell {cell})"


def _blob_for_text(data: bytearray, pages: Pages, page_size: int, rng: random.Random) -> str:
    table = rng.choice(["events", "events", "incidents"])
    for _attempt in range(50):
        page = rng.choice([p for p, kind in pages[table] if kind == "leaf"])
        base = (page - 1) * page_size
        cells = _cells(data, base, page)
        if not cells:
            continue
        cell = rng.randrange(len(cells))
        types = _record_types(data, base + cells[cell])
        texts = [(i, spot) for i, (spot, serial) in enumerate(types) if serial >= 13 and serial % 2]
        if not texts:
            continue
        column, spot = rng.choice(texts)
        if data[spot] < 0x80:  # a one-byte varint: TEXT (odd) to BLOB (even), same length
            data[spot] -= 1
            return f"{table} column {column} recorded as a BLOB (page {page}, cell {cell})"
    raise AssertionError("no text value with a one-byte type found")


def _index_bytes(data: bytearray, pages: Pages, page_size: int, rng: random.Random) -> str:
    """Bytes inside the cells of an index of the entries or incidents: quick_check reads the
    page but does not compare its keys with the rows they point at."""
    # Only pages holding keys: bytes in an empty index's free space change nothing.
    filled = [
        (name, page)
        for name in sorted(pages)
        if name.startswith(_INDEXED) and "fts" not in name
        for page, _kind in pages[name]
        if _cells(data, (page - 1) * page_size, page)
    ]
    name, page = rng.choice(filled)
    base = (page - 1) * page_size
    lowest = min(_cells(data, base, page))
    count = rng.randint(1, 4)
    for _ in range(count):
        spot = base + rng.randrange(lowest, page_size)
        data[spot] = (data[spot] + rng.randint(1, 255)) % 256
    return f"{count} bytes in index {name} (page {page})"


_INDEXED = ("events_", "incidents_activity", "sqlite_autoindex_events", "sqlite_autoindex_incid")


_DAMAGE = {
    "random": _random_bytes,
    "utf8": _invalid_utf8,
    "json": _broken_json,
    "type": _blob_for_text,
    "index": _index_bytes,
}


# -- reading the file's pages --------------------------------------------------------


def _pages(path: Path) -> Pages:
    conn = sqlite3.connect(path)
    try:
        found: Pages = {}
        for name, page, kind in conn.execute("SELECT name, pageno, pagetype FROM dbstat"):
            found.setdefault(name, []).append((page, kind))
        return found
    finally:
        conn.close()


def _page_size(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


def _owner(pages: Pages, page: int) -> str:
    for name, numbers in pages.items():
        if any(number == page for number, _kind in numbers):
            return name
    return "free space"


def _varint(data: bytearray, at: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = data[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    raise AssertionError("unreachable")


def _cells(data: bytearray, base: int, page: int) -> list[int]:
    """Offsets (within the page) of a b-tree page's cells."""
    header = base + (HEADER_BYTES if page == 1 else 0)
    kind = data[header]
    count = int.from_bytes(data[header + 3 : header + 5], "big")
    pointers = header + (12 if kind in (2, 5) else 8)
    return [
        int.from_bytes(data[pointers + 2 * i : pointers + 2 * i + 2], "big") for i in range(count)
    ]


def _record_types(data: bytearray, cell: int) -> list[tuple[int, int]]:
    """A table leaf cell's record header: (file offset of the type's varint, serial type)."""
    _payload, at = _varint(data, cell)
    _rowid, at = _varint(data, at)
    header_size, end = _varint(data, at)
    end = at + header_size
    at += 1 if header_size < 0x80 else 2
    types = []
    while at < end:
        serial, after = _varint(data, at)
        types.append((at, serial))
        at = after
    return types


def _text_value(
    data: bytearray,
    pages: Pages,
    page_size: int,
    rng: random.Random,
    table: str,
    column: int | None = None,
) -> tuple[int, int, int, tuple[int, int]]:
    """A random text value stored whole in a leaf page of `table`: page, cell, column and
    (file offset, length) of its bytes."""
    for _attempt in range(100):
        page = rng.choice([p for p, kind in pages[table] if kind == "leaf"])
        base = (page - 1) * page_size
        cells = _cells(data, base, page)
        if not cells:
            continue
        cell = rng.randrange(len(cells))
        types = _record_types(data, base + cells[cell])
        _payload, at = _varint(data, base + cells[cell])
        _rowid, start = _varint(data, at)
        header_size, _ = _varint(data, start)
        offset = start + header_size
        values = []
        for index, (_spot, serial) in enumerate(types):
            size = _serial_size(serial)
            if serial >= 13 and serial % 2 and size > 0:
                values.append((index, (offset, size)))
            offset += size
        if offset > base + page_size:  # spills to an overflow page
            continue
        if column is not None:
            values = [v for v in values if v[0] == column]
        if values:
            index, value = rng.choice(values)
            return page, cell, index, value
    raise AssertionError(f"no text value found in {table}")


def _serial_size(serial: int) -> int:
    if serial >= 12:
        return (serial - 12) // 2
    return (0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0)[serial]


# -- what a person does with the damaged copy -----------------------------------------

EXIT_DAMAGE = 1  # a CommanderError: one plain line on stderr
DAMAGED = "is damaged and was not changed"


@dataclass(frozen=True)
class Outcome:
    """How one read path took the damaged copy."""

    what: str  # the command or the read
    result: str  # "ok", "damage" (the message naming the backup), "refused" or "crash"
    detail: str = ""

    @property
    def crashed(self) -> bool:
        return self.result == "crash"


def commands(copy: Path, sound: SoundLog) -> list[tuple[str, list[str]]]:
    """The reading commands a person runs on the copy, `check` last."""
    sev1, drill = sound.incident_ids
    out = copy.parent
    return [
        ("list", ["list", "--all"]),
        ("show", ["show", sev1]),
        ("show --json", ["show", "--json", drill]),
        ("export json", ["export", sev1, "--format", "json", "-o", str(out / "sev1.json")]),
        ("export md", ["export", drill, "--format", "md", "-o", str(out / "drill.md")]),
        ("board", ["board", sev1]),
        ("check", ["check"]),
    ]


def classify(what: str, code: object, stderr: str, backup: Path) -> Outcome:
    """A command's exit: a traceback or an unexpected error is a crash; the damage message
    must name the newest good backup."""
    if code == 0:
        return Outcome(what, "ok")
    if "Traceback" in stderr or code != EXIT_DAMAGE:
        return Outcome(what, "crash", f"exit {code}: {stderr.strip()[-300:]}")
    if DAMAGED in stderr:
        named = f"The newest good backup is {backup}" in stderr
        return Outcome(what, "damage" if named else "crash", stderr.strip())
    return Outcome(what, "refused", stderr.strip())


def run_in_process(copy: Path, sound: SoundLog) -> list[Outcome]:
    """Every reading command through `cli.main` in this process; a bug it reports (exit 70,
    its traceback in the fault log) is a crash, and so is any exception it lets out."""
    import contextlib
    import io

    from commander_app import cli

    outcomes = []
    bugs: list[BaseException] = []
    real_report = cli.report_bug

    def record(exc: Exception, command: str) -> int:
        bugs.append(exc)
        return cli.EXIT_BUG

    cli.report_bug = record
    try:
        for what, argv in commands(copy, sound):
            bugs.clear()
            err = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                try:
                    code: object = cli.main(["--db", str(copy), *argv])
                except BaseException as exc:
                    code = f"{type(exc).__name__}: {exc}"
            if bugs:
                bug = bugs[0]
                outcomes.append(Outcome(what, "crash", f"{type(bug).__name__}: {bug}"[:300]))
            else:
                outcomes.append(classify(what, code, err.getvalue(), backup_copy_of(copy, sound)))
    finally:
        cli.report_bug = real_report
    return outcomes


def read_store(copy: Path, sound: SoundLog, clock: FixedClock) -> list[Outcome]:
    """What the window reads, through the store, opened as the window opens a log (the
    integrity check on its thread): incidents, timeline pages, board, rollback, cadence."""
    from commander_app.core.cadence import CadencePolicy
    from commander_app.core.errors import CommanderError
    from commander_app.core.rollback import RollbackChecklist
    from commander_app.store import rollback as decisions
    from commander_app.store import timeline

    backup = backup_copy_of(copy, sound)
    outcomes = []

    def attempt(what: str, read: object) -> None:
        try:
            read()  # type: ignore[operator]
        except CommanderError as exc:
            message = str(exc)
            if DAMAGED in message:
                named = f"The newest good backup is {backup}" in message
                outcomes.append(Outcome(what, "damage" if named else "crash", message))
            else:
                outcomes.append(Outcome(what, "refused", message))
        except Exception as exc:
            outcomes.append(Outcome(what, "crash", f"{type(exc).__name__}: {exc}"[:300]))
        else:
            outcomes.append(Outcome(what, "ok"))

    log: list[IncidentLog] = []
    attempt(
        "open",
        lambda: log.append(
            IncidentLog(copy, device_id="laptop-dana", clock=clock, opened_by_window=True)
        ),
    )
    if not log:
        return outcomes
    opened = log[0]
    try:
        for incident in sound.incident_ids:
            attempt("incidents", lambda: opened.incidents(include_resolved=True))
            attempt("timeline", lambda i=incident: _all_pages(opened, i))
            attempt("board", lambda i=incident: board_actions.board(opened, i))
            attempt(
                "rollback",
                lambda i=incident: decisions.rollback_view(opened, i, RollbackChecklist(())),
            )
            attempt(
                "cadence", lambda i=incident: cadence_store.adherence(opened, i, CadencePolicy())
            )
        attempt("new entries", lambda: timeline.rows_after(opened.conn, 0))
        check = opened.integrity_check
        if check is not None:
            attempt("integrity check", check.raise_if_damaged)
    finally:
        opened.close()
    return outcomes


def _all_pages(log: IncidentLog, incident_id: str) -> None:
    from commander_app.store.timeline import timeline_page

    after = None
    while True:
        page = timeline_page(log.conn, incident_id, after, 50)
        if len(page) < 50:
            return
        after = page[-1].position


def spoil_text(path: Path, text: str, table: str = "events") -> None:
    """One byte of a known stored text, inside `table`'s pages, set to 0xFF: quick_check
    passes the file, the read of that value meets text that is no UTF-8."""
    pages = _pages(path)
    page_size = _page_size(path)
    data = bytearray(path.read_bytes())
    needle = text.encode("utf-8")
    mine = {page for page, _kind in pages[table]}
    at = data.find(needle)
    while at >= 0 and at // page_size + 1 not in mine:
        at = data.find(needle, at + 1)
    assert at >= 0, f"{text!r} is not stored in {table}"
    data[at + len(needle) // 2] = 0xFF
    path.write_bytes(bytes(data))
