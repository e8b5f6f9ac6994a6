"""The real program meets a hostile environment: every fault is one plain line on
stderr, never a traceback; a bug is one line naming the log file with its details."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from commander_app import cli
from commander_app.store import fault_log
from tests.conftest import fails, ok, run_cli


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "log.db"


def test_a_file_where_the_logs_folder_should_be_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file, not a folder")
    result = run_cli("new", "x", env={"XDG_DATA_HOME": str(blocker)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{blocker} is a file, not a folder" in result.stderr
    assert f"There is no folder {blocker}" in fails("list", db=blocker / "x.db")


def test_closed_standard_output_keeps_the_entry_and_says_so(db: Path) -> None:
    command = [sys.executable, "-m", "commander_app", "--db", str(db), "new", "Checkout 500s"]
    result = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *command],
        capture_output=False,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "standard output is closed" in result.stderr
    assert "Checkout 500s" in ok("list", db=db)


def test_a_broken_pipe_keeps_the_entry_and_says_so(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # the reader went away: every write is a broken pipe
    stream = os.fdopen(writer, "w")
    monkeypatch.setattr(sys, "stdout", stream)
    try:
        assert cli.main(["--db", str(db), "new", "Checkout 500s"]) == 1
    finally:
        stream.close()
    assert "standard output is closed or its reader went away" in capsys.readouterr().err
    assert "Checkout 500s" in ok("list", db=db)


def test_an_update_text_from_a_device_that_never_ends_is_refused(db: Path) -> None:
    ok("new", "x", db=db)
    message = fails("sent", "internal", "--text-file", "/dev/zero", db=db)
    assert "/dev/zero is larger than 1 MB" in message


def test_a_bug_is_one_line_naming_the_log_file_with_its_traceback(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ok("new", "x", db=db)
    secret = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"

    def broken(*_args: object) -> int:
        raise TypeError(f"cannot post to {secret}")

    monkeypatch.setattr("commander_app.cli.log_commands.cmd_list", broken)
    assert cli.main(["--db", str(db), "list"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    path = fault_log.log_file_path()
    assert err == f"commander: unexpected error (TypeError); details in {path}\n"
    written = path.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in written
    assert "TypeError: cannot post to https://hooks.slack.com/[secret]" in written
    assert "XXXXSECRETXXXX" not in written
    assert "B000" not in written


def test_a_bug_starting_the_window_is_one_line_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("the window could not be built")

    monkeypatch.setattr("commander_app.ui.app.run_app", broken)
    assert cli.main(["--smoke-test"]) == cli.EXIT_BUG
    path = fault_log.log_file_path()
    assert capsys.readouterr().err == (
        f"commander: unexpected error (RuntimeError); details in {path}\n"
    )
    assert "RuntimeError: the window could not be built" in path.read_text(encoding="utf-8")
