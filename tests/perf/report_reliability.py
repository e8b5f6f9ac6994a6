"""Figures for the adversarial classes of "Reliability and security", against the real program.

A report, not a test: it always exits 0 and prints a Markdown table (what was tried, how
often, the bad outcomes, the target), then a short list of details per class.

    python tests/perf/report_reliability.py           # a few minutes
    python tests/perf/report_reliability.py --quick   # about a minute

1. Kills: a child appending entries (tests/reliability/appender.py), `commander import`
   and `commander backup`, each SIGKILLed at random moments.
2. Storage faults: a full disk, a folder as the log, read-only folders, a file where the
   log's folder should be, files that are no log, a busy log, damaged logs.
3. Publish faults: every channel behind a local gateway that fails after the remote wrote
   the update (5xx, a dropped connection), holds its answer until the sender is killed,
   or rate-limits with absurd Retry-After values, driven through the real outbox worker.
4. Secret canaries: servers that quote the channel's secret back in their errors.
5. Bad inputs to the command line. 6. Template bombs.

Everything runs in temporary folders with their own XDG directories and a file-backed
test keyring; the only network is 127.0.0.1.
"""
# ruff: noqa: E402  (the repository root goes on sys.path first, for the tests' helpers)

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import logging
import os
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

import keyring
import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commander_app.core.clock import FixedClock
from commander_app.core.errors import CommanderError
from commander_app.core.model import Audience
from commander_app.core.outbox import OutboxState
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.outbox_worker import deliver_due
from commander_app.publish.secrets import SecretStore, forget_process_secrets
from commander_app.store import channels as channel_store
from commander_app.store import outbox as outbox_store
from commander_app.store.backups import BackupRotation, is_healthy
from commander_app.store.health import check_log
from commander_app.store.incident_log import IncidentLog
from tests.cli.test_terminal_output import NASTY_ENTRY, NASTY_TITLE
from tests.core.test_template_bombs import BOMBS
from tests.perf.bench_import_wait import write_bundle
from tests.properties.test_secret_canary import (
    TOKEN,
    body_for,
    channel_setup,
    everything_stored,
    forms_of,
    needles,
)
from tests.reliability.conftest import APPENDER, Child
from tests.support.damaged_log import write_damaged_log
from tests.support.file_keyring import FILE_VARIABLE, FileKeyring, file_keyring_env
from tests.support.mail_server import Mailbox, mail_server
from tests.support.status_pages import FakeCachet, FakeStatuspage

EXIT_BUG = 70  # `commander: unexpected error (...)`: a bug, its traceback in commander.log
SIGKILLED = -signal.SIGKILL
KEY = "sp-key-7f3a9c0d1e2b"  # the status pages' key in the publish-fault class
# Words that send a user to a backup, or call the log broken: wrong for a healthy log.
SAYS_DAMAGE = re.compile(r"damaged|corrupt|malformed|good backup|copy (the|a|its) backup|restore")


# -- the report ----------------------------------------------------------------------


@dataclass
class Row:
    area: str
    tried: str
    count: int
    bad: dict[str, int]
    target: str
    figure: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    details: dict[str, list[str]] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def note(self, area: str, line: str) -> None:
        self.details.setdefault(area, []).append(line)

    def markdown(self) -> str:
        lines = [
            "| Class | What was tried | Count | Bad outcomes | Target | Figure |",
            "| --- | --- | ---: | --- | --- | --- |",
        ]
        for row in self.rows:
            bad = ", ".join(f"{n} {label}" for label, n in row.bad.items()) or "—"
            if any(row.bad.values()):
                bad = f"**{bad}**"
            cells = [row.area, row.tried, str(row.count), bad, row.target, row.figure]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
        for area, notes in self.details.items():
            lines.append(f"**{area}**")
            lines.append("")
            lines.extend(f"- {_cell(n)}" for n in notes)
            lines.append("")
        return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- running the real program --------------------------------------------------------


