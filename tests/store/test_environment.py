from datetime import UTC, datetime
from pathlib import Path

import pytest

from commander_app.store import environment


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
