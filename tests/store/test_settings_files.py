"""Settings files and files Commander is given are read within bounds: a hostile or broken
file is refused with its name and the problem, never a traceback or an endless read."""

from __future__ import annotations

from pathlib import Path

import pytest

from commander_app.core.bundle import parse_bundle_text
from commander_app.core.errors import BundleError, ValidationError
from commander_app.store import cadence, environment, rollback_files

DEEP = 100_000


def test_a_cadence_policy_nested_too_deeply_is_named(tmp_path: Path) -> None:
    policy = tmp_path / "cadence.json"
    policy.write_text("[" * DEEP + "]" * DEEP)
    with pytest.raises(ValidationError, match=f"The cadence policy {policy} is nested too deep"):
        cadence.load_policy(policy)


def test_a_cadence_policy_with_a_huge_number_is_named(tmp_path: Path) -> None:
    policy = tmp_path / "cadence.json"
    policy.write_text('{"long_incident_after_minutes": ' + "9" * 5000 + "}")
    with pytest.raises(ValidationError, match="number too long to read"):
        cadence.load_policy(policy)


def test_a_settings_file_past_its_limit_is_not_read_whole(tmp_path: Path) -> None:
    policy = tmp_path / "cadence.json"
    policy.write_bytes(b" " * (environment.SETTINGS_FILE_LIMIT + 1))
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        cadence.load_policy(policy)


@pytest.mark.parametrize("text", ["a = " + "[" * DEEP + "]" * DEEP, "x = " + "9" * 5000])
def test_an_authority_matrix_that_cannot_be_read_is_named(tmp_path: Path, text: str) -> None:
    matrix = tmp_path / "authority.toml"
    matrix.write_text(text)
    with pytest.raises(ValidationError, match=str(matrix)):
        rollback_files.load_matrix(matrix)


def test_a_bundle_with_a_5000_digit_number_is_refused_as_a_bundle() -> None:
    text = '{"format": "commander-incident-bundle", "version": ' + "1" * 5000 + "}"
    with pytest.raises(BundleError, match="number too long to read"):
        parse_bundle_text(text)


def test_a_device_that_never_ends_is_read_only_up_to_the_limit() -> None:
    with pytest.raises(environment.FileTooLargeError, match="/dev/zero is larger than 4,096"):
        environment.read_text_bounded("/dev/zero", 4096)
