from datetime import UTC, datetime
from pathlib import Path

import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.events import clean_device_id
from commander_app.store import environment
from commander_app.store.incident_log import IncidentLog


def test_device_id_is_made_once_and_kept(isolated_environment: Path) -> None:
    first = environment.device_id()
    assert first.startswith("device-")
    assert environment.device_id() == first
    stored = isolated_environment / "config" / "commander" / "device-id"
    assert stored.read_text().strip() == first


def test_default_db_path_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch, isolated_environment: Path
) -> None:
    assert environment.default_db_path() == (
        isolated_environment / "data" / "commander" / "incidents.db"
    )
    monkeypatch.setenv("COMMANDER_DB", "~/elsewhere.db")
    assert environment.default_db_path() == isolated_environment / "elsewhere.db"


def test_local_zone_follows_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    winter = datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert winter.astimezone(environment.local_zone()).hour == 7
    monkeypatch.setenv("TZ", "Not/AZone")
    assert environment.local_zone() is not None


def test_author_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert environment.default_author() == "tester"
    monkeypatch.delenv("COMMANDER_AUTHOR")
    assert environment.default_author()


def test_write_atomically_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.txt"
    environment.write_atomically(target, "one")
    environment.write_atomically(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_write_atomically_writes_through_a_fifo(tmp_path: Path) -> None:
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text("utf-8")))
    reader.start()  # opening a FIFO for reading waits for the writer: no sleep needed
    environment.write_atomically(fifo, "exported\n")
    reader.join(timeout=30)
    assert received == ["exported\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the pipe, not a new regular file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_write_atomically_through_a_symlink_replaces_its_target_and_keeps_the_link(
    tmp_path: Path,
) -> None:
    target = tmp_path / "real" / "report.md"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "latest.md"
    link.symlink_to(target)
    environment.write_atomically(link, "new\n")
    assert link.is_symlink()
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.md"]


def test_write_atomically_through_a_symlink_to_a_fifo(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "stdout-like"
    link.symlink_to(fifo)  # what /dev/stdout is when the output is piped
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text("utf-8")))
    reader.start()
    environment.write_atomically(link, "bundle\n")
    reader.join(timeout=30)
    assert received == ["bundle\n"]
    assert link.is_symlink()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("d" * 157, "the limit is 100"),
        ("laptop\nsecond line", "single line"),
        (b"\xff\xfe", "not UTF-8"),
        ("x" * 10_000, "longer than 4,096 bytes"),
    ],
)
def test_a_bad_device_id_is_kept_aside_and_replaced_with_a_warning(
    isolated_environment: Path,
    caplog: pytest.LogCaptureFixture,
    content: str | bytes,
    problem: str,
) -> None:
    stored = isolated_environment / "config" / "commander" / "device-id"
    stored.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        stored.write_bytes(content)
    else:
        stored.write_text(content, encoding="utf-8")
    original = stored.read_bytes()

    made = environment.device_id()

    assert made.startswith("device-")
    assert clean_device_id(made) == made  # what a colleague's import accepts
    assert environment.device_id() == made  # and it is the laptop's id from now on
    assert (stored.parent / "device-id.bad").read_bytes() == original  # nothing lost
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert problem in warning.getMessage()
    assert "device-id.bad" in warning.getMessage()
    assert made in warning.getMessage()


def test_a_second_bad_device_id_does_not_overwrite_the_first_one_kept(
    isolated_environment: Path,
) -> None:
    stored = isolated_environment / "config" / "commander" / "device-id"
    stored.parent.mkdir(parents=True)
    (stored.parent / "device-id.bad").write_text("first bad", encoding="utf-8")
    stored.write_text("d" * 157, encoding="utf-8")
    environment.device_id()
    assert (stored.parent / "device-id.bad").read_text(encoding="utf-8") == "first bad"
    assert (stored.parent / "device-id.bad.2").read_text(encoding="utf-8") == "d" * 157


def test_a_good_device_id_written_by_hand_is_kept(isolated_environment: Path) -> None:
    stored = isolated_environment / "config" / "commander" / "device-id"
    stored.parent.mkdir(parents=True)
    stored.write_text("  ada-laptop \n", encoding="utf-8")
    assert environment.device_id() == "ada-laptop"
    assert not (stored.parent / "device-id.bad").exists()


def test_a_log_refuses_a_device_id_that_no_colleague_could_import(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="device id"):
        IncidentLog(tmp_path / "log.db", device_id="d" * 157)
    assert not (tmp_path / "log.db").exists()
