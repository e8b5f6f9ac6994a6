"""Tamper evidence: the append-only triggers are checked, every entry is chained to the one
before it of its incident and device, and exports carry the links so imports verify them."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from commander_app.core.bundle import parse_bundle
from commander_app.core.clock import FixedClock
from commander_app.core.errors import BundleError
from commander_app.core.model import Kind
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.database import connect
from commander_app.store.health import check_log, inspect_log
from commander_app.store.incident_log import IncidentLog
from commander_app.store.schema import shipped_event_triggers, sqlite_utils_migrations
from tests.store.conftest import count


def _incident(log: IncidentLog, clock: FixedClock) -> tuple[str, list[str]]:
    incident = log.open_incident("Checkout 502s", author="ada")
    ids = []
    for text in ("502s from the edge", "rolled back 4f2c", "errors back to normal"):
        clock.advance(timedelta(minutes=1))
        ids.append(log.log(incident.id, text, kind=Kind.OBSERVATION, author="ada").id)
    return incident.id, ids


def _by_hand(path: Path, *statements: str) -> None:
    """What someone with the file and the sqlite3 shell can do."""
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_a_body_rewritten_by_hand_without_the_triggers_is_named(
    db_path: Path, clock: FixedClock
) -> None:
    with IncidentLog(db_path, device_id="laptop-a", clock=clock) as log:
        incident_id, ids = _incident(log, clock)
        assert check_log(log) == []
    _by_hand(
        db_path,
        "DROP TRIGGER events_no_update",
        f"UPDATE events SET body = '{{\"text\": \"no rollback happened\"}}' WHERE id = '{ids[1]}'",
    )
    with IncidentLog(db_path, device_id="laptop-a", clock=clock) as log:
        problems = check_log(log)
    assert any("events_no_update" in p and "missing" in p for p in problems), problems
    chain = [p for p in problems if "breaks the chain" in p]
    assert len(chain) == 1
    assert incident_id in chain[0]
    assert ids[1] in chain[0]
    assert "changed after it was written" in chain[0]


def test_the_chain_names_an_edit_even_with_the_triggers_put_back(
    db_path: Path, clock: FixedClock
) -> None:
    with IncidentLog(db_path, device_id="laptop-a", clock=clock) as log:
        incident_id, ids = _incident(log, clock)
    shipped = shipped_event_triggers()["events_no_update"]
    _by_hand(
        db_path,
        "DROP TRIGGER events_no_update",
        f"UPDATE events SET author = 'bob' WHERE id = '{ids[2]}'",  # the newest entry
        shipped,
    )
    with IncidentLog(db_path, device_id="laptop-a", clock=clock) as log:
        problems = check_log(log)
    assert len(problems) == 1
    assert f"incident {incident_id}: entry {ids[2]} breaks the chain" in problems[0]


def test_an_altered_or_added_trigger_is_named(db_path: Path, clock: FixedClock) -> None:
    with IncidentLog(db_path, device_id="laptop-a", clock=clock) as log:
        _incident(log, clock)
    _by_hand(
        db_path,
        "DROP TRIGGER events_no_delete",
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events WHEN 0 "
        "BEGIN SELECT RAISE(ABORT, 'no'); END",
        "CREATE TRIGGER events_audit AFTER INSERT ON events BEGIN SELECT 1; END",
    )
    with IncidentLog(db_path, device_id="laptop-a", clock=clock) as log:
        problems = check_log(log)
    assert any("events_no_delete" in p and "not the one Commander creates" in p for p in problems)
    assert any("did not create (events_audit)" in p for p in problems)


def test_an_entry_removed_from_the_middle_of_a_chain_is_named(
    db_path: Path, clock: FixedClock
) -> None:
    with IncidentLog(db_path, device_id="laptop-a", clock=clock) as log:
        _incident_id, ids = _incident(log, clock)
    _by_hand(db_path, "DROP TRIGGER events_no_delete", f"DELETE FROM events WHERE id = '{ids[0]}'")
    with IncidentLog(db_path, device_id="laptop-a", clock=clock) as log:
        problems = check_log(log)
    assert any(
        f"entry {ids[1]} breaks the chain: the entry before it ({ids[0]}) is missing" in p
        for p in problems
    ), problems


@pytest.mark.parametrize("which", [1, -1])  # an entry in the middle, and the newest one
def test_a_body_changed_in_an_exported_bundle_is_refused(
    log: IncidentLog, clock: FixedClock, tmp_path: Path, which: int
) -> None:
    incident_id, _ids = _incident(log, clock)
    data = json.loads(json.dumps(export_bundle(log, incident_id)))
    data["events"][which]["body"]["text"] = "nothing was rolled back"
    with IncidentLog(tmp_path / "b.db", device_id="laptop-b", clock=clock) as other:
        with pytest.raises(BundleError, match=r"altered after export.*Nothing was imported"):
            import_bundle(other, parse_bundle(data))
        assert count(other) == 0


def test_a_bundle_from_an_older_commander_imports_and_is_counted(
    log: IncidentLog, clock: FixedClock, tmp_path: Path
) -> None:
    incident_id, _ids = _incident(log, clock)
    data = export_bundle(log, incident_id)
    for entry in data["events"]:
        del entry["chain"]
    with IncidentLog(tmp_path / "b.db", device_id="laptop-b", clock=clock) as other:
        assert import_bundle(other, parse_bundle(data)).added == 4
        other.log(incident_id, "written after the import", author="bea")
        report = inspect_log(other)
    assert report.problems == []
    assert report.notes == [
        "4 entries predate the chain (written before this version of Commander, or passed "
        "on by an older one): they have no link to verify"
    ]


def test_imported_entries_keep_their_links_and_verify(
    log: IncidentLog, clock: FixedClock, tmp_path: Path
) -> None:
    incident_id, _ids = _incident(log, clock)
    with IncidentLog(tmp_path / "b.db", device_id="laptop-b", clock=clock) as other:
        import_bundle(other, parse_bundle(export_bundle(log, incident_id)))
        assert other.chain_links(incident_id) == log.chain_links(incident_id)
        assert inspect_log(other).notes == []


def test_a_log_restored_from_a_backup_forks_its_chain_without_an_alarm(
    db_path: Path, clock: FixedClock, tmp_path: Path
) -> None:
    """Laptop A's log goes back to an older copy and carries on; B had the lost entries.
    Merged, two entries of A follow the same one: each still verifies."""
    with IncidentLog(db_path, device_id="laptop-a", clock=clock) as a:
        incident_id = a.open_incident("Fork", author="ada").id
        a.log(incident_id, "first", author="ada")
        a.backup_now(tmp_path / "old-copy.db")
        a.log(incident_id, "lost with the disk", author="ada")
        bundle = parse_bundle(export_bundle(a, incident_id))
    restored = tmp_path / "old-copy.db"
    with IncidentLog(restored, device_id="laptop-a", clock=clock) as a:
        a.log(incident_id, "written after the restore", author="ada")
        assert import_bundle(a, bundle).added == 1
        a.log(incident_id, "and one more", author="ada")
        prevs = [link.prev for link in a.chain_links(incident_id).values()]
        assert len(prevs) - len(set(prevs)) == 1  # one entry has two successors
        assert inspect_log(a) == inspect_log(a).__class__()  # no problem, no note


def test_appending_reads_only_the_newest_link_of_its_chain(log: IncidentLog) -> None:
    plan = log.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id, chain_prev, chain_hash FROM events WHERE incident_id = ? "
        "AND device_id = ? AND chain_hash IS NOT NULL ORDER BY seq DESC LIMIT 1",
        ["x", "y"],
    ).fetchall()
    details = " ".join(str(row[-1]) for row in plan)
    assert "USING INDEX events_chain" in details
    assert "TEMP B-TREE" not in details  # no sort: the newest link is read first


def _log_before_the_chain(path: Path) -> None:
    """A log as the schema before the chain wrote it, with one incident of two entries."""
    conn = connect(path)
    sqlite_utils_migrations().apply(Database(conn), stop_before="m006_event_chain")
    conn.execute("PRAGMA user_version = 5")
    incident = "01JB0000000000000000000000"
    for number, (kind, body) in enumerate(
        [
            ("incident", {"action": "opened", "title": "Old one", "severity": "SEV2"}),
            ("note", {"text": "kafka lag rising"}),
        ],
        start=1,
    ):
        conn.execute(
            "INSERT INTO events (id, incident_id, kind, body, text, author, device_id, "
            "occurred_at, recorded_at) VALUES (?, ?, ?, ?, ?, 'al', 'laptop-a', ?, ?)",
            [f"01JB000000000000000000000{number}", incident, kind, json.dumps(body),
             body.get("text", body.get("title")), f"2026-01-01T00:0{number}:00.000000Z",
             f"2026-01-01T00:0{number}:00.000000Z"],
        )  # fmt: skip
    conn.close()


def test_an_upgraded_log_reports_no_tampering_and_counts_the_older_entries(
    db_path: Path, clock: FixedClock, tmp_path: Path
) -> None:
    _log_before_the_chain(db_path)
    with IncidentLog(db_path, device_id="laptop-a", clock=clock) as log:
        assert log.rebuild_projection() == 1
        incident_id = "01JB0000000000000000000000"
        log.log(incident_id, "written after the upgrade", author="al")
        log.log(incident_id, "and another", author="al")
        report = inspect_log(log)
        assert report.problems == []
        assert report.notes == [
            "2 entries predate the chain (written before this version of Commander, or passed "
            "on by an older one): they have no link to verify"
        ]
        assert len(log.chain_links(incident_id)) == 2
        bundle = parse_bundle(export_bundle(log, incident_id))
    with IncidentLog(tmp_path / "b.db", device_id="laptop-b", clock=clock) as other:
        assert import_bundle(other, bundle).added == 4
        assert inspect_log(other) == report
