"""`commander playbook show|check|export|import` through the real program."""

from __future__ import annotations

import json
from pathlib import Path

from commander_app.store import playbook
from tests.conftest import ok, run_cli

GOOD = """\
name = "Payments playbook"

[severity.SEV1]
commander = ["alice"]
cadence = { internal = 15 }

[audience.internal]
recipients = ["#payments"]
"""


def test_check_lists_every_problem_with_its_line_and_exits_1(tmp_path: Path) -> None:
    ok("new", "Checkout 500s", db=tmp_path / "log.db")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\n[severity.SEV1]\ncadence = { internal = "often" }\n[severity.SEV7]\n'
    )
    result = run_cli("playbook", "check", str(bad), db=tmp_path / "log.db")
    assert result.returncode == 1
    assert f"{bad}:3: error: severity.SEV1.cadence.internal must be whole minutes" in result.stdout
    assert f"{bad}:4: error: Unknown severity 'SEV7'" in result.stdout
    assert "cannot be used: 2 errors" in result.stderr
    result = run_cli("playbook", "check", str(bad), "--json", db=tmp_path / "log.db")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["usable"] is False
    assert [p["line"] for p in report["problems"] if p["blocking"]] == [3, 4]


def test_import_show_export_and_the_open_incident_notes_it(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", "--severity", "1", db=db)
    source = tmp_path / "team.toml"
    source.write_text(GOOD, encoding="utf-8")
    said = ok("playbook", "import", str(source), db=db)
    assert "Playbook “Payments playbook”" in said
    assert "1 open incidents note the change." in said
    assert playbook.playbook_path().read_text(encoding="utf-8") == GOOD
    assert "Playbook changed: now “Payments playbook”" in ok("show", db=db)
    shown = ok("playbook", "show", db=db)
    assert shown.startswith("“Payments playbook” (")
    assert "  commander: alice (now: alice)" in shown
    assert "internal every 15 min (1 recipients)" in shown
    assert ok("playbook", "export", db=db) == GOOD


def test_a_broken_file_is_refused_on_import_and_nothing_is_written(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    source = tmp_path / "team.toml"
    source.write_text("[severity.SEV1\n", encoding="utf-8")
    result = run_cli("playbook", "import", str(source), db=db)
    assert result.returncode == 1
    assert "cannot be used: line 1: This is not valid TOML" in result.stderr
    assert not playbook.playbook_path().exists()