def sandbox_env(root: Path) -> dict[str, str]:
    """A home, XDG folders and a file keyring of its own, as tests/conftest.py isolates a test."""
    env = {k: v for k, v in os.environ.items() if k != "COMMANDER_DB"}
    for name, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        (root / "home" / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(root / "home" / sub)
    env |= {"HOME": str(root / "home"), "TZ": "Europe/Berlin", "COMMANDER_AUTHOR": "tester"}
    env |= file_keyring_env(root / "keyring.json")
    return env


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.stderr

    @property
    def bug(self) -> bool:
        return self.code == EXIT_BUG or self.traceback


def commander(*args: str | Path, db: Path | None = None) -> list[str]:
    argv = [sys.executable, "-m", "commander_app"]
    if db is not None:
        argv += ["--db", str(db)]
    return [*argv, *(str(a) for a in args)]


# Linux carries a process's peak RSS across fork and exec (the parent's pages count), so a
# child started from this large process would report at least this process's size. A small
# launcher starts the command instead, and reports what wait4 says of it.
LAUNCHER = r"""
import os, sys
result, argv = sys.argv[1], sys.argv[2:]
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
with open(result, "w") as handle:
    handle.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run(
    argv: list[str],
    env: dict[str, str],
    *,
    stdin: str | None = None,
    timeout: float = 120,
    preexec_fn: Callable[[], None] | None = None,
    measure: bool = False,
) -> Ran:
    """Run a command to its end (killed after `timeout`): exit status, output, time and,
    with `measure` (through the launcher, some 50 ms more), its own peak memory."""
    started = time.monotonic()
    with tempfile.NamedTemporaryFile(prefix="commander-run-", delete=False) as handle:
        result = Path(handle.name)
    launcher = [sys.executable, "-S", "-c", LAUNCHER, str(result)] if measure else []
    try:
        proc = subprocess.Popen(
            [*launcher, *argv],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            preexec_fn=preexec_fn,
            start_new_session=True,  # a timeout kills the command with its launcher
        )
        try:
            out, err = proc.communicate(stdin.encode() if stdin is not None else None, timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        said = result.read_text().split() if measure else [str(proc.returncode), "0"]
    finally:
        result.unlink(missing_ok=True)
    code, peak_kb = (int(said[0]), int(said[1])) if len(said) == 2 else (-signal.SIGKILL, 0)
    return Ran(
        code,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        time.monotonic() - started,
        peak_kb / 1024,
    )


def new_log(db: Path, title: str = "Checkout 500s", entries: int = 2) -> str:
    """A healthy log with one incident (through the store, which the CLI uses too)."""
    with IncidentLog(db, device_id="device-report") as log:
        incident = log.open_incident(title, author="alice").id
        for n in range(entries):
            log.log(incident, f"entry {n}", author="alice")
    return incident


def event_count(db: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def log_problems(db: Path) -> list[str]:
    """What is wrong with a log after a kill: SQLite's check, Commander's check (projection,
    triggers, chains), event counts against the projection, and every backup's health."""
    problems: list[str] = []
    try:
        raw = sqlite3.connect(db)
        try:
            verdict = raw.execute("PRAGMA integrity_check").fetchall()
        finally:
            raw.close()
        if verdict != [("ok",)]:
            problems.append(f"integrity_check: {verdict[:2]}")
        with IncidentLog(db, device_id="device-verifier") as log:
            problems += check_log(log)
            counts = dict(log.conn.execute("SELECT incident_id, count(*) FROM events GROUP BY 1"))
            projected = {i.id: i.event_count for i in log.incidents(include_resolved=True)}
            if counts != projected:
                problems.append("the incidents' event counts differ from their events")
    except (sqlite3.Error, CommanderError) as exc:
        problems.append(f"{type(exc).__name__}: {exc}")
    for backup in BackupRotation(db).all():
        if not is_healthy(backup):
            problems.append(f"unhealthy backup {backup.name}")
    return problems


# -- 1. kills --------------------------------------------------------------------------


def sigkill_appender(report: Report, trials: int) -> None:
    area = "1 SIGKILL"
    report.note(
        area,
        "appender: the ids it printed (acknowledged) against the log after reopening; "
        "'unsound': SQLite's integrity_check, Commander's check_log, the projection's counts "
        "or an unhealthy backup. Import: after the kill the bundle's events are there all or "
        "not at all, and the same import again finishes. Backup: a later backup removes a "
        "killed one's `.partial` files only once they are 15 minutes old (a running backup "
        "may be writing them), so the report ages them 16 minutes before that backup",
    )
    acknowledged_total = lost = unsound = gaps = 0
    for trial in range(trials):
        rng = random.Random(f"report-crash-{trial}")
        with tempfile.TemporaryDirectory(prefix="commander-kill-") as folder:
            db = Path(folder) / "incidents.db"
            with IncidentLog(db, device_id="device-parent") as log:
                incident = log.open_incident("Payments failing", author="parent").id
            options = ["--device", "device-child"]
            if rng.random() < 0.5:
                options.append("--mix")
            if trial % 4 == 3:
                options.append("--backup-every-append")  # killed in a backup too
            child = Child([sys.executable, str(APPENDER), str(db), incident, *options])
            if trial % 3 == 0:  # right after the k-th acknowledgement
                child.wait_for_lines(1 + rng.randint(1, 120))
            elif trial % 3 == 1:  # at a random moment once it appends
                child.wait_for_lines(1)
                time.sleep(rng.uniform(0.0, 0.25))
            else:  # at a random moment from its start, perhaps while it opens the log
                time.sleep(rng.uniform(0.02, 0.4))
            child.kill()
            acknowledged = child.acknowledged
            acknowledged_total += len(acknowledged)
            problems = log_problems(db)
            conn = sqlite3.connect(db)
            try:
                rows = conn.execute(
                    "SELECT id, json_extract(body, '$.text') FROM events WHERE device_id = ?",
                    ["device-child"],
                ).fetchall()
            finally:
                conn.close()
            written = {row_id for row_id, _ in rows}
            missing = set(acknowledged) - written
            numbers = sorted(
                int(t.split()[1]) for _, t in rows if isinstance(t, str) and t.startswith("entry ")
            )
            if missing:
                lost += len(missing)
                report.note(area, f"trial {trial}: {len(missing)} acknowledged entries lost")
            if problems:
                unsound += 1
                report.note(area, f"trial {trial}: {shorten('; '.join(problems))}")
            if numbers != list(range(len(numbers))):
                gaps += 1
                report.note(area, f"trial {trial}: the entries written have gaps")
    report.add(
        Row(
            area,
            "child appending entries (appender.py), SIGKILL at random points",
            trials,
            {"lost": lost, "unsound logs": unsound, "gaps": gaps},
            "0 lost",
            f"{acknowledged_total:,} entries acknowledged",
        )
    )


def sigkill_imports(report: Report, trials: int, events: int) -> None:
    area = "1 SIGKILL"
    partial = unsound = reimport_failed = finished = resumed = discarded = 0
    with tempfile.TemporaryDirectory(prefix="commander-import-") as folder:
        root = Path(folder)
        env = sandbox_env(root)
        bundle = unchained_bundle(root, events)
        bundle_incident = json.loads(bundle.read_text("utf-8"))["incident"]["id"]
        expected = events + 1
        timing = root / "timing.db"
        new_log(timing)
        whole = run(commander("import", bundle, db=timing), env, timeout=600)
        if whole.code != 0:
            raise RuntimeError(f"the bundle does not import: {shorten(whole.stderr)}")
        took = whole.seconds
        for trial in range(trials):
            rng = random.Random(f"report-import-{trial}")
            db = root / f"trial{trial}.db"
            new_log(db, "Local incident")
            child = Child(commander("import", bundle, db=db))
            time.sleep(rng.uniform(0.1, took))
            code = child.kill()
            finished += code == 0
            # What the person meets next: any command first throws away or finishes an
            # import that was stopped half-way (store.import_stage), then works.
            opened = run(commander("list", "--json", db=db), env, timeout=600)
            resumed += "has now been finished" in opened.stderr
            discarded += "nothing of it was kept" in opened.stderr
            present = _events_of(db, bundle_incident)
            if present not in (0, expected):
                partial += 1
                report.note(area, f"import trial {trial}: {present} of {expected} events present")
            problems = log_problems(db)
            if problems:
                unsound += 1
                report.note(area, f"import trial {trial}: {shorten('; '.join(problems))}")
            again = run(commander("import", bundle, db=db), env, timeout=600)
            if again.code != 0 or _events_of(db, bundle_incident) != expected:
                reimport_failed += 1
                report.note(
                    area, f"import trial {trial}: the import again: {shorten(again.stderr)}"
                )
    report.add(
        Row(
            area,
            f"`commander import` of a {events:,}-event bundle, SIGKILL at random times",
            trials,
            {
                "partly imported": partial,
                "unsound logs": unsound,
                "re-import failed": reimport_failed,
            },
            "all or nothing",
            f"import takes {took:.1f} s; {finished} finished before the kill, "
            f"{resumed} finished and {discarded} thrown away by the next command",
        )
    )


def unchained_bundle(root: Path, events: int) -> Path:
    """bench_import_wait's bundle of `events` notes, without chain links (as an older
    Commander wrote it): its notes are copies of the opening and would carry its link."""
    path = write_bundle(root, events)
    bundle = json.loads(path.read_text("utf-8"))
    for event in bundle["events"]:
        event.pop("chain", None)
    path.write_text(json.dumps(bundle), "utf-8")
    return path


def _events_of(db: Path, incident_id: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(
            conn.execute(
                "SELECT count(*) FROM events WHERE incident_id = ?", [incident_id]
            ).fetchone()[0]
        )
    finally:
        conn.close()


def sigkill_backups(report: Report, trials: int, events: int) -> None:
    area = "1 SIGKILL"
    left_at_once = left_later = unhealthy = killed_mid = left_by_kill = 0
    with tempfile.TemporaryDirectory(prefix="commander-backup-") as folder:
        root = Path(folder)
        env = sandbox_env(root)
        base = root / "base" / "incidents.db"
        base.parent.mkdir()
        new_log(base)
        imported = run(
            commander("import", unchained_bundle(root, events), db=base), env, timeout=600
        )
        if imported.code != 0:
            raise RuntimeError(f"the bundle does not import: {shorten(imported.stderr)}")
        shutil.rmtree(base.parent / "backups", ignore_errors=True)
        took = run(commander("backup", db=base), env).seconds
        for trial in range(trials):
            rng = random.Random(f"report-backup-{trial}")
            db = root / f"trial{trial}" / "incidents.db"
            db.parent.mkdir()
            shutil.copy(base, db)
            child = Child(commander("backup", db=db))
            if trial % 2:  # once the copy has begun
                deadline = time.monotonic() + 10
                while not _partials(db.parent) and time.monotonic() < deadline:
                    time.sleep(0.0005)
                time.sleep(rng.uniform(0, 0.01))
            else:  # at any moment from its start
                time.sleep(rng.uniform(0.05, took))
            killed_mid += child.kill() == SIGKILLED
            after_kill = _partials(db.parent)
            run(commander("backup", db=db), env)
            at_once = _partials(db.parent)
            # The sweep leaves a partial younger than 15 minutes (a backup running now may
            # be writing it): age what is left, as if that time had passed, and back up again.
            aged = time.time() - 16 * 60
            for leftover in at_once:
                os.utime(leftover, (aged, aged))
            run(commander("backup", db=db), env)
            later = _partials(db.parent)
            left_at_once += len(at_once)
            left_later += len(later)
            left_by_kill += bool(after_kill)
            bad = [b.name for b in BackupRotation(db).all() if not is_healthy(b)]
            if bad:
                unhealthy += len(bad)
                report.note(area, f"backup trial {trial}: unhealthy backups {bad}")
    report.note(
        area,
        f"backup: {left_by_kill} of {trials} kills left `.partial` files; a backup right "
        f"after kept {left_at_once} (younger than 15 min), one after they aged kept {left_later}",
    )
    report.add(
        Row(
            area,
            f"`commander backup` of a {events:,}-event log, SIGKILL at random times",
            trials,
            {"`.partial` left after the next backup": left_later, "unhealthy backups": unhealthy},
            "0 left",
            f"backup takes {took:.2f} s; {killed_mid} killed mid-run; "
            f"{left_at_once} partial(s) kept by a backup right after (younger than 15 min)",
        )
    )


def _partials(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".partial" in p.name]


# -- 2. storage faults -----------------------------------------------------------------


@dataclass
class Fault:
    name: str
    argv: list[str]
    expect: str  # a regex the message must match
    healthy: Path | None = None  # the healthy log that must not be called damaged or lose entries
    preexec_fn: Callable[[], None] | None = None
    env: dict[str, str] | None = None
    before: Callable[[], None] | None = None
    after: Callable[[], None] | None = None
    damaged: bool = False
    slow: bool = False  # run alongside the others


def storage_faults(report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="commander-faults-") as folder:
        root = Path(folder)
        try:
            _storage_faults(report, root)
        finally:  # nothing mounted or immutable may outlive the report
            unmount_tmpfs(root)
            locked = [root / "immutable", root / "immutable-log"]
            _chattr_all((*locked, *locked[1].glob("*")), "-i")


def _storage_faults(report: Report, root: Path) -> None:
    area = "2 Storage"
    report.note(
        area,
        "'wrong': a traceback, a bug (exit 70), exit 0, or, for a healthy log, words that call "
        "it damaged or send the user to a backup; 'lost': fewer events in a healthy log after. "
        "RLIMIT_FSIZE makes the kernel answer EFBIG, which SQLite reports as an I/O error, not "
        "SQLITE_FULL: the tmpfs rows are the real full disk. Root ignores permissions: "
        "chattr +i and `setpriv` as nobody stand in",
    )
    env = sandbox_env(root)
    big_entry = "pool exhausted " + "x" * 15_000
    faults: list[Fault] = []

    full = root / "fsize" / "incidents.db"
    full.parent.mkdir()
    new_log(full)
    run(commander("backup", db=full), env)  # none due while the limit holds

    def file_size_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (65_536, 65_536))

    faults.append(
        Fault(
            "full disk (RLIMIT_FSIZE 64 KB on `commander log`)",
            commander("log", big_entry, db=full),
            r"full|disk reported an error",
            healthy=full,
            preexec_fn=file_size_limit,
        )
    )

    folder_log = root / "team"
    folder_log.mkdir()
    faults.append(
        Fault("the log path is a folder", commander("list", db=folder_log), "is a folder")
    )

    blocker = root / "notes.txt"
    blocker.write_text("not a folder")
    faults.append(
        Fault(
            "the parent of --db is a regular file",
            commander("new", "x", db=blocker / "incidents.db"),
            "is a file, not a folder|There is no folder",
        )
    )
    faults.append(
        Fault(
            "a file where the default log's folder should be (XDG_DATA_HOME)",
            commander("new", "x"),
            "is a file, not a folder",
            env=env | {"XDG_DATA_HOME": str(blocker)},
        )
    )

    sheet = root / "budget.xlsx"
    sheet.write_bytes(b"PK\x03\x04 this is a spreadsheet" * 100)
    faults.append(
        Fault("a file that is not SQLite", commander("list", db=sheet), "not a Commander")
    )
    places = root / "places.sqlite"
    conn = sqlite3.connect(places)
    conn.execute("CREATE TABLE bookmarks (url TEXT)")
    conn.commit()
    conn.close()
    faults.append(
        Fault(
            "another program's SQLite database",
            commander("log", "x", db=places),
            "another program's SQLite database",
        )
    )

    truncated = root / "truncated" / "incidents.db"
    truncated.parent.mkdir()
    new_log(truncated, entries=300)
    size = truncated.stat().st_size
    os.truncate(truncated, size // 2)
    faults.append(
        Fault(
            "a damaged log (truncated to half its pages)",
            commander("log", "x", db=truncated),
            "damaged",
            damaged=True,
        )
    )
    for where in ("events_fts_data", "events"):
        damaged = root / f"damaged-{where}" / "incidents.db"
        damaged.parent.mkdir()
        write_damaged_log(damaged, FixedClock(datetime.now(UTC)), where=where)
        for command in (["log", "x"], ["check"]):
            faults.append(
                Fault(
                    f"a damaged log (one page of `{where}` overwritten), `{command[0]}`",
                    commander(*command, db=damaged),
                    "damaged",
                    damaged=True,
                )
            )

    faults += _read_only_faults(root, env)
    faults += _tmpfs_faults(root, big_entry)

    busy = root / "busy" / "incidents.db"
    busy.parent.mkdir()
    new_log(busy)
    holder = sqlite3.connect(busy, isolation_level=None, check_same_thread=False)
    faults.append(
        Fault(
            "a busy log (another connection holds BEGIN IMMEDIATE)",
            commander("log", "x", db=busy),
            "busy",
            healthy=busy,
            before=lambda: holder.execute("BEGIN IMMEDIATE"),
            after=lambda: holder.execute("ROLLBACK"),
            slow=True,
        )
    )

    wrong = lost = tried = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The busy log waits out the 10 s busy timeout: alongside the others.
        waiting = {f.name: pool.submit(_try_fault, f, env) for f in faults if f.slow}
        for fault in faults:
            if fault.name.endswith("not reproducible as root"):
                report.add(Row(area, fault.name, 0, {}, "0 wrong", "skipped"))
                continue
            tried += 1
            ran, why, entries_lost = (
                waiting[fault.name].result() if fault.slow else _try_fault(fault, env)
            )
            named = re.search(fault.expect, ran.stderr) is not None
            wrong += why is not None
            lost += entries_lost
            report.add(
                Row(
                    area,
                    fault.name,
                    1,
                    {"wrong": int(why is not None), "lost": entries_lost},
                    "0 wrong",
                    f"exit {ran.code}; says /{fault.expect}/: {'yes' if named else 'no'}",
                )
            )
            said = shorten(ran.stderr.strip().splitlines()[-1] if ran.stderr.strip() else "")
            report.note(area, f"{fault.name}: {'WRONG: ' + why if why else 'ok'} — {said!r}")
    holder.close()
    report.note(area, f"{tried} faults tried, {wrong} wrong, {lost} entries lost")


def _try_fault(fault: Fault, env: dict[str, str]) -> tuple[Ran, str | None, int]:
    """Run the command in the fault; what it said, what was wrong with that, entries lost."""
    before = event_count(fault.healthy) if fault.healthy else None
    if fault.before:
        fault.before()
    try:
        ran = run(fault.argv, fault.env or env, preexec_fn=fault.preexec_fn, timeout=60)
    finally:
        if fault.after:
            fault.after()
    why = _wrong_message(ran, fault)
    entries_lost = 0
    if fault.healthy is not None:
        after = event_count(fault.healthy)
        problems = log_problems(fault.healthy)
        if before is not None and (after is None or after < before):
            entries_lost = before - (after or 0)
        if problems:
            why = why or f"the log is not sound afterwards: {shorten('; '.join(problems))}"
    return ran, why, entries_lost


def _wrong_message(ran: Ran, fault: Fault) -> str | None:
    if ran.traceback:
        return "a traceback"
    if ran.code == EXIT_BUG:
        return "reported as a bug (exit 70)"
    if ran.code == 0:
        return "accepted (exit 0)"
    if not fault.damaged and SAYS_DAMAGE.search(ran.stderr):
        return "calls the file damaged or sends the user to a backup"
    return None


def _read_only_faults(root: Path, env: dict[str, str]) -> list[Fault]:
    """Root ignores permissions: an immutable folder (chattr +i) stands in, and `nobody`
    (setpriv) meets an ordinary folder it may not write."""
    faults: list[Fault] = []
    immutable = root / "immutable"
    immutable.mkdir()
    existing = root / "immutable-log"
    existing.mkdir()
    new_log(existing / "incidents.db")
    if _chattr(immutable, "+i"):
        _chattr(immutable, "-i")

        def lock(*paths: Path) -> Callable[[], None]:
            return lambda: _chattr_all(paths, "+i")

        def unlock(*paths: Path) -> Callable[[], None]:
            return lambda: _chattr_all(paths, "-i")

        faults.append(
            Fault(
                "a new log in a read-only folder (chattr +i)",
                commander("new", "x", db=immutable / "incidents.db"),
                "cannot create|read-only",
                before=lock(immutable),
                after=unlock(immutable),
            )
        )
        faults.append(
            Fault(
                "writing to a read-only log in a read-only folder (chattr +i on both)",
                commander("log", "x", db=existing / "incidents.db"),
                "read-only",
                healthy=existing / "incidents.db",
                before=lock(existing, *existing.iterdir()),
                after=unlock(existing, *existing.iterdir()),
            )
        )
    elif os.geteuid() == 0:
        faults.append(Fault("read-only folder (chattr): not reproducible as root", [], ""))
    else:
        immutable.chmod(0o555)
        faults.append(
            Fault(
                "a new log in a read-only folder (chmod 555)",
                commander("new", "x", db=immutable / "incidents.db"),
                "cannot create|read-only",
            )
        )

    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv:
        stranger = root / "stranger"
        for sub in ("data", "config", "cache", "state"):
            (stranger / sub).mkdir(parents=True)
        for path in (stranger, *stranger.iterdir()):
            path.chmod(0o777)
        root.chmod(0o755)
        theirs = root / "not-yours"
        theirs.mkdir(mode=0o755)
        as_nobody = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        nobody_env = env | {
            "HOME": str(stranger),
            "XDG_DATA_HOME": str(stranger / "data"),
            "XDG_CONFIG_HOME": str(stranger / "config"),
            "XDG_CACHE_HOME": str(stranger / "cache"),
            "XDG_STATE_HOME": str(stranger / "state"),
        }
        if subprocess.run([*as_nobody, "true"], check=False).returncode == 0:
            faults.append(
                Fault(
                    "a new log in a folder the user may not write (as nobody)",
                    [*as_nobody, *commander("new", "x", db=theirs / "incidents.db")],
                    "cannot create|read-only",
                    env=nobody_env,
                )
            )
    return faults


def _chattr_all(paths: tuple[Path, ...], flag: str) -> None:
    for path in paths:
        _chattr(path, flag)


def _chattr(path: Path, flag: str) -> bool:
    if not shutil.which("chattr") or not path.exists():
        return False
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


def _tmpfs_faults(root: Path, big_entry: str) -> list[Fault]:
    """A real full disk: a 2 MB tmpfs (root only), filled to its last 40 KB, or to its last byte."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return []
    faults: list[Fault] = []
    for left in (40 * 1024, 0):
        mount = root / f"tmpfs-{left}"
        mount.mkdir()
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
            capture_output=True,
            check=False,
        )
        if mounted.returncode != 0:
            return []
        db = mount / "incidents.db"
        new_log(db)
        filler = mount / "filler"

        def fill(filler: Path = filler, left: int = left) -> None:
            with open(filler, "wb", buffering=0) as handle, contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * 4096)
            os.truncate(filler, max(0, filler.stat().st_size - left))

        def free(filler: Path = filler) -> None:
            filler.unlink(missing_ok=True)

        faults.append(
            Fault(
                f"full disk (2 MB tmpfs, {left // 1024} KB left), `commander log` of 15,000 chars",
                commander("log", big_entry, db=db),
                r"is full" if left else r"full|disk reported an error",
                healthy=db,
                before=fill,
                after=free,
            )
        )
    return faults


def unmount_tmpfs(root: Path) -> None:
    for mount in root.glob("tmpfs-*"):
        subprocess.run(["umount", str(mount)], capture_output=True, check=False)


# -- 3. publish faults -----------------------------------------------------------------


@dataclass(frozen=True)
class Misbehaviour:
    """What the gateway does to the first `times` writes (POST, PATCH, PUT) it sees."""

    name: str
    kind: str  # "status": forward, then answer `status`; "drop": forward, then hang up;
    # "hold": forward, then keep the answer until released; "limit": answer 429 unforwarded
    status: int = 0
    retry_after: str = ""
    times: int = 2


BEHAVIOURS = [
    *(Misbehaviour(f"{s} after the write", "status", status=s) for s in (500, 502, 503, 504)),
    Misbehaviour("connection dropped after the write", "drop"),
    Misbehaviour("slow answer, sender SIGKILLed", "hold", times=1),
    Misbehaviour("429 Retry-After: inf", "limit", retry_after="inf"),
    Misbehaviour("429 Retry-After: 400 digits", "limit", retry_after="9" * 400),
    Misbehaviour(
        "429 Retry-After: year 9999", "limit", retry_after="Fri, 31 Dec 9999 23:59:59 GMT"
    ),
    Misbehaviour("429 Retry-After: malformed", "limit", retry_after="soon"),
]
QUICK_BEHAVIOURS = {
    "500 after the write",
    "503 after the write",
    "connection dropped after the write",
    "slow answer, sender SIGKILLed",
    "429 Retry-After: inf",
}


class Gateway:
    """A gateway on 127.0.0.1 in front of a fake service: it forwards every request (so the
    service has written the update) and then fails the first writes the way a broken
    gateway does."""

    def __init__(self, backend_port: int, fault: Misbehaviour | None) -> None:
        self.backend_port = backend_port
        self.fault = fault
        self.faults_left = fault.times if fault else 0
        self.holding = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def close(self) -> None:
        self.release.set()
        self._stop.set()
        self._thread.join()
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(10)
            try:
                method, path, headers, body = _read_request(connection)
            except (OSError, ValueError):
                return
            fault = None
            if method in ("POST", "PATCH", "PUT"):
                with self._lock:
                    if self.faults_left > 0:
                        self.faults_left -= 1
                        fault = self.fault
            if fault is not None and fault.kind == "limit":
                _answer(
                    connection, 429, b"slow down", "text/plain", {"Retry-After": fault.retry_after}
                )
                return
            status, content_type, answer = self._forward(method, path, headers, body)
            if fault is None:
                _answer(connection, status, answer, content_type)
            elif fault.kind == "status":
                _answer(connection, fault.status, b"upstream failed after writing", "text/plain")
            elif fault.kind == "hold":
                self.holding.set()
                self.release.wait(60)
            # "drop" (and a released hold): hang up without a word

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        backend = http.client.HTTPConnection("127.0.0.1", self.backend_port, timeout=10)
        try:
            passed = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
            backend.request(method, path, body=body or None, headers=passed)
            reply = backend.getresponse()
            return reply.status, reply.getheader("Content-Type") or "text/plain", reply.read()
        finally:
            backend.close()


def _read_request(connection: socket.socket) -> tuple[str, str, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise ValueError("closed before the headers ended")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
    length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise ValueError("closed before the body ended")
        body += chunk
    return method, path, headers, body


def _answer(
    connection: socket.socket,
    status: int,
    body: bytes,
    content_type: str,
    extra: dict[str, str] | None = None,
) -> None:
    reason = http.client.responses.get(status, "Unknown")
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}",
             f"Content-Length: {len(body)}", "Connection: close"]  # fmt: skip
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    with contextlib.suppress(OSError):
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


@dataclass
class ChatHook:
    """A Slack or Teams webhook behind the gateway: keeps every post it accepted."""

    posts: list[str] = field(default_factory=list)

    def handle(self, request: Request) -> Response:
        self.posts.append(request.get_data(as_text=True))
        return Response("ok", status=200)


class FlakyMailbox(Mailbox):
    """An SMTP server whose first DATA commands fail: refused (451, 554), or accepted and
    then the connection dropped, or accepted and the answer held until the sender is killed."""

    def __init__(self, fault: str, times: int, release: threading.Event) -> None:
        super().__init__()
        self.fault, self.faults_left, self.release = fault, times, release
        self.holding = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.commands.append("DATA")
        if self.faults_left <= 0:
            self.messages.append(envelope)
            return "250 OK"
        self.faults_left -= 1
        if self.fault in ("451", "554"):
            return f"{self.fault} {self.fault[0]}.3.0 not now"
        self.messages.append(envelope)  # taken: what follows only loses the answer
        if self.fault == "hold":
            self.holding.set()
            for _ in range(1200):
                if self.release.is_set():
                    break
                await asyncio.sleep(0.05)
        server.transport.abort()
        return "250 OK"


EMAIL_BEHAVIOURS = {
    "451 after DATA (not taken)": "451",
    "554 after DATA (not taken)": "554",
    "connection dropped after DATA was taken": "drop",
    "slow answer, sender SIGKILLed": "hold",
}
QUICK_EMAIL = {"connection dropped after DATA was taken", "slow answer, sender SIGKILLed"}
MARKERS = ("update-one-7731", "update-two-7731")
ROUND = timedelta(minutes=61)  # past any wait: the longest Retry-After honoured is an hour


@dataclass
class Outcome:
    duplicates: int
    tracebacks: int
    stuck: int
    states: str


class Tracebacks(logging.Handler):
    """Commander's own log records that carry a traceback (a bug, not the network)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("commander_app") and record.exc_info:
            self.count += 1
            self.seen.append(shorten(record.getMessage()))


@contextlib.contextmanager
def file_keyring(path: Path) -> Iterator[None]:
    """This process and the `commander` children share the secrets in one file."""
    previous = os.environ.get(FILE_VARIABLE)
    os.environ[FILE_VARIABLE] = str(path)
    keyring.set_keyring(FileKeyring())
    forget_process_secrets()
    try:
        yield
    finally:
        forget_process_secrets()
        if previous is None:
            os.environ.pop(FILE_VARIABLE, None)
        else:
            os.environ[FILE_VARIABLE] = previous


def publish_faults(report: Report, quick: bool) -> None:
    http_kinds = ["statuspage", "cachet", "slack", "teams"]
    behaviours = [b for b in BEHAVIOURS if not quick or b.name in QUICK_BEHAVIOURS]
    email_behaviours = [b for b in EMAIL_BEHAVIOURS if not quick or b in QUICK_EMAIL]
    backend = HTTPServer(host="127.0.0.1", port=0, threaded=True)  # each scenario's fake behind it
    backend.start()
    try:
        for kind in [*http_kinds, "email"]:
            _publish_faults(report, backend, kind, behaviours, email_behaviours)
    finally:
        backend.stop()


def _publish_faults(
    report: Report,
    backend: HTTPServer,
    kind: str,
    behaviours: list[Misbehaviour],
    email_behaviours: list[str],
) -> None:
    area = "3 Publish"
    if kind == "statuspage":
        report.note(
            area,
            "each scenario queues two updates of one incident; a gateway forwards every request "
            "to the fake service (so the remote has the update) and fails the first two writes "
            "as named (the slow answer: the first, while a real `commander outbox flush` is "
            "SIGKILLed); then the worker runs round after round, the log's clock an hour on "
            "each time, until nothing waits. Duplicates: remote incidents beyond one, copies of "
            "an update beyond one (email: a repeated Message-ID). 'failed (in doubt)': chat "
            "and email cannot be asked, so the update waits for a person, and the next queues "
            "behind it (README)",
        )
    tried = duplicates = by_design = tracebacks = stuck = 0
    names = ["healthy server (control)"] + (
        email_behaviours if kind == "email" else [b.name for b in behaviours]
    )
    for name in names:
        with tempfile.TemporaryDirectory(prefix="commander-publish-") as folder:
            try:
                if kind == "email":
                    outcome = _email_scenario(Path(folder), EMAIL_BEHAVIOURS.get(name))
                else:
                    fault = next((b for b in behaviours if b.name == name), None)
                    outcome = _http_scenario(Path(folder), backend, kind, fault)
            except Exception as exc:  # the report goes on; the figure says what broke
                outcome = Outcome(0, 1, 0, f"the scenario broke: {type(exc).__name__}: {exc}")
                traceback.print_exc()
        tried += 1
        # README: "A 503 (the server says it is unavailable) ... [is an] ordinary retry",
        # so a server that wrote the update and then answered 503 gets it again.
        designed = name.startswith("503")
        by_design += outcome.duplicates if designed else 0
        duplicates += 0 if designed else outcome.duplicates
        tracebacks += outcome.tracebacks
        stuck += outcome.stuck
        flag = "" if not (outcome.duplicates or outcome.tracebacks or outcome.stuck) else "BAD "
        if designed and outcome.duplicates and not (outcome.tracebacks or outcome.stuck):
            flag = "BY DESIGN "
        report.note(
            area,
            f"{flag}{kind}, {name}: {outcome.duplicates} duplicates, "
            f"{outcome.tracebacks} tracebacks, {outcome.stuck} stuck; rows {outcome.states}",
        )
    report.add(
        Row(
            area,
            f"{kind}: two updates, each server fault (see details) on the first writes",
            tried,
            {"duplicates": duplicates, "tracebacks": tracebacks, "stuck 'sending'": stuck},
            "0 duplicates, 0 tracebacks",
            f"{by_design} second copies after a 503 that wrote (retried by design)"
            if by_design
            else "",
        )
    )


def _http_scenario(
    root: Path, backend: HTTPServer, kind: str, fault: Misbehaviour | None
) -> Outcome:
    now = datetime.now(UTC)
    fake: Any
    if kind == "statuspage":
        fake = FakeStatuspage("pg1", KEY, set(), now=now)
    elif kind == "cachet":
        fake = FakeCachet(KEY, set(), now=now)
    else:
        fake = ChatHook()
    backend.clear()
    backend.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    gateway = Gateway(backend.port, fault)
    try:
        if kind == "statuspage":
            settings, secret = {"page_id": "pg1", "base_url": f"{gateway.url}/v1"}, KEY
        elif kind == "cachet":
            settings, secret = {"base_url": gateway.url}, KEY
        else:
            settings, secret = {}, f"{gateway.url}/services/T0/B0/{TOKEN}"
        audience = Audience.CUSTOMERS if kind in ("statuspage", "cachet") else Audience.INTERNAL

        def sync(step: timedelta) -> None:
            if hasattr(fake, "now"):
                fake.now += step

        def remote_duplicates() -> int:
            """Remote incidents beyond the first, and copies of an update beyond its first."""
            if kind == "statuspage":
                texts = [u["body"] for i in fake.incidents.values() for u in i["incident_updates"]]
                incidents = len(fake.incidents)
            elif kind == "cachet":
                texts = [i["message"] for i in fake.incidents.values()]
                texts += [u["message"] for ups in fake.updates.values() for u in ups]
                incidents = len(fake.incidents)
            else:
                texts, incidents = list(fake.posts), 1
            copies = sum(max(0, sum(m in t for t in texts) - 1) for m in MARKERS)
            return max(0, incidents - 1) + copies

        hold = fault is not None and fault.kind == "hold"
        return _drive(root, kind, settings, secret, audience, hold,
                      gateway.holding, gateway.release, sync, remote_duplicates)  # fmt: skip
    finally:
        gateway.close()
        backend.clear()


def _email_scenario(root: Path, fault: str | None) -> Outcome:
    release = threading.Event()
    mailbox = FlakyMailbox(fault or "", 1 if fault == "hold" else (2 if fault else 0), release)
    with mail_server(mailbox=mailbox) as server:
        settings = {
            "host": server.host,
            "port": server.port,
            "security": "plain",
            "from_addr": "Commander <incidents@example.com>",
            "recipients": {"customers": ["a@customer.example"]},
        }

        def remote_duplicates() -> int:
            """One Message-ID per outbox row: a repeated one is a second copy of an update."""
            ids = [
                str(
                    message_from_bytes(e.original_content or b"", policy=email_policy)["Message-ID"]
                )
                for e in mailbox.messages
            ]
            return len(ids) - len(set(ids))

        try:
            return _drive(root, "email", settings, None, Audience.CUSTOMERS, fault == "hold",
                          mailbox.holding, release, _no_clock, remote_duplicates)  # fmt: skip
        finally:
            release.set()


def _no_clock(step: timedelta) -> None:
    """An SMTP server keeps no clock of its own to move on."""


def _drive(
    root: Path,
    kind: str,
    settings: dict[str, Any],
    secret: str | None,
    audience: Audience,
    kill_sender: bool,
    holding: threading.Event,
    release: threading.Event,
    sync: Callable[[timedelta], None],
    remote_duplicates: Callable[[], int],
) -> Outcome:
    """Two updates of one incident through the real outbox worker, round after round (an
    hour apart on the log's clock) until nothing waits; with `kill_sender`, the first try
    is a real `commander outbox flush` killed while the server holds its answer."""
    db = root / "incidents.db"
    catcher = Tracebacks()
    logging.getLogger().addHandler(catcher)
    escaped = 0
    try:
        with file_keyring(root / "keyring.json"):
            clock = FixedClock(datetime.now(UTC))
            with IncidentLog(db, device_id="device-report", clock=clock) as log:
                incident = log.open_incident("Checkout failing", author="alice").id
                channel_store.save_channel(log, "out", kind, settings)
                if secret is not None:
                    SecretStore().set("out", secret)
                for marker in MARKERS:
                    outbox_store.enqueue(
                        log, incident, audience, ["out"], "Checkout problems",
                        f"{marker}: we are investigating.", author="cara", facts=UpdateFacts(),
                    )  # fmt: skip
            if kill_sender:
                sender = Child(commander("outbox", "flush", db=db))
                reached = holding.wait(30)
                sender.kill()
                release.set()
                if not reached:
                    raise RuntimeError(f"the sender never reached the server: {sender.stderr}")
                step = timedelta(minutes=2)  # the in-doubt settle time has passed
                clock = FixedClock(datetime.now(UTC) + step)
                sync(step)
            with IncidentLog(db, device_id="device-report", clock=clock) as log:
                for _ in range(8):
                    try:
                        deliver_due(log, SecretStore(), timeout=5.0)
                    except Exception:
                        escaped += 1
                        traceback.print_exc()
                    if not outbox_store.entries(log, waiting_only=True):
                        break
                    clock.advance(ROUND)
                    sync(ROUND)
                rows = sorted(outbox_store.entries(log, waiting_only=False), key=lambda r: r.seq)
        duplicates = remote_duplicates()
        stuck = sum(r.state is OutboxState.SENDING for r in rows)
        states = ", ".join(
            r.state.value + (" (in doubt)" if "cannot" in (r.last_error or "") else "")
            for r in rows
        )
        return Outcome(duplicates, catcher.count + escaped, stuck, states)
    finally:
        logging.getLogger().removeHandler(catcher)


# -- 4. secret canaries ----------------------------------------------------------------

CANARY_STATUSES = [400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504]
CANARY_SHAPES = ["text", "error", "errors-list", "nested", "key", "detail"]
CLI_FORMS = ["raw", "json-escaped", "url-encoded", "base64@1", "path"]


def secret_canaries(report: Report, quick: bool) -> None:
    area = "4 Secrets"
    ca = trustme.CA()
    with tempfile.TemporaryDirectory(prefix="commander-canary-") as folder:
        root = Path(folder)
        ca_file = root / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_tls)
        kinds = ["statuspage", "cachet", "slack", "teams", "email"]
        cli_forms = CLI_FORMS[:1] if quick else CLI_FORMS
        # --quick: one form, through one channel of each sort (status page, chat, email).
        cli_kinds = ["statuspage", "slack", "email"] if quick else kinds
        cli_cases = [(kind, form) for kind in cli_kinds for form in cli_forms]

        def cli_case(case: tuple[str, str]) -> Canary:
            kind, form = case
            scratch = root / f"{kind}-cli-{form}"
            scratch.mkdir()
            return _canary_cli(scratch, kind, form, server_tls, ca_file)

        # The CLI runs are separate processes with servers of their own: two at a time.
        with ThreadPoolExecutor(max_workers=2) as pool:
            cli_results = pool.map(cli_case, cli_cases)
            by_kind: dict[str, list[tuple[str, Canary]]] = {kind: [] for kind in kinds}
            backend = HTTPServer(host="127.0.0.1", port=0)
            backend.start()
            try:
                for kind in kinds:
                    for number, (form, shape, status) in enumerate(_canary_cases(kind, quick)):
                        scratch = root / f"{kind}-{number}"
                        scratch.mkdir()
                        canary = _canary_in_process(scratch, backend, kind, form, shape, status,
                                                    server_tls, ca_file)  # fmt: skip
                        by_kind[kind].append((f"{form} in a {shape} {status}", canary))
            finally:
                backend.stop()
            for (kind, form), canary in zip(cli_cases, cli_results, strict=True):
                by_kind[kind].append((f"CLI, {form}", canary))
    for kind, results in by_kind.items():
        found: dict[str, int] = {}
        unexercised = 0
        for label, canary in results:
            unexercised += not canary.exercised
            for place, n in canary.found.items():
                found[place] = found.get(place, 0) + n
                if n:
                    report.note(area, f"BAD {kind}, {label}: {n} in {place}")
        report.add(
            Row(
                area,
                f"{kind}: error answers quoting the secret (forms × shapes × statuses in "
                "process, then through the CLI end to end)",
                len(results),
                {"occurrences": sum(found.values()), "not exercised": unexercised},
                "0",
                ", ".join(f"{p}: {n}" for p, n in sorted(found.items()) if n),
            )
        )
    report.note(
        area,
        "searched: the log file and its WAL, a backup, the JSON and Markdown exports, what the "
        "worker told the user and Commander's log records (in process); and, for the CLI runs, "
        "every file under the run's folder (log, WAL, backups, exports, commander.log, the copy "
        "without secrets) except the test keyring, plus stdout and stderr of every command",
    )
    report.note(
        area,
        "'not exercised': the server was never asked, or the needles did not match what it "
        "echoed (the search could not have found it); the keyring file, which holds the "
        "secret, must match in every CLI run",
    )


@dataclass
class Canary:
    found: dict[str, int]
    exercised: bool


def _canary_cases(kind: str, quick: bool) -> Iterator[tuple[str, str, int]]:
    forms = list(forms_of("x"))
    shapes = ["text"] if kind == "email" else CANARY_SHAPES
    statuses = [451, 554] if kind == "email" else CANARY_STATUSES
    number = 0
    for form in forms:
        for shape in shapes:
            number += 1
            if quick and number % 7:
                continue
            yield form, shape, statuses[number % len(statuses)]


def _canary_secret(kind: str, base: str) -> tuple[dict[str, Any], str]:
    if kind == "email":
        return {}, f"pw-{TOKEN}"
    return channel_setup(kind, base)


def _email_settings(port: int, ca_file: Path) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "starttls",
        "username": "commander@example.com",
        "from_addr": "Commander <incidents@example.com>",
        "recipients": {"customers": ["a@customer.example"]},
        "ca_file": str(ca_file),
    }


