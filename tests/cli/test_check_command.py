"""`commander check` on a log edited by hand, and on a bundle altered after export."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import ok, run_cli


def test_check_names_a_body_rewritten_with_the_triggers_dropped(tmp_path: Path) -> None:
    db = tmp_path / "incidents.db"
    incident_id = ok("new", "Checkout 502s", db=db).split()[-1]
    ok("log", "rolled back 4f2c", db=db)
    ok("log", "errors back to normal", db=db)
    assert ok("check", db=db).strip().endswith(": ok")
    conn = sqlite3.connect(db)
    (event_id,) = conn.execute("SELECT id FROM events WHERE text = 'rolled back 4f2c'").fetchone()
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute(
        "UPDATE events SET body = json_set(body, '$.text', 'no rollback') WHERE id = ?", [event_id]
    )
    conn.commit()
    conn.close()
    result = run_cli("check", db=db)
    assert result.returncode == 1
    assert "events_no_update" in result.stderr
    assert f"incident {incident_id}: entry {event_id} breaks the chain" in result.stderr
    assert ": ok" not in result.stdout


def test_import_refuses_a_bundle_altered_after_export(tmp_path: Path) -> None:
    db, other, bundle = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "bundle.json"
    ok("new", "Checkout 502s", db=db)
    ok("log", "rolled back 4f2c", db=db)
    ok("export", "--format", "json", "-o", str(bundle), db=db)
    text = bundle.read_text(encoding="utf-8")
    bundle.write_text(text.replace("rolled back 4f2c", "did nothing"), encoding="utf-8")
    result = run_cli("import", str(bundle), db=other)
    assert result.returncode == 1
    assert "altered after export" in result.stderr
    assert "Nothing was imported" in result.stderr
