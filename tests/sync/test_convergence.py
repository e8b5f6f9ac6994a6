"""Several laptops writing to one incident at once converge: same events, same state."""

from __future__ import annotations

from pathlib import Path

import pytest

from commander_app.store.incident_log import IncidentLog
from tests.sync.conftest import TeamDatabase
from tests.sync.laptops import Laptop, laptops, wait_until

ENTRIES = 1_000


def _open_shared(first: Laptop, others: list[Laptop]) -> str:
    incident_id = first.cli("new", "Checkout 500s", "--share", "--severity", "SEV1").strip()
    first.cli("team", "sync", "--once")
    for laptop in others:
        assert "received 1" in laptop.cli("team", "sync", "--once")
    return incident_id


def _state(laptop: Laptop, incident_id: str) -> object:
    with IncidentLog(laptop.db, device_id="reader") as log:
        return log.incident(incident_id)


def _converged(team: list[Laptop], incident_id: str, total: int) -> None:
    try:
        wait_until(
            lambda: all(laptop.count(incident_id) == total for laptop in team),
            timeout=120,
            what=f"every laptop has the {total:,} events",
        )
    except AssertionError as late:
        counts = {laptop.name: laptop.count(incident_id) for laptop in team}
        said = {laptop.name: laptop.stop_all() for laptop in team}
        raise AssertionError(f"{late}: {counts}; the syncs said {said}") from None
    for laptop in team:
        laptop.stop_all()
    ids = [laptop.event_ids(incident_id) for laptop in team]
    assert all(i == ids[0] for i in ids)
    assert len(ids[0]) == total
    states = [_state(laptop, incident_id) for laptop in team]
    assert all(s == states[0] for s in states)
    for laptop in team:
        assert "ok" in laptop.cli("check").lower()


@pytest.mark.parametrize("count", [2, 3])
def test_laptops_writing_at_once_converge(
    tmp_path: Path, team_db: TeamDatabase, count: int
) -> None:
    names = [f"laptop-{n}" for n in "abc"[:count]]
    with laptops(tmp_path, team_db, names) as team:
        incident_id = _open_shared(team[0], team[1:])
        for laptop in team:
            laptop.start_sync()
        writers = [laptop.start_writer(incident_id, ENTRIES) for laptop in team]
        for writer in writers:
            assert writer.wait(timeout=300) == 0
        _converged(team, incident_id, 1 + count * ENTRIES)


def test_a_partition_loses_and_doubles_nothing(tmp_path: Path, team_db: TeamDatabase) -> None:
    """The server stops while both laptops keep writing; after it returns all catch up."""
    with laptops(tmp_path, team_db, ["laptop-a", "laptop-b"]) as team:
        incident_id = _open_shared(team[0], team[1:])
        syncs = [laptop.start_sync() for laptop in team]
        first = [laptop.start_writer(incident_id, 200) for laptop in team]
        for writer in first:
            assert writer.wait(timeout=120) == 0
        team_db.cluster.stop("immediate")
        try:
            apart = [laptop.start_writer(incident_id, 300) for laptop in team]
            for writer in apart:
                assert writer.wait(timeout=120) == 0  # each laptop works on alone
            assert all(laptop.count(incident_id) < 1 + 1_000 for laptop in team)
        finally:
            team_db.cluster.start()
        _converged(team, incident_id, 1 + 2 * 500)
        said = ["".join(laptop.said) for laptop in team]
    assert syncs
    assert all("Team: offline since" in text for text in said), said


def test_a_sync_killed_mid_batch_loses_and_doubles_nothing(
    tmp_path: Path, team_db: TeamDatabase
) -> None:
    import psycopg

    backlog = 30_000
    with laptops(tmp_path, team_db, ["laptop-a", "laptop-b"]) as team:
        a, b = team
        incident_id = _open_shared(a, [b])
        assert a.start_writer(incident_id, backlog, batch=5_000).wait(timeout=300) == 0
        with psycopg.connect(team_db.conninfo(), autocommit=True) as server:

            def on_server() -> int:
                row = server.execute("SELECT count(*) FROM commander.events").fetchone()
                return int(row[0]) if row else 0

            sync = a.start_sync()
            wait_until(lambda: on_server() > 1, timeout=60, what="the push has begun")
            sync.kill()  # SIGKILL, somewhere in the middle of the push
            sync.communicate()
            a.processes.remove(sync)
            assert on_server() < 1 + backlog
            a.start_sync()
            b.start_sync()
            _converged(team, incident_id, 1 + backlog)
            assert on_server() == 1 + backlog
