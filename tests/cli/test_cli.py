"""The real `commander` program, run as a subprocess, as a user in a terminal would."""

import json
from pathlib import Path

import pytest

from tests.conftest import fails, ok, run_cli


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "log.db"


def test_a_whole_incident_from_the_terminal(db: Path) -> None:
    incident_id = ok(
        "new", "Checkout 500s", "--severity", "sev1", "--commander", "alice", db=db
    ).strip()
    assert len(incident_id) == 26
    event_id = ok(
        "log", "pool exhausted?", "--kind", "hypothesis", "--author", "bob", db=db
    ).strip()
    assert len(event_id) == 26
    assert event_id != incident_id
    ok("milestone", "impact_started", "--at", "2026-11-28T09:00Z", db=db)
    ok("milestone", "detected", "--at", "2026-11-28T09:12Z", db=db)
    assert ok("status", "identified", db=db).strip() == "Checkout 500s: identified"
    ok("severity", "SEV2", db=db)
    ok("role", "communicator", "Bea", db=db)
    shown = json.loads(ok("show", "--json", db=db))
    assert shown["incident"]["status"] == "identified"
    assert shown["incident"]["severity"] == "SEV2"
    assert shown["incident"]["communicator"] == "Bea"
    assert shown["metrics"]["time_to_detect_seconds"] == 12 * 60
    assert shown["metrics"]["time_to_resolve_seconds"] is None
    kinds = [e["kind"] for e in shown["events"]]
    assert kinds.count("milestone") == 2
    assert "hypothesis" in kinds
    hypothesis = next(e for e in shown["events"] if e["kind"] == "hypothesis")
    assert hypothesis["author"] == "bob"
    assert hypothesis["id"] == event_id
    text = ok("show", incident_id[:10], db=db)
    assert "Checkout 500s" in text
    assert "time to detect: 12m 00s" in text
    assert "hypothesis  bob: H1 pool exhausted?" in text


def test_list_shows_open_incidents_and_all_with_resolved(db: Path) -> None:
    first = ok("new", "Old outage", db=db).strip()
    ok("status", "resolved", "--incident", first, db=db)
    second = ok("new", "Drill: DNS", "--drill", db=db).strip()
    listed = ok("list", db=db)
    assert second in listed
    assert "[DRILL]" in listed
    assert first not in listed
    everything = json.loads(ok("list", "--all", "--json", db=db))
    assert [i["id"] for i in everything] == [second, first]


def test_log_defaults_to_the_most_recently_active_open_incident(db: Path) -> None:
    one = ok("new", "one", db=db).strip()
    two = ok("new", "two", db=db).strip()
    ok("log", "to one", "--incident", one, db=db)
    ok("log", "where does this go", db=db)
    events = json.loads(ok("show", one, "--json", db=db))["events"]
    assert [e["body"].get("text") for e in events][-1] == "where does this go"
    assert len(json.loads(ok("show", two, "--json", db=db))["events"]) == 1


def test_search_and_export_and_import(db: Path, tmp_path: Path) -> None:
    incident = ok("new", "Kafka consumer lag", db=db).strip()
    ok("log", "Partition 7 rebalancing every minute", db=db)
    assert "[Partition]" in ok("search", "partition", db=db)
    assert "title" in ok("search", "kafka", db=db)
    assert ok("search", "nothing-like-this", db=db).strip() == "No matches."
    bundle = tmp_path / "bundle.json"
    ok("export", "--format", "json", "-o", str(bundle), db=db)
    markdown = ok("export", incident, "--format", "md", db=db)
    assert markdown.startswith("# Kafka consumer lag")
    other = tmp_path / "other.db"
    assert "2 new events, 0 already present" in ok("import", str(bundle), db=other)
    assert "0 new events, 2 already present" in ok("import", str(bundle), db=other)
    assert (
        json.loads(ok("show", incident, "--json", db=other))["events"]
        == json.loads(ok("show", incident, "--json", db=db))["events"]
    )


def test_backup_and_check(db: Path, tmp_path: Path) -> None:
    ok("new", "x", db=db)
    target = tmp_path / "copy.db"
    assert ok("backup", "--to", str(target), db=db).strip() == str(target)
    assert target.exists()
    rotated = Path(ok("backup", db=db).strip())
    assert rotated.parent == db.parent / "backups"
    assert ok("check", db=db).strip().endswith(": ok")
    assert ok("check", db=target).strip().endswith(": ok")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log", "no incident yet"], "no open incident"),
        (["new", ""], "title is empty"),
        (["new", "x", "--severity", "SEV9"], "Unknown severity 'SEV9'"),
        (["log", "x", "--kind", "status"], "use `commander status`"),
        (["show", "ZZZZZZZZ"], "no incident 'ZZZZZZZZ'"),
        (["import", "/nonexistent/bundle.json"], "There is no file"),
        (["search", "***"], "at least one word"),
    ],
)
def test_user_errors_are_one_plain_line(db: Path, args: list[str], message: str) -> None:
    assert message.lower() in fails(*args, db=db).lower()


def test_bad_times_and_usage_errors(db: Path) -> None:
    ok("new", "x", db=db)
    assert "HH:MM" in fails("log", "x", "--at", "half past", db=db)
    assert "in the future" in fails("milestone", "detected", "--at", "2099-01-01T00:00Z", db=db)
    assert "see `commander --help`" in fails("frobnicate", db=db, code=2)


def test_a_corrupt_bundle_is_rejected_and_writes_nothing(db: Path, tmp_path: Path) -> None:
    ok("new", "x", db=db)
    bundle = tmp_path / "b.json"
    ok("export", "--format", "json", "-o", str(bundle), db=db)
    text = bundle.read_text()
    bundle.write_text(text[: len(text) // 2])
    other = tmp_path / "other.db"
    assert "may be truncated" in fails("import", str(bundle), db=other)
    assert ok("list", "--all", db=other).strip() == "No incidents yet."
    bundle.write_bytes(b"\xff\xfe\x00garbage")
    assert "not a Commander bundle" in fails("import", str(bundle), db=other)


def test_damaged_database_is_reported_plainly(db: Path) -> None:
    ok("new", "x", db=db)
    (db.parent / "log.db-wal").unlink(missing_ok=True)
    db.write_bytes(b"garbage" * 1000)
    message = fails("list", db=db)
    assert "is damaged" in message
    assert "newest good backup" in message


def test_commander_db_environment_variable_chooses_the_file(tmp_path: Path) -> None:
    chosen = tmp_path / "from-env.db"
    result = run_cli("new", "via env", env={"COMMANDER_DB": str(chosen)})
    assert result.returncode == 0, result.stderr
    assert chosen.exists()


def test_default_database_lives_in_the_user_data_dir(isolated_environment: Path) -> None:
    result = run_cli("new", "default place")
    assert result.returncode == 0, result.stderr
    assert (isolated_environment / "data" / "commander" / "incidents.db").exists()


def test_a_failing_backup_is_a_warning_not_a_failure(db: Path) -> None:
    ok("new", "x", db=db)
    backups = db.parent / "backups"
    for old in backups.iterdir():
        old.unlink()
    backups.rmdir()
    backups.write_text("not a folder")
    result = run_cli("log", "entry", db=db)
    assert result.returncode == 0
    assert result.stderr.startswith("commander: warning: The backup into")
    assert "Traceback" not in result.stderr