def _refusing(backend: HTTPServer, body: str, content_type: str, status: int) -> None:
    headers = {"Retry-After": "1"} if status == 429 else {}

    def refuse(_request: Request) -> Response:
        return Response(body, status=status, content_type=content_type, headers=headers)

    backend.clear()
    backend.expect_request(re.compile("^/")).respond_with_handler(refuse)


def _canary_in_process(
    scratch: Path,
    backend: HTTPServer,
    kind: str,
    form: str,
    shape: str,
    status: int,
    server_tls: Any,
    ca_file: Path,
) -> Canary:
    """What tests/properties/test_secret_canary.py does, over a fixed grid, plus email."""
    settings, secret = _canary_secret(kind, backend.url_for("").rstrip("/"))
    echoed = forms_of(secret)[form]
    asked = False
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(file_keyring(scratch / "keyring.json"))
            if kind == "email":
                mailbox = Mailbox(data_reply=f"{status} {status // 100}.7.1 refused {echoed}")
                server = stack.enter_context(
                    mail_server(starttls=server_tls, mailbox=mailbox, password=secret)
                )
                settings = _email_settings(server.port, ca_file)
                answer = mailbox.data_reply
            else:
                answer, content_type = body_for({"words": "no", "shape": shape}, echoed)
                _refusing(backend, answer, content_type, status)
            with IncidentLog(
                scratch / "incidents.db", device_id="d", clock=FixedClock(datetime.now(UTC))
            ) as log:
                incident = log.open_incident("Checkout failing", author="alice")
                channel_store.save_channel(log, "out", kind, settings)
                SecretStore().set("out", secret)
                outbox_store.enqueue(
                    log, incident.id, Audience.CUSTOMERS, ["out"], "Checkout problems",
                    "We are investigating.", author="cara", facts=UpdateFacts(),
                )  # fmt: skip
                attempts = deliver_due(log, SecretStore(), timeout=5.0)
                told = "\n".join(a.describe() for a in attempts).encode()
                stored = everything_stored(log, incident.id, scratch)
            asked = "DATA" in mailbox.commands if kind == "email" else bool(backend.log)
    finally:
        logging.getLogger().removeHandler(handler)
    logged = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in records if r.name.startswith("commander")
    ).encode()
    found: dict[str, int] = {}
    for place, seen in (("log, backup, exports", stored), ("told", told), ("log records", logged)):
        found[place] = sum(seen.count(n.encode()) for n in needles(secret))
    findable = any(n in answer for n in needles(secret))  # else the search proves nothing
    return Canary(found, asked and findable)


