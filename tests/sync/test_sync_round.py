"""Push and pull between two laptops' logs through a real PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.store import team_pull, team_state
from commander_app.store.incident_log import IncidentLog
from commander_app.team.connection import TeamConnection
from commander_app.team.sync import Round, pull_all, push_all, run_round
from tests.conftest import START
from tests.sync.conftest import TeamDatabase


def _laptop(tmp_path: Path, name: str) -> IncidentLog:
    return IncidentLog(tmp_path / f"{name}.db", device_id=name, clock=FixedClock(START))


@pytest.fixture
def laptops(tmp_path: Path) -> Iterator[tuple[IncidentLog, IncidentLog]]:
    """Laptops A and B, each with its own log file, closed at the end."""
    a, b = _laptop(tmp_path, "laptop-a"), _laptop(tmp_path, "laptop-b")
    yield a, b
    a.close()
    b.close()


def _ids(log: IncidentLog, incident_id: str) -> set[str]:
    return {e.id for e in log.events(incident_id)}


def test_a_shared_incident_reaches_the_other_laptop_and_its_answers_come_back(
    laptops: tuple[IncidentLog, IncidentLog], team_db: TeamDatabase
) -> None:
    a, b = laptops
    opened = a.open_incident("Checkout 500s", commander="alice", author="alice")
    a.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    a.log(opened.id, "errors since the deploy", author="alice")
    team_state.share(a, opened.id)
    with team_db.connect("laptop-a", "laptop-b") as (team_a, team_b):
        first = run_round(a, team_a)
        assert (first.pushed, first.pulled) == (2, 0)
        got = run_round(b, team_b)
        assert got.pulled == 2
        assert got.incidents == {opened.id}
        assert b.incident(opened.id).title == "Checkout 500s"
        b.log(opened.id, "rolled back the deploy", author="bob")
        assert run_round(b, team_b).pushed == 1  # only its own entry goes back
        assert run_round(a, team_a).pulled == 1
    assert _ids(a, opened.id) == _ids(b, opened.id)
    assert a.incident(opened.id) == b.incident(opened.id)


def test_a_private_incident_stays_on_its_laptop(
    laptops: tuple[IncidentLog, IncidentLog], team_db: TeamDatabase
) -> None:
    a, b = laptops
    private = a.open_incident("Private", author="alice")
    shared = a.open_incident("Shared", author="alice")
    team_state.share(a, shared.id)
    with team_db.connect("laptop-a", "laptop-b") as (team_a, team_b):
        run_round(a, team_a)
        run_round(b, team_b)
    assert [i.id for i in b.incidents()] == [shared.id]
    assert private.id not in {i.id for i in b.incidents()}


def test_small_batches_read_every_row_in_order(
    laptops: tuple[IncidentLog, IncidentLog], team_db: TeamDatabase
) -> None:
    """Past position 9 too: the cursor compares numbers, not their text ("10" < "8")."""
    a, b = laptops
    opened = a.open_incident("Queue backlog", author="alice")
    team_state.share(a, opened.id)
    for n in range(20):
        a.log(opened.id, f"depth {n}", author="alice")
    with team_db.connect("laptop-a", "laptop-b") as (team_a, team_b):
        push_all(a, team_a, Round(), limit=5)
        got = Round()
        backlog: list[int] = []
        pull_all(b, team_b, got, limit=3, on_backlog=backlog.append)
    assert (got.pulled, got.refused) == (21, 0)
    assert backlog == [21]  # told once, at the start: "catching up 21 events"
    assert _ids(a, opened.id) == _ids(b, opened.id)


def test_an_event_that_comes_before_the_one_it_follows_waits_for_it(
    tmp_path: Path, team_db: TeamDatabase
) -> None:
    """Two laptops may push one chain in two transactions, the later part first."""
    a, c = _laptop(tmp_path, "laptop-a"), _laptop(tmp_path, "laptop-c")
    opened = a.open_incident("DNS", author="alice")
    team_state.share(a, opened.id)
    with team_db.connect("laptop-a", "laptop-b", "laptop-c") as (team_a, team_b, team_c):
        run_round(a, team_a)
        run_round(c, team_c)
        first = a.log(opened.id, "resolver timeouts", author="alice")
        second = a.log(opened.id, "switched resolvers", author="alice")
        rows = team_state.pending_push(a, 10)
        assert rows is not None
        by_id = {r[0]: r for r in rows.rows}
        team_b.push([by_id[second.id]])  # B got A's bundle and pushed its newest entry
        early = Round()
        pull_all(c, team_c, early)
        assert (early.pulled, early.refused) == (0, 0)
        assert team_pull.held_count(c) == 1
        team_a.push([by_id[first.id]])
        late = Round()
        pull_all(c, team_c, late)
    assert (late.pulled, late.refused) == (2, 0)
    assert team_pull.held_count(c) == 0
    assert {first.id, second.id} <= _ids(c, opened.id)


def test_a_batch_the_server_has_in_part_goes_again_without_doubling(
    tmp_path: Path, team_db: TeamDatabase
) -> None:
    """A push that died after the server committed: the same events are sent again."""
    a = _laptop(tmp_path, "laptop-a")
    opened = a.open_incident("Cache stampede", author="alice")
    team_state.share(a, opened.id)
    first = team_state.pending_push(a, 100)
    assert first is not None
    a.log(opened.id, "hit ratio 3%", author="alice")
    both = team_state.pending_push(a, 100)
    assert both is not None
    with TeamConnection.open(team_db.conninfo(), "laptop-a") as team:
        assert team.push(first.rows) == 1  # committed; the laptop died before noting it
        assert team.push(both.rows) == 1  # the opening is skipped, the entry added
        assert team.push(both.rows) == 0
        row = team.conn.execute("SELECT count(*), count(DISTINCT id) FROM commander.events")
        assert row.fetchone() == (2, 2)


def test_an_incident_kept_local_then_shared_again_catches_up_on_what_it_missed(
    laptops: tuple[IncidentLog, IncidentLog], team_db: TeamDatabase
) -> None:
    a, b = laptops
    opened = a.open_incident("Login failures", author="alice")
    team_state.share(a, opened.id)
    with team_db.connect("laptop-a", "laptop-b") as (team_a, team_b):
        run_round(a, team_a)
        run_round(b, team_b)
        assert team_state.unshare(b, opened.id)
        missed = a.log(opened.id, "SSO certificate expired", author="alice")
        b.log(opened.id, "only on B", author="bob")
        run_round(a, team_a)
        kept = run_round(b, team_b)
        assert (kept.pushed, kept.pulled) == (0, 0)  # nothing in, nothing out
        assert team_state.share(b, opened.id)
        back = run_round(b, team_b)
        assert back.pulled == 1  # what it missed while the incident was kept local
        assert back.pushed == 1  # and its own entry from then goes to the team
        assert run_round(a, team_a).pulled == 1
    assert missed.id in _ids(b, opened.id)
    assert _ids(a, opened.id) == _ids(b, opened.id)


def test_entries_a_laptop_had_from_an_import_go_to_the_team_when_the_incident_arrives(
    laptops: tuple[IncidentLog, IncidentLog], team_db: TeamDatabase
) -> None:
    """B imported A's bundle and wrote in it before A shared the incident."""
    from commander_app.core.bundle import parse_bundle
    from commander_app.store.bundles import export_bundle, import_bundle

    a, b = laptops
    opened = a.open_incident("Search is slow", author="alice")
    import_bundle(b, parse_bundle(export_bundle(a, opened.id)))
    b.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    before = b.log(opened.id, "index rebuild at 03:10 (from B before sharing)", author="bob")
    team_state.share(a, opened.id)
    with team_db.connect("laptop-a", "laptop-b") as (team_a, team_b):
        run_round(a, team_a)
        b.log(opened.id, "a later entry", author="bob")  # B pushes from here on
        run_round(b, team_b)  # the incident arrives: B shares it
        run_round(b, team_b)
        run_round(a, team_a)
    assert before.id in _ids(a, opened.id)
    assert _ids(a, opened.id) == _ids(b, opened.id)


