"""A large import in bounded transactions: other writers get in between the batches,
and the person still sees all of the import or none of it, even when it is stopped."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.bundle import ParsedBundle, parse_bundle_text
from commander_app.core.clock import FixedClock
from commander_app.core.model import Kind
from commander_app.core.times import to_iso
from commander_app.store import bundles, import_stage
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.health import check_log
from commander_app.store.incident_log import IncidentLog
from commander_app.store.search import search

NOTES = 120


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The thresholds of a 300,000-event import, scaled down to a bundle of 121 events."""
    monkeypatch.setattr(bundles, "LARGE_IMPORT", 30)
    monkeypatch.setattr(import_stage, "_STAGE_BATCH", 50)
    monkeypatch.setattr(import_stage, "_PUBLISH_BATCH", 20)


@pytest.fixture
def bundle(log: IncidentLog) -> ParsedBundle:
    incident = log.open_incident("Checkout latency", author="ada")
    for number in range(NOTES):
        kind = Kind.ACTION if number == 7 else Kind.NOTE
        log.log(incident.id, f"pool gauge reading {number}", kind=kind, author="ada")
    return parse_bundle_text(json.dumps(export_bundle(log, incident.id)))


@pytest.fixture
def target(tmp_path: Path, clock: FixedClock) -> Iterator[IncidentLog]:
    with IncidentLog(tmp_path / "laptop2.db", device_id="laptop2", clock=clock) as opened:
        yield opened


def _other_writer(path: Path) -> sqlite3.Connection:
    """A second program on the same log that will not wait at all for the lock."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 0")
    return conn


def _pending(log: IncidentLog) -> tuple[int, int]:
    return (
        log.conn.execute("SELECT count(*) FROM pending_imports").fetchone()[0],
        log.conn.execute("SELECT count(*) FROM import_stage").fetchone()[0],
    )


@pytest.mark.usefixtures("small_batches")
def test_a_large_import_lets_another_writer_in_and_shows_nothing_until_it_is_done(
    log: IncidentLog, target: IncidentLog, bundle: ParsedBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = _other_writer(target.path)
    seen: list[tuple[bool, int]] = []

    def pause() -> None:
        # Between two batches: a writer that does not wait gets the lock at once, and
        # nothing of the import is shown yet: no incident, no search hit.
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("COMMIT")
        shown = any(i.id == bundle.incident_id for i in target.incidents(include_resolved=True))
        seen.append((shown, len(search(target.conn, "gauge", limit=500))))

    monkeypatch.setattr(import_stage, "_let_others_in", pause)
    result = import_bundle(target, bundle)

    # 121 events: 3 staging batches of 50 (2 pauses), 7 publishing batches of 20.
    assert len(seen) == 2 + 7
    assert set(seen) == {(False, 0)}
    assert (result.added, result.already_present, result.title) == (121, 0, "Checkout latency")
    assert target.events(bundle.incident_id) == log.events(bundle.incident_id)
    assert target.incident(bundle.incident_id) == log.incident(bundle.incident_id)
    assert target.chain_links(bundle.incident_id) == log.chain_links(bundle.incident_id)
    assert len(search(target.conn, "gauge", limit=500)) == NOTES
    follow_ups = target.conn.execute("SELECT count(*) FROM follow_ups").fetchone()[0]
    assert follow_ups == 1
    assert _pending(target) == (0, 0)
    assert check_log(target) == []
    again = import_bundle(target, bundle)
    assert (again.added, again.already_present) == (0, 121)


def test_a_small_import_is_one_transaction(
    target: IncidentLog, bundle: ParsedBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_stage, "_let_others_in", pytest.fail)
    assert import_bundle(target, bundle).added == NOTES + 1
    assert _pending(target) == (0, 0)


def _stop_after(calls: int) -> Callable[[], None]:
    """A pause that stops the import at its `calls`-th pause, as a kill would."""
    count = 0

    def pause() -> None:
        nonlocal count
        count += 1
        if count == calls:
            raise KeyboardInterrupt

    return pause


@pytest.mark.usefixtures("small_batches")
def test_an_import_stopped_while_staging_is_thrown_away_by_the_next_open(
    target: IncidentLog, bundle: ParsedBundle, monkeypatch: pytest.MonkeyPatch, clock: FixedClock
) -> None:
    monkeypatch.setattr(import_stage, "_let_others_in", _stop_after(2))
    with pytest.raises(KeyboardInterrupt):
        import_bundle(target, bundle)
    assert _pending(target) == (1, 100)
    assert target.conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    target.close()

    with IncidentLog(target.path, device_id="laptop2", clock=clock) as reopened:
        assert [f.describe() for f in reopened.finished_imports] == [
            f"An import of 121 events into incident {bundle.incident_id} was interrupted "
            "before any of it was shown; nothing of it was kept. Import the bundle again."
        ]
        assert _pending(reopened) == (0, 0)
        assert reopened.conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0
        monkeypatch.setattr(import_stage, "_let_others_in", lambda: None)
        assert import_bundle(reopened, bundle).added == 121
        assert check_log(reopened) == []


@pytest.mark.usefixtures("small_batches")
def test_an_import_stopped_while_publishing_is_finished_by_the_next_open(
    log: IncidentLog,
    target: IncidentLog,
    bundle: ParsedBundle,
    monkeypatch: pytest.MonkeyPatch,
    clock: FixedClock,
) -> None:
    # Pauses 1–2 are between staging batches; 3 comes after the first 20 are published.
    monkeypatch.setattr(import_stage, "_let_others_in", _stop_after(4))
    with pytest.raises(KeyboardInterrupt):
        import_bundle(target, bundle)
    assert _pending(target) == (1, 121 - 40)
    assert target.incidents(include_resolved=True) == []  # nothing is shown half-way
    target.close()

    monkeypatch.setattr(import_stage, "_let_others_in", lambda: None)
    with IncidentLog(target.path, device_id="laptop2", clock=clock) as reopened:
        assert [f.published for f in reopened.finished_imports] == [True]
        assert "has now been finished" in reopened.finished_imports[0].describe()
        assert reopened.events(bundle.incident_id) == log.events(bundle.incident_id)
        assert reopened.incident(bundle.incident_id) == log.incident(bundle.incident_id)
        assert _pending(reopened) == (0, 0)
        assert check_log(reopened) == []


def _stalled_row(log: IncidentLog, pid: int, minutes_ago: int, clock: FixedClock) -> None:
    touched = to_iso(clock.now() - timedelta(minutes=minutes_ago))
    log.conn.execute(
        "INSERT INTO pending_imports VALUES ('01J', 'inc', 5000, 'staging', ?, ?, ?)",
        [pid, touched, touched],
    )


def test_an_import_another_commander_is_running_is_left_alone(
    target: IncidentLog, clock: FixedClock
) -> None:
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _stalled_row(target, running.pid, 1, clock)
        with IncidentLog(target.path, device_id="laptop2", clock=clock) as second:
            assert second.finished_imports == []
            assert _pending(second) == (1, 0)
        clock.advance(timedelta(minutes=10))  # that process has not moved for 11 minutes
        with IncidentLog(target.path, device_id="laptop2", clock=clock) as third:
            assert [f.published for f in third.finished_imports] == [False]
            assert _pending(third) == (0, 0)
    finally:
        running.kill()
        running.wait()