def _canary_cli(scratch: Path, kind: str, form: str, server_tls: Any, ca_file: Path) -> Canary:
    """The real program end to end: add the channel, send, then every way out of the log."""
    env = sandbox_env(scratch)
    db = scratch / "incidents.db"
    outputs: list[str] = []
    with contextlib.ExitStack() as stack:
        backend = HTTPServer(host="127.0.0.1", port=0)
        backend.start()
        stack.callback(backend.stop)
        settings, secret = _canary_secret(kind, backend.url_for("").rstrip("/"))
        echoed = forms_of(secret)[form]
        if kind == "email":
            mailbox = Mailbox(data_reply=f"554 5.7.1 refused {echoed}")
            server = stack.enter_context(
                mail_server(starttls=server_tls, mailbox=mailbox, password=secret)
            )
            email = _email_settings(server.port, ca_file)
            options = ["--host", "127.0.0.1", "--port", str(server.port),
                       "--security", "starttls", "--username", email["username"],
                       "--from", email["from_addr"], "--to", "customers=a@customer.example",
                       "--ca-file", str(ca_file)]  # fmt: skip
        else:
            body, content_type = body_for({"words": "no", "shape": "nested"}, echoed)
            _refusing(backend, body, content_type, 502)
            options = {
                "statuspage": ["--page-id", "pg1", "--base-url", settings.get("base_url", "")],
                "cachet": ["--base-url", settings.get("base_url", "")],
            }.get(kind, ["--audience", "customers"])
        update = scratch / "update.txt"
        update.write_text("Subject: Checkout problems\n\nWe are investigating.\n", "utf-8")
        steps = [
            commander("new", "Checkout failing", db=db),
            commander("channel", "add", kind, "out", *options, "--secret-stdin", db=db),
            commander("send", "customers", "--channel", "out", "--text-file", update, db=db),
            commander("outbox", "list", "--all", db=db),
            commander("outbox", "list", "--all", "--json", db=db),
            commander("show", db=db),
            commander("export", "--format", "json", "-o", scratch / "export.json", db=db),
            commander("export", "--format", "md", "-o", scratch / "export.md", db=db),
            commander("backup", db=db),
            commander("check", db=db),
            commander("copy-without-secrets", scratch / "clean.db", db=db),
        ]
        for argv in steps:
            stdin = secret + "\n" if "--secret-stdin" in argv else None
            ran = run(argv, env, stdin=stdin, timeout=60)
            outputs += [ran.stdout, ran.stderr]
        asked = "DATA" in mailbox.commands if kind == "email" else bool(backend.log)
    found = {"stdout/stderr": sum("\n".join(outputs).count(n) for n in needles(secret))}
    keyring_file = scratch / "keyring.json"
    in_keyring = 0
    for path in scratch.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        hits = sum(data.count(n.encode()) for n in needles(secret))
        if path == keyring_file:
            in_keyring = hits  # the control: where the secret is meant to be
        elif hits:
            place = path.relative_to(scratch).as_posix()
            found[place] = found.get(place, 0) + hits
    findable = any(n in echoed for n in needles(secret))
    return Canary(found, asked and findable and in_keyring > 0)