def test_a_team_database_restored_from_a_backup_gets_everything_again(
    laptops: tuple[IncidentLog, IncidentLog], team_db: TeamDatabase
) -> None:
    """The server lost what it had taken (last night's backup restored): the laptop sees
    its newest pushed event is gone and pushes everything again."""
    import psycopg

    from tests.support import pg_cluster

    a, b = laptops
    opened = a.open_incident("Billing run failed", author="alice")
    team_state.share(a, opened.id)
    a.log(opened.id, "job exited 137", author="alice")
    with TeamConnection.open(team_db.conninfo(), "laptop-a") as team_a:
        assert run_round(a, team_a).pushed == 2
    with psycopg.connect(team_db.conninfo(pg_cluster.OWNER), autocommit=True) as owner:
        owner.execute("DELETE FROM commander.events")  # the restore
    a.log(opened.id, "re-ran with more memory", author="alice")
    with team_db.connect("laptop-a", "laptop-b") as (team_a, team_b):
        assert run_round(a, team_a).pushed == 3
        assert run_round(b, team_b).pulled == 3
    assert _ids(a, opened.id) == _ids(b, opened.id)


def test_an_event_the_log_would_not_take_is_refused_with_its_reason_and_the_rest_goes_on(
    laptops: tuple[IncidentLog, IncidentLog], team_db: TeamDatabase
) -> None:
    a, b = laptops
    opened = a.open_incident("Queue stuck", author="alice")
    team_state.share(a, opened.id)
    good = a.log(opened.id, "consumer lag 2 h", author="alice")
    with team_db.connect("laptop-a", "laptop-b", "laptop-x") as (team_a, team_b, team_x):
        run_round(a, team_a)
        bad = (
            "01M8H79EM8DH9TNYDHM4GH31MJ", opened.id, "k" * 5_000, "{}", "mallory",
            "laptop-x", "2026-11-28T14:00:05.000000Z", "2026-11-28T14:00:05.000000Z",
            None, None, None,
        )  # fmt: skip
        team_x.push([bad])
        got = run_round(b, team_b)
    assert (got.pulled, got.refused) == (2, 1)
    ((event_id, incident_id, device, reason, _when),) = team_state.refused(b)
    assert (event_id, incident_id, device) == (bad[0], opened.id, "laptop-x")
    assert len(reason) <= 300
    assert good.id in _ids(b, opened.id)
