"""The real `commander` program, run as a subprocess, as a user in a terminal would."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import empty_log, fails, ok, run_cli


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
    empty_log(db)
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
    db.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4096)
    message = fails("list", db=db)
    assert "is damaged" in message
    assert "newest good backup" in message


def test_a_file_that_is_no_log_is_never_to_be_overwritten(db: Path) -> None:
    ok("new", "x", db=db)
    (db.parent / "log.db-wal").unlink(missing_ok=True)
    db.write_bytes(b"garbage" * 1000)
    message = fails("list", db=db)
    assert "is not a Commander incident log" in message
    assert "copy the backup" not in message
    assert "open its newest good backup where it is: commander --db" in message


def test_a_folder_as_the_log_is_named_a_folder(tmp_path: Path) -> None:
    message = fails("new", "x", db=tmp_path)
    assert f"{tmp_path} is a folder, not an incident log" in message


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


def test_a_drill_started_later_does_not_capture_real_work(db: Path) -> None:
    real = ok("new", "ES heap", "--severity", "SEV2", db=db).strip()
    drill = ok("new", "Drill: DNS", "--drill", db=db).strip()
    written = run_cli("log", "ES heap at 95%", db=db)
    assert written.returncode == 0, written.stderr
    event_id = written.stdout.strip()
    assert len(event_id) == 26  # scripts reading the event id keep working
    assert f'wrote to "ES heap" ({real[:10]})' in written.stderr
    events = json.loads(ok("show", real, "--json", db=db))["events"]
    assert events[-1]["id"] == event_id
    assert len(json.loads(ok("show", drill, "--json", db=db))["events"]) == 1
    ok("status", "resolved", "--incident", real, db=db)
    into_drill = run_cli("finding", "only the drill is open", db=db)
    assert f'wrote to "Drill: DNS" [DRILL] ({drill[:10]})' in into_drill.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["hypothesis", "pool exhausted"],
        ["action", "page the DBA", "--owner", "bob"],
        ["decide", "wait for the DBA"],
        ["status", "identified"],
        ["severity", "SEV1"],
        ["milestone", "detected"],
        ["role", "communicator", "Bea"],
        ["sent", "internal", "--text", "we are on it"],
        ["snooze", "internal", "--minutes", "5", "--reason", "DBA on the call"],
    ],
)
def test_writing_commands_say_which_incident_they_wrote_to(db: Path, args: list[str]) -> None:
    incident = ok("new", "Checkout 500s", db=db).strip()
    written = run_cli(*args, db=db)
    assert written.returncode == 0, written.stderr
    assert f'commander: wrote to "Checkout 500s" ({incident[:10]})' in written.stderr
    assert "wrote to" not in written.stdout


def test_search_help_says_it_covers_every_incident() -> None:
    helped = run_cli("search", "--help")
    assert "default: every incident" in " ".join(helped.stdout.split())


def _midday_zone() -> tuple[dict[str, str], datetime]:
    """A zone where it is about noon now, so "30 minutes from now" is still today."""
    utc_now = datetime.now(UTC)
    offset = 12 - utc_now.hour  # -11 to +12 hours
    name = "Etc/GMT" + (f"{-offset:+d}" if offset else "")  # Etc/GMT-5 is UTC+5
    zone = ZoneInfo(name)
    return {"TZ": name}, utc_now.astimezone(zone)


def test_backfill_times_that_cannot_be_meant_are_refused_with_the_reading(db: Path) -> None:
    env, local_now = _midday_zone()
    ok("new", "Checkout 500s", db=db)
    ahead = (local_now + timedelta(minutes=30)).strftime("%H:%M")
    refused = run_cli("log", "pool exhausted", "--at", ahead, db=db, env=env)
    assert refused.returncode == 1
    yesterday = (local_now - timedelta(days=1)).strftime("%Y-%m-%d")
    assert re.search(  # the seconds of now make it 29 or 30 minutes
        rf"{ahead} is (29|30) min from now; for yesterday's {ahead} write {yesterday}T{ahead}\.",
        refused.stderr,
    )
    before = (local_now - timedelta(minutes=20)).strftime("%H:%M")
    refused = run_cli("log", "pool exhausted", "--at", before, db=db, env=env)
    assert refused.returncode == 1
    assert f"{before} is before this incident was opened" in refused.stderr
    assert len(json.loads(ok("show", "--json", db=db))["events"]) == 1  # nothing written
    # The impact started before anyone opened the incident: that is what the milestone says.
    started = run_cli("milestone", "impact_started", "--at", before, db=db, env=env)
    assert started.returncode == 0, started.stderr


def test_a_due_time_already_past_is_refused_with_the_reading(db: Path) -> None:
    env, local_now = _midday_zone()
    ok("new", "Checkout 500s", db=db)
    past = (local_now - timedelta(minutes=20)).strftime("%H:%M")
    refused = run_cli("action", "page the DBA", "--owner", "bob", "--due", past, db=db, env=env)
    assert refused.returncode == 1
    tomorrow = (local_now + timedelta(days=1)).strftime("%Y-%m-%d")
    assert re.search(
        rf"{past} was (20|21) min ago; for tomorrow's {past} write {tomorrow}T{past}\.",
        refused.stderr,
    )
    soon = (local_now + timedelta(minutes=20)).strftime("%H:%M")
    accepted = run_cli("action", "page the DBA", "--owner", "bob", "--due", soon, db=db, env=env)
    assert accepted.returncode == 0, accepted.stderr
    assert len(accepted.stdout.strip()) == 26


def test_export_to_dash_is_standard_output_and_a_fifo_stays_a_fifo(
    db: Path, tmp_path: Path
) -> None:
    import os
    import stat
    import subprocess
    import sys

    ok("new", "Kafka consumer lag", db=db)
    assert ok("export", "--format", "md", "-o", "-", db=db).startswith("# Kafka consumer lag")
    assert not (Path.cwd() / "-").exists()
    fifo = tmp_path / "out.pipe"
    os.mkfifo(fifo)
    command = [sys.executable, "-m", "commander_app", "--db", str(db)]
    export = subprocess.Popen([*command, "export", "--format", "md", "-o", str(fifo)])
    text = fifo.read_text("utf-8")  # waits for the writer to open the pipe
    assert export.wait(timeout=60) == 0
    assert text.startswith("# Kafka consumer lag")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_mistyped_log_path_is_refused_not_made(tmp_path: Path) -> None:
    nowhere = tmp_path / "nonexistent" / "dir" / "x.db"
    message = fails("list", db=nowhere)
    assert f"There is no folder {nowhere.parent}" in message
    assert not nowhere.parent.exists()
    assert "There is no folder" in fails("new", "x", db=nowhere)
    assert not nowhere.parent.exists()
    missing = tmp_path / "typo.db"
    for command in (["list"], ["show"], ["search", "heap"], ["board"], ["check"],
                    ["export", "--format", "md"], ["log", "ES heap at 95%"]):  # fmt: skip
        message = fails(*command, db=missing)
        assert f"There is no incident log at {missing}" in message
        assert f"commander --db {missing} new TITLE" in message
        assert not missing.exists()
    via_env = run_cli("list", env={"COMMANDER_DB": str(missing)})
    assert via_env.returncode == 1
    assert "There is no incident log" in via_env.stderr
    assert not missing.exists()
    assert len(ok("new", "ES heap", db=missing).strip()) == 26  # `new` starts a log there


def test_the_default_log_is_made_by_the_first_command(isolated_environment: Path) -> None:
    listed = run_cli("list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "No open incidents."
    assert (isolated_environment / "data" / "commander" / "incidents.db").exists()