# -- 5. bad inputs ---------------------------------------------------------------------


@dataclass
class Input:
    name: str
    run: Callable[[], tuple[Ran, str | None]]  # the run, and what was wrong (None: right)


def bad_inputs(report: Report) -> None:
    area = "5 Inputs"
    with tempfile.TemporaryDirectory(prefix="commander-inputs-") as folder:
        root = Path(folder)
        env = sandbox_env(root)
        source = root / "source.db"
        run(commander("new", "Checkout failing", db=source), env)
        run(commander("log", "pool exhausted", db=source), env)
        run(commander("status", "identified", db=source), env)
        exported = run(commander("export", "--format", "json", "-o", "-", db=source), env).stdout
        bundle = json.loads(exported)
        for event in bundle["events"]:
            event.pop("chain", None)  # as an older Commander wrote it: no links to break

        def variant(name: str, edit: Callable[[dict[str, Any]], str | None]) -> Path:
            copy = json.loads(json.dumps(bundle))
            text = edit(copy)
            path = root / f"{name}.json"
            path.write_text(text if text is not None else json.dumps(copy), "utf-8")
            return path

        def far_ahead(copy: dict[str, Any]) -> None:
            copy["events"][-1]["occurred_at"] = "9999-12-31T23:59:59Z"

        def status_ahead(copy: dict[str, Any]) -> None:
            ahead = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
            status = next(e for e in copy["events"] if e["kind"] == "status")
            status["occurred_at"] = ahead
            status["recorded_at"] = ahead

        def huge_number(copy: dict[str, Any]) -> str:
            copy["events"][1]["body"]["count"] = "__NUMBER__"
            return json.dumps(copy).replace('"__NUMBER__"', "9" * 5000)

        def huge_body(copy: dict[str, Any]) -> None:
            copy["events"][1]["body"]["padding"] = "x" * 100_000_000

        counter = iter(range(1000))

        def importing(path: Path) -> tuple[Ran, str | None]:
            db = root / f"import{next(counter)}.db"
            ran = run(commander("import", path, db=db), env, timeout=300, measure=True)
            if ran.code == 0:
                return ran, "imported"
            listed = run(commander("list", "--all", "--json", db=db), env).stdout.strip()
            if db.exists() and listed not in ("", "[]"):
                return ran, "refused, yet something was written"
            return ran, _plain_refusal(ran)

        inputs = [
            Input("bundle event at 9999-12-31", lambda: importing(variant("far", far_ahead))),
            Input("bundle status 30 days ahead", lambda: importing(variant("ahead", status_ahead))),
            Input(
                "5,000-digit integer in a bundle", lambda: importing(variant("num", huge_number))
            ),
            Input("100 MB event body in a bundle", lambda: importing(variant("big", huge_body))),
        ]
        log_db = root / "incidents.db"
        run(commander("new", "Checkout failing", db=log_db), env)

        def status_ahead_cli() -> tuple[Ran, str | None]:
            ahead = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%MZ")
            ran = run(commander("status", "resolved", "--at", ahead, db=log_db), env, measure=True)
            return ran, "accepted" if ran.code == 0 else _plain_refusal(ran)

        def next_update_9999() -> tuple[Ran, str | None]:
            db = root / "promise.db"
            run(commander("new", "Checkout failing", db=db), env)
            ran = run(commander("sent", "internal", "--text", "Rolling back.", "--next-update",
                                "9999-12-31T23:00Z", db=db), env, measure=True)  # fmt: skip
            wrong = []
            if ran.bug:
                wrong.append("a bug (exit 70)" if ran.code == EXIT_BUG else "a traceback")
            elif ran.code not in (0, 1):
                wrong.append(f"exit {ran.code}")
            listed = run(commander("show", db=db), env).stdout
            if "Rolling back." in listed:
                wrong.append("the update was logged all the same")
            cadence = run(commander("cadence", db=db), env)
            if cadence.bug:
                wrong.append("every later `cadence` is a bug too (the log now holds the promise)")
            return ran, "; ".join(wrong) or None

        def deep_cadence() -> tuple[Ran, str | None]:
            """A playbook nested 100,000 deep: the command still runs, on the last good
            or shipped rules, and says which file it set aside."""
            policy = Path(env["XDG_DATA_HOME"]) / "commander" / "playbook.toml"
            policy.parent.mkdir(parents=True, exist_ok=True)
            policy.write_text("a = " + "[" * 100_000 + "]" * 100_000)
            try:
                ran = run(commander("cadence", db=log_db), env, measure=True)
            finally:
                policy.unlink()
            if ran.code != 0 or ran.bug:
                return ran, "the broken playbook stopped the command"
            return ran, None if str(policy) in ran.stderr else "does not name the file"

        def closed_stdout() -> tuple[Ran, str | None]:
            db = root / "closed.db"
            ran = run(
                ["sh", "-c", 'exec "$@" >&-', "sh", *commander("new", "Kept", db=db)],
                env,
                measure=True,
            )
            if ran.bug:
                return ran, "a bug"
            if ran.code != 1 or "standard output is closed" not in ran.stderr:
                return ran, f"exit {ran.code} without saying stdout is closed"
            kept = "Kept" in run(commander("list", db=db), env).stdout
            return ran, None if kept else "the incident was not kept"

        def endless_text() -> tuple[Ran, str | None]:
            ran = run(commander("sent", "internal", "--text-file", "/dev/zero", db=log_db), env,
                      timeout=60, measure=True)  # fmt: skip
            if ran.code == -signal.SIGKILL:
                return ran, "still reading after 60 s"
            return ran, "accepted" if ran.code == 0 else _plain_refusal(ran)

        def long_device_id() -> tuple[Ran, str | None]:
            config = Path(env["XDG_CONFIG_HOME"]) / "commander"
            config.mkdir(parents=True, exist_ok=True)
            (config / "device-id").write_text("d" * 157, encoding="utf-8")
            db = root / "device.db"
            ran = run(commander("new", "From this laptop", db=db), env, measure=True)
            if ran.bug or ran.code != 0:
                return ran, f"exit {ran.code}: {shorten(ran.stderr, 90)}"
            shown = json.loads(run(commander("show", "--json", db=db), env).stdout)
            devices = {e["device_id"] for e in shown["events"]}
            if any(len(d) > 100 for d in devices):
                return ran, "wrote under the 157-character id"
            if not (config / "device-id.bad").exists():
                return ran, "the bad id was not kept as device-id.bad"
            return ran, None

        def nasty_title() -> tuple[Ran, str | None]:
            db = root / "nasty.db"
            ran = run(commander("new", NASTY_TITLE, db=db), env, measure=True)
            run(commander("log", NASTY_ENTRY, db=db), env)
            shown = "".join(run(commander(*c, db=db), env).stdout for c in (["list"], ["show"]))
            raw = [c for c in ("\x1b", "\x07", "\r", "\x9b", "\u202e", "\u202c") if c in shown]
            listed = json.loads(run(commander("list", "--json", db=db), env).stdout)
            if ran.bug:
                return ran, "a bug"
            if raw:
                return (
                    ran,
                    f"raw control characters reach the terminal: {[hex(ord(c)) for c in raw]}",
                )
            if listed[0]["title"] != NASTY_TITLE:
                return ran, "--json does not give the exact title back"
            return ran, None

        def backup_to_device() -> tuple[Ran, str | None]:
            device = root / "null"
            try:
                os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            except OSError:
                device = Path("/dev/null")  # written through: the code never renames over it
            ran = run(commander("backup", "--to", device, db=log_db), env, measure=True)
            if not stat.S_ISCHR(device.lstat().st_mode):
                return ran, f"{device} was replaced by a file"
            return ran, None if ran.code == 0 else f"exit {ran.code}: {shorten(ran.stderr, 90)}"

        def export_to_fifo() -> tuple[Ran, str | None]:
            fifo = root / "out.pipe"
            os.mkfifo(fifo)
            got: dict[str, str] = {}
            reader = threading.Thread(target=lambda: got.update(text=fifo.read_text("utf-8")))
            reader.start()
            ran = run(
                commander("export", "--format", "md", "-o", fifo, db=log_db), env, measure=True
            )
            reader.join(30)
            if not stat.S_ISFIFO(fifo.lstat().st_mode):
                return ran, "the FIFO was replaced by a file"
            if ran.code != 0 or not got.get("text", "").startswith("# "):
                return ran, f"exit {ran.code}, the reader got {len(got.get('text', ''))} chars"
            return ran, None

        inputs += [
            Input("`status resolved --at` 30 days ahead", status_ahead_cli),
            Input("`sent --next-update 9999-12-31T23:00Z`", next_update_9999),
            Input("playbook.toml nested 100,000 deep", deep_cadence),
            Input("standard output closed (`commander new x >&-`)", closed_stdout),
            Input("`sent --text-file /dev/zero`", endless_text),
            Input("157-character device id", long_device_id),
            Input("ANSI escapes and bidi controls in a title and an entry", nasty_title),
            Input("`backup --to` a character device (a copy of /dev/null)", backup_to_device),
            Input("`export -o` a FIFO", export_to_fifo),
        ]
        for item in inputs:
            ran, wrong = item.run()
            figure = f"exit {ran.code}, {ran.seconds:.1f} s, peak {ran.peak_mb:.0f} MB"
            report.add(
                Row(
                    area,
                    item.name,
                    1,
                    {"tracebacks": int(ran.traceback), "wrong": int(wrong is not None)},
                    "0",
                    figure,
                )
            )
            said = shorten(ran.stderr.strip().splitlines()[-1] if ran.stderr.strip() else "")
            report.note(area, f"{item.name}: {'WRONG: ' + wrong if wrong else 'ok'} — {said!r}")


