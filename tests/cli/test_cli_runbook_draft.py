"""`commander runbook draft-update` through the real program: the diff to review, the
whole file with -o, --apply over the file it was drafted from, a file changed since
the diff refused with nothing lost, and a new runbook drafted from the log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_runbook_commands import GOOD
from tests.conftest import empty_log, ok, run_cli


def fails(*args: str, db: Path) -> str:
    """A refusal: exit 1, no traceback, its one line last (after the index's line)."""
    result = run_cli(*args, db=db)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()[-1]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return empty_log(tmp_path / "incidents.db")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "runbooks"
    made.mkdir()
    (made / "search-slow.md").write_bytes(GOOD.replace("\n", "\r\n").encode())
    return made


def _followed(db: Path, folder: Path, tmp_path: Path) -> list[str]:
    where = ["--folder", str(folder)]
    ok("new", "Search latency high", db=db)
    seen = tmp_path / "out.txt"
    seen.write_text('{"status":"red","nodes":2}\n', "utf-8")
    ok("runbook", "step", "search-slow", "1", "done", "--output-file", str(seen), *where, db=db)
    ok("runbook", "step", "search-slow", "2", "wrong", "--note", "netstat is gone: use ss",
       *where, db=db)  # fmt: skip
    return where


def test_the_diff_shows_the_flag_and_the_output_seen_and_changes_nothing(
    db: Path, folder: Path, tmp_path: Path
) -> None:
    where = _followed(db, folder, tmp_path)
    before = (folder / "search-slow.md").read_bytes()
    result = run_cli("runbook", "draft-update", "search-slow", *where, db=db)
    assert result.returncode == 0, result.stderr
    diff = result.stdout
    assert diff.startswith("--- a/search-slow.md\tsha256 ")
    assert "+> **Flagged in incident “Search latency high” (" in diff
    assert "):** netstat is gone: use ss\n" in diff
    assert '+{"status":"red","nodes":2}\n' in diff
    assert "step 2 flagged wrong: netstat is gone: use ss" in result.stderr
    assert (folder / "search-slow.md").read_bytes() == before
    whole = tmp_path / "proposed.md"
    ok("runbook", "draft-update", "search-slow", "-o", str(whole), *where, db=db)
    assert not [line for line in diff.splitlines()[2:] if line.startswith("-")]  # adds only
    assert b"use ss\r\n" in whole.read_bytes()  # in the file's own line ends
    piped = subprocess.run(
        [sys.executable, "-m", "commander_app", "--db", str(db), "runbook", "draft-update",
         "search-slow", "-o", "-", *where],
        capture_output=True, check=True,
    )  # fmt: skip
    assert piped.stdout == whole.read_bytes()


def test_apply_writes_the_draft_atomically_through_a_symlink(
    db: Path, folder: Path, tmp_path: Path
) -> None:
    where = _followed(db, folder, tmp_path)
    real = folder / "search-slow.md"
    real.chmod(0o644)
    proposed = tmp_path / "proposed.md"
    ok("runbook", "draft-update", "search-slow", "-o", str(proposed), *where, db=db)
    moved = tmp_path / "elsewhere.md"
    real.rename(moved)
    real.symlink_to(moved)
    printed = ok("runbook", "draft-update", "search-slow", "--apply", *where, db=db)
    assert printed.startswith(f"Updated {real}")
    assert real.is_symlink()
    assert moved.read_bytes() == proposed.read_bytes()
    assert os.stat(moved).st_mode & 0o777 == 0o644
    assert "flagged wrong, not fixed" in ok("runbook", "check", *where, db=db)  # still stands


def test_apply_refuses_a_file_changed_since_the_reviewed_diff(
    db: Path, folder: Path, tmp_path: Path
) -> None:
    where = _followed(db, folder, tmp_path)
    diff = ok("runbook", "draft-update", "search-slow", *where, db=db)
    base = diff.split("\n", 1)[0].rsplit(" ", 1)[1]
    path = folder / "search-slow.md"
    edited = path.read_bytes().replace(b"tail -n 50", b"tail -n 80")
    path.write_bytes(edited)  # someone else's edit, after the review
    message = fails("runbook", "draft-update", "search-slow", "--apply", "--base", base,
                    *where, db=db)  # fmt: skip
    assert "changed since the diff you reviewed was made" in message
    assert "nothing was written" in message
    assert path.read_bytes() == edited


def test_a_runbook_never_followed_and_the_shipped_examples_are_refused(db: Path) -> None:
    ok("new", "Pool exhausted", db=db)
    message = fails("runbook", "draft-update", "database-pool-exhausted", db=db)
    assert "No incident in this log followed a step of database-pool-exhausted" in message
    assert "name the runbook" in fails("runbook", "draft-update", db=db).lower()


def test_new_drafts_a_runbook_from_the_log_and_apply_writes_it_in_the_folder(
    db: Path, folder: Path
) -> None:
    where = ["--folder", str(folder)]
    ok("new", "Queue backlog", db=db)
    ok("log", "--kind", "finding", "the consumer is stuck: `kafka-consumer-groups --describe`",
       db=db)  # fmt: skip
    ok("log", "--kind", "action", "Restart the consumer", db=db)
    diff = ok("runbook", "draft-update", "--new", *where, db=db)
    assert diff.startswith("--- /dev/null\n+++ b/queue-backlog.md")
    assert "+## the consumer is stuck" in diff
    assert "+kafka-consumer-groups --describe" in diff
    ok("runbook", "draft-update", "--new", "--apply", *where, db=db)
    assert (folder / "queue-backlog.md").exists()
    assert "queue-backlog" in ok("runbook", "list", *where, db=db)
    message = fails("runbook", "draft-update", "--new", "--apply", *where, db=db)
    assert "changed on disk" in message  # an existing file is never overwritten by a new one


def test_status_resolved_names_the_command_that_drafts_the_update(
    db: Path, folder: Path, tmp_path: Path
) -> None:
    _followed(db, folder, tmp_path)
    result = run_cli("status", "resolved", db=db)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Search latency high: resolved\n"
    assert "update the runbook search-slow from what was run: `commander runbook " in (
        result.stderr
    )
    assert "draft-update search-slow --incident " in result.stderr
