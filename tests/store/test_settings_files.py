"""Settings files and files Commander is given are read within bounds: a hostile or broken
file is refused with its name and the problem, never a traceback or an endless read."""

from __future__ import annotations

from pathlib import Path

import pytest

from commander_app.core.bundle import parse_bundle_text
from commander_app.core.errors import BundleError
from commander_app.store import environment, playbook, playbook_migration

DEEP = 100_000


def test_a_playbook_nested_too_deeply_is_named() -> None:
    reading = playbook.read_text("a = " + "[" * DEEP + "]" * DEEP)
    assert reading.playbook is None
    assert "nested too deeply" in reading.problems[0].text


def test_a_playbook_with_a_huge_number_is_named() -> None:
    reading = playbook.read_text("x = " + "9" * 5000)
    assert reading.playbook is None
    assert "number too long to read" in reading.problems[0].text


def test_a_playbook_past_its_limit_is_not_read_whole() -> None:
    path = playbook.playbook_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b" " * (environment.SETTINGS_FILE_LIMIT + 1))
    found = playbook.in_force()
    assert found.source == "shipped"
    assert found.warning is not None
    assert "larger than 1 MB" in found.warning


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("cadence.json", "[" * DEEP + "]" * DEEP),
        ("cadence.json", '{"long_after_minutes": ' + "9" * 5000 + "}"),
        ("authority.toml", "a = " + "[" * DEEP + "]" * DEEP),
        ("authority.toml", "x = " + "9" * 5000),
    ],
)
def test_an_old_settings_file_that_cannot_be_read_is_named_and_kept(
    tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / name).write_text(text)
    done = playbook_migration.migrate(tmp_path, playbook.shipped_text(), playbook.shipped())
    assert done is not None
    assert done.unreadable
    assert name in done.unreadable[0]
    assert (done.backup / name).read_text() == text  # kept whole, beside the new playbook
    assert f"Not carried over: {name}" in (tmp_path / "playbook.toml").read_text()


def test_a_bundle_with_a_5000_digit_number_is_refused_as_a_bundle() -> None:
    text = '{"format": "commander-incident-bundle", "version": ' + "1" * 5000 + "}"
    with pytest.raises(BundleError, match="number too long to read"):
        parse_bundle_text(text)


def test_a_device_that_never_ends_is_read_only_up_to_the_limit() -> None:
    with pytest.raises(environment.FileTooLargeError, match="/dev/zero is larger than 4,096"):
        environment.read_text_bounded("/dev/zero", 4096)