def _plain_refusal(ran: Ran) -> str | None:
    """A refusal must be one plain line and exit 1: no traceback, no bug."""
    if ran.traceback:
        return "a traceback"
    if ran.code == EXIT_BUG:
        return "reported as a bug (exit 70)"
    if ran.code != 1:
        return f"exit {ran.code}"
    return None


# -- 6. template bombs -----------------------------------------------------------------

EXTRA_BOMBS = {
    "big range": "{% for i in range(10**12) %}{% endfor %}",
    "three nested loops, no output": (
        "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
        "{% endfor %}{% endfor %}{% endfor %}"
    ),
    "range to a list": "{{ range(10**9) | list | length }}",
    "list multiplication": "{{ ([0] * 10**9) | length }}",
    "'%s'|format of a long text, repeated": "{{ '%s' | format('a' * 19999) * 9999 }}",
    "'%s' * n | format(*big list)": "{{ ('%s' * 9999) | format(*(['a' * 9999] * 9999)) }}",
    "recursion through a macro": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "macro fan-out (2**30 calls)": (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% else %}x{% endif %}"
        "{% endmacro %}{{ f(30) }}"
    ),
}
BOMB_CHILD = r"""
import json, resource, sys, time
from commander_app.core.templates import TemplateError, render
source = sys.stdin.read()
limit = 3 * 1024 ** 3  # a bomb that is not stopped must not take the machine with it
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
started = time.perf_counter()
try:
    verdict = {"refused": False, "length": len(render(source, {}, name="bomb").body)}
except TemplateError as exc:
    verdict = {"refused": True, "message": str(exc)}
except BaseException as exc:
    verdict = {"refused": False, "error": type(exc).__name__}
verdict["seconds"] = time.perf_counter() - started
print(json.dumps(verdict))
"""


