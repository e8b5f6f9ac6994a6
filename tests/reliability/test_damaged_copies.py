"""Copies of a sound log with a few bytes changed inside its pages, where quick_check does
not look: every read path tells the damage in the person's words with the newest good
backup, never a traceback; `commander check` finds it; and when check says the file is
sound, every read gives what the sound log gives."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.store.incident_log import IncidentLog
from tests.conftest import START, run_cli
from tests.support.bit_rot import (
    DAMAGED,
    EXIT_DAMAGE,
    KINDS,
    Outcome,
    SoundLog,
    backup_copy_of,
    classify,
    damage_copy,
    read_store,
    run_in_process,
    spoil_text,
    write_sound_log,
)

# Slow: many damaged copies of a log, each opened and read.
# CI runs them like every test; `-m 'not slow'` leaves them out of a quick run.
pytestmark = pytest.mark.slow

QUICK_SEEDS = range(4)  # per kind of damage
SLOW_SEEDS = range(4, 20)


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> SoundLog:
    return write_sound_log(tmp_path_factory.mktemp("sound") / "incidents.db", FixedClock(START))


@pytest.fixture(scope="module")
def sound_reads(sound: SoundLog) -> object:
    return _everything_read(sound.path, sound)


def _everything_read(path: Path, sound: SoundLog) -> object:
    with IncidentLog(path, device_id="laptop-dana", clock=FixedClock(START)) as log:
        return (
            log.incidents(include_resolved=True),
            [log.events(incident) for incident in sound.incident_ids],
        )


def _trial(
    sound: SoundLog, sound_reads: object, tmp_path: Path, kind: str, seed: int
) -> list[Outcome]:
    copy, damage = damage_copy(sound, tmp_path / f"{kind}-{seed}", kind, seed)
    outcomes = run_in_process(copy, sound) + read_store(copy, sound, FixedClock(START))
    crashes = [f"{o.what}: {o.detail}" for o in outcomes if o.crashed]
    assert not crashes, f"{damage.where}:\n" + "\n".join(crashes)
    (check,) = [o for o in outcomes if o.what == "check"]
    noticed = [o for o in outcomes if o.result != "ok"]
    if check.result == "ok":
        # Nothing found: then nothing may read differently from the sound log.
        assert not noticed, f"{damage.where}: check missed {noticed}"
        assert _everything_read(copy, sound) == sound_reads, damage.where
    else:
        # Damage told as such, or a problem check names (an entry whose text changed
        # but still decodes breaks its chain).
        assert check.result in ("damage", "refused"), f"{damage.where}: {check.detail}"
    return outcomes


@pytest.mark.parametrize("seed", QUICK_SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_copy_is_told_never_a_traceback(
    sound: SoundLog, sound_reads: object, tmp_path: Path, kind: str, seed: int
) -> None:
    _trial(sound, sound_reads, tmp_path, kind, seed)


@pytest.mark.parametrize("kind", KINDS)
def test_many_damaged_copies_are_told_never_a_traceback(
    sound: SoundLog, sound_reads: object, tmp_path: Path, kind: str
) -> None:
    for seed in SLOW_SEEDS:
        _trial(sound, sound_reads, tmp_path, kind, seed)


def test_damage_in_a_body_is_found_by_check_though_quick_check_passes(
    sound: SoundLog, tmp_path: Path
) -> None:
    """The issue's case: quick_check says ok, `show` and `export` met 'Could not decode to
    UTF-8'. Now each says the log is damaged and names the backup; check names the entry."""
    copy, damage = damage_copy(sound, tmp_path / "copy", "utf8", 4)
    assert "events column 4" in damage.where  # the body of an entry
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    conn.close()
    outcomes = {o.what: o for o in run_in_process(copy, sound)}
    for what in ("show", "export json", "check"):
        assert outcomes[what].result == "damage", outcomes[what]
    check = outcomes["check"].detail
    assert "cannot be read: its body is not UTF-8 text" in check
    assert f"of incident {sound.incident_ids[0]}" in check
    assert f"The newest good backup is {backup_copy_of(copy, sound)}" in check


@pytest.mark.parametrize("kind", KINDS)
def test_the_real_program_tells_damage_in_one_line_with_the_backup(
    sound: SoundLog, tmp_path: Path, kind: str
) -> None:
    """A sample through the real program: the damage's exit code and message, the backup
    named, no traceback, for each reading command that meets the damage."""
    copy, damage = damage_copy(sound, tmp_path / "copy", kind, 1)
    backup = backup_copy_of(copy, sound)
    met = []
    for what, argv in (
        ("list", ["list", "--all"]),
        ("show", ["show", sound.incident_ids[0]]),
        ("export", ["export", sound.incident_ids[0], "--format", "json", "-o", "-"]),
        ("check", ["check"]),
    ):
        result = run_cli(*argv, db=copy)
        outcome = classify(what, result.returncode, result.stderr, backup)
        assert "Traceback" not in result.stderr, (damage.where, result.stderr)
        assert outcome.result in ("ok", "damage"), (damage.where, outcome)
        if outcome.result == "damage":
            assert result.returncode == EXIT_DAMAGE
            assert DAMAGED in result.stderr
            met.append(what)
    assert "check" in met, damage.where


def test_the_window_refuses_a_log_whose_first_screen_is_damaged(
    sound: SoundLog, tmp_path: Path
) -> None:
    """The window's open reads the first page of the incident on top: its opening entry's
    body there no UTF-8 (quick_check passes it) is the damage message, not a crash report."""
    copy, _damage = damage_copy(sound, tmp_path / "copy", "random", 0)
    shutil.copyfile(sound.path, copy)  # undo the random bytes: only the body is spoilt
    spoil_text(copy, '"title": "Payments failing at checkout after deploy 4811", "severity"')
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = run_cli("--smoke-test", db=copy, env={**os.environ, **env})
    assert "Traceback" not in result.stderr
    assert "unexpected error" not in result.stderr
    assert DAMAGED in result.stderr
    assert f"The newest good backup is {backup_copy_of(copy, sound)}" in result.stderr
    assert result.returncode != 0
