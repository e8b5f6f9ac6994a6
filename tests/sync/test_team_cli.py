"""`commander team ...` as a user runs it, against a real PostgreSQL database."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from commander_app.store.incident_log import IncidentLog
from tests.conftest import empty_log, run_cli
from tests.support import pg_cluster
from tests.support.file_keyring import FileKeyring, file_keyring_env
from tests.sync.conftest import TeamDatabase


def _setup_args(team_db: TeamDatabase, user: str) -> list[str]:
    return [
        "team", "setup", "--host", "127.0.0.1", "--port", str(team_db.cluster.port),
        "--db", team_db.dbname, "--user", user, "--ca", str(team_db.cluster.ca_file),
        "--password-stdin",
    ]  # fmt: skip


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return file_keyring_env(tmp_path / "keyring.json")


def laptop(env: dict[str, str], folder: Path) -> dict[str, str]:
    """A laptop of its own: its own config folder, so its own device id."""
    (folder / "config").mkdir(parents=True, exist_ok=True)
    return {**env, "XDG_CONFIG_HOME": str(folder / "config")}


def _setup(db: Path, team_db: TeamDatabase, env: dict[str, str]) -> None:
    if not db.exists():
        empty_log(db)
    result = run_cli(
        *_setup_args(team_db, pg_cluster.MEMBER),
        db=db,
        stdin=pg_cluster.MEMBER_PASSWORD + "\n",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "reachable (TLS: verify-full)" in result.stdout


def test_two_laptops_share_an_incident_through_the_cli(
    tmp_path: Path, team_db: TeamDatabase, env: dict[str, str]
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    env_a, env_b = laptop(env, tmp_path / "a"), laptop(env, tmp_path / "b")
    _setup(a, team_db, env_a)
    _setup(b, team_db, env_b)
    secrets = FileKeyring.read(tmp_path / "keyring.json")["Commander"]
    assert secrets == {f"team:{pg_cluster.MEMBER}@127.0.0.1:{team_db.cluster.port}/"
                       f"{team_db.dbname}": pg_cluster.MEMBER_PASSWORD}  # fmt: skip
    assert (
        pg_cluster.MEMBER_PASSWORD
        not in IncidentLog(a, device_id="x")
        .conn.execute("SELECT group_concat(value) FROM team_state")
        .fetchone()[0]
    )

    opened = run_cli("new", "Checkout 500s", "--share", db=a, env=env_a)
    assert opened.returncode == 0, opened.stderr
    incident_id = opened.stdout.strip()
    assert run_cli("log", "errors since 14:02", db=a, env=env_a).returncode == 0
    private = run_cli("new", "Private notes", db=a, env=env_a).stdout.strip()

    sent = run_cli("team", "sync", "--once", db=a, env=env_a)
    assert sent.stdout.strip() == "Sent 2 entries, received 0.", sent.stderr
    got = run_cli("team", "sync", "--once", db=b, env=env_b)
    assert got.stdout.strip() == "Sent 0 entries, received 2.", got.stderr
    assert run_cli("log", "rolled back", "--incident", incident_id, db=b, env=env_b).returncode == 0
    assert run_cli("team", "sync", "--once", db=b, env=env_b).stdout.startswith("Sent 1 entry,")

    status = json.loads(run_cli("team", "status", "--json", db=a, env=env_a).stdout)
    assert status["reachable"] is True
    assert status["behind"] == 1  # B's entry, not pulled by A yet
    assert [s["incident"] for s in status["shared"]] == [incident_id]
    with IncidentLog(b, device_id="x") as log_b:
        assert private not in {i.id for i in log_b.incidents()}
        assert check_ok(b, env_b)


def check_ok(db: Path, env: dict[str, str]) -> bool:
    result = run_cli("check", db=db, env=env)
    return result.returncode == 0


def test_unshare_stops_sending(tmp_path: Path, team_db: TeamDatabase, env: dict[str, str]) -> None:
    a = tmp_path / "a.db"
    _setup(a, team_db, env)
    incident_id = run_cli("new", "Disk full", "--share", db=a, env=env).stdout.strip()
    assert run_cli("team", "sync", "--once", db=a, env=env).stdout.startswith("Sent 1 entry,")
    said = run_cli("team", "unshare", incident_id, db=a, env=env)
    assert "kept on this laptop from now on" in said.stdout
    run_cli("log", "only here", "--incident", incident_id, db=a, env=env)
    assert run_cli("team", "sync", "--once", db=a, env=env).stdout.startswith("Sent 0 ")
    shared_again = run_cli("team", "share", incident_id, db=a, env=env)
    assert shared_again.returncode == 0
    assert run_cli("team", "sync", "--once", db=a, env=env).stdout.startswith("Sent 1 entry,")


def test_commands_before_setup_say_what_to_do(tmp_path: Path, env: dict[str, str]) -> None:
    a = tmp_path / "a.db"
    IncidentLog(a, device_id="laptop-a").close()
    result = run_cli("team", "status", db=a, env=env)
    assert result.returncode == 1
    assert "No team database is set up on this laptop" in result.stderr
    opened = run_cli("new", "Outage", "--share", db=a, env=env)
    assert opened.returncode == 1
    assert "was opened but not shared" in opened.stderr
    with IncidentLog(a, device_id="x") as log:
        assert [i.title for i in log.incidents()] == ["Outage"]  # nothing typed was lost


def test_a_wrong_password_is_told_without_the_password(
    tmp_path: Path, team_db: TeamDatabase, env: dict[str, str]
) -> None:
    result = run_cli(
        *_setup_args(team_db, pg_cluster.MEMBER),
        db=empty_log(tmp_path / "a.db"),
        stdin="wrong-guess\n",
        env=env,
    )
    assert result.returncode == 1
    assert "cannot be reached" in result.stderr
    assert "password authentication failed" in result.stderr
    assert "wrong-guess" not in result.stderr
    assert not (tmp_path / "keyring.json").exists()  # nothing kept of a setup that failed


def test_a_newer_team_schema_is_refused(
    tmp_path: Path, team_db: TeamDatabase, env: dict[str, str]
) -> None:
    with psycopg.connect(team_db.conninfo(pg_cluster.OWNER), autocommit=True) as conn:
        conn.execute("INSERT INTO commander.schema_version (version, applied_by) VALUES (9, 'x')")
    result = run_cli(
        *_setup_args(team_db, pg_cluster.MEMBER),
        db=empty_log(tmp_path / "a.db"),
        stdin=pg_cluster.MEMBER_PASSWORD + "\n",
        env=env,
    )
    assert result.returncode == 1
    assert "set up by a newer Commander (team schema 9" in result.stderr


def test_the_owner_creates_the_schema_and_a_member_may_not_delete(
    tmp_path: Path, pg: pg_cluster.Cluster, env: dict[str, str]
) -> None:
    team_db = TeamDatabase(pg, pg.new_database())
    member_first = run_cli(
        *_setup_args(team_db, pg_cluster.MEMBER),
        db=empty_log(tmp_path / "m.db"),
        stdin=pg_cluster.MEMBER_PASSWORD + "\n",
        env=env,
    )
    assert member_first.returncode == 1
    assert "not set up for Commander yet" in member_first.stderr
    owner = run_cli(
        *_setup_args(team_db, pg_cluster.OWNER), "--create-schema", "--grant", pg_cluster.MEMBER,
        db=empty_log(tmp_path / "o.db"), stdin=pg_cluster.OWNER_PASSWORD + "\n", env=env,
    )  # fmt: skip
    assert owner.returncode == 0, owner.stderr
    assert "Created the team schema (version 1)" in owner.stdout
    _setup(tmp_path / "m.db", team_db, env)
    with psycopg.connect(team_db.conninfo(), autocommit=True) as member:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            member.execute("DELETE FROM commander.events")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            member.execute(
                "INSERT INTO commander.events (id, incident_id, kind, body, author, device_id, "
                "occurred_at, recorded_at, pushed_by, tx) "
                "VALUES ('x', 'i', 'note', '{}', 'a', 'd', 't', 't', 'd', '1')"
            )