def template_bombs(report: Report) -> None:
    area = "6 Templates"
    bombs = {"the issue's indent bomb": BOMBS["indent"]}
    bombs |= {k: v for k, v in BOMBS.items() if k != "indent"} | EXTRA_BOMBS
    env = dict(os.environ)
    baseline = run(
        [sys.executable, "-c", BOMB_CHILD], env, stdin="{{ 'ok' }}", measure=True
    ).peak_mb
    refused = 0
    peaks: list[float] = []
    slowest = 0.0
    for name, source in bombs.items():
        ran = run([sys.executable, "-c", BOMB_CHILD], env, stdin=source, timeout=60, measure=True)
        try:
            verdict = json.loads(ran.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            verdict = {"refused": False, "error": f"exit {ran.code}", "seconds": ran.seconds}
        refused += bool(verdict["refused"])
        peaks.append(ran.peak_mb)
        slowest = max(slowest, float(verdict.get("seconds", ran.seconds)))
        outcome = (
            "refused" if verdict["refused"]
            else f"NOT refused ({verdict.get('error') or str(verdict.get('length')) + ' chars'})"
        )  # fmt: skip
        report.note(
            area,
            f"{name}: {outcome} in {verdict.get('seconds', ran.seconds) * 1000:.0f} ms, "
            f"peak {ran.peak_mb:.1f} MB "
            f"— `{shorten(source, 70)}`",
        )
    report.add(
        Row(
            area,
            "template bombs through the core renderer, one process each",
            len(bombs),
            {"not refused": len(bombs) - refused},
            "all refused, memory bounded",
            f"peak {max(peaks):.1f} MB (a plain render {baseline:.1f} MB); slowest {slowest:.2f} s",
        )
    )


# -- main ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials: about a minute")
    warnings.filterwarnings("ignore", message="Session.login_data")  # aiosmtpd's own
    parser.add_argument("--only", metavar="N", action="append", help="only class N (1-6; repeat)")
    args = parser.parse_args()
    quick = args.quick
    events = 5_000 if quick else 20_000  # in the bundle imported; the log backed up has twice
    started = time.monotonic()
    report = Report()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake servers' access log
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)  # aiosmtpd, on dropped sessions
    with tempfile.TemporaryDirectory(prefix="commander-report-") as folder:
        # This process and every child it starts use their own folders and test keyring.
        os.environ.update(sandbox_env(Path(folder)))
        sections: list[tuple[str, Callable[[], None]]] = [
            ("1 SIGKILL", lambda: sigkill_appender(report, 20 if quick else 200)),
            ("1 SIGKILL", lambda: sigkill_imports(report, 2 if quick else 8, events)),
            ("1 SIGKILL", lambda: sigkill_backups(report, 4 if quick else 20, 2 * events)),
            ("2 Storage", lambda: storage_faults(report)),
            ("3 Publish", lambda: publish_faults(report, quick)),
            ("4 Secrets", lambda: secret_canaries(report, quick)),
            ("5 Inputs", lambda: bad_inputs(report)),
            ("6 Templates", lambda: template_bombs(report)),
        ]  # fmt: skip
        for area, section in sections:
            if args.only and area.split()[0] not in args.only:
                continue
            began = time.monotonic()
            try:
                section()
            except Exception as exc:  # a report: say what broke and carry on
                report.add(Row(area, f"the report itself failed: {type(exc).__name__}", 0, {}, "—"))
                report.note(area, shorten(f"{type(exc).__name__}: {exc}", 300))
                traceback.print_exc()
            print(f"[{area}: {time.monotonic() - began:.1f} s]", file=sys.stderr, flush=True)
    mode = "--quick" if quick else "full"
    print(f"# Reliability and security: figures ({mode}, {time.monotonic() - started:.0f} s)\n")
    print(report.markdown())
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
    sys.exit(0)
