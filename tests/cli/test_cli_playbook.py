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


def test_the_rules_an_incident_opened_under_are_shown_after_the_playbook_changed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "log.db"
    first = tmp_path / "first.toml"
    first.write_text(GOOD)
    ok("new", "Warm-up", db=db)
    ok("playbook", "import", str(first), db=db)
    before = ok("new", "Checkout 500s", db=db).strip()
    second = tmp_path / "second.toml"
    second.write_text(GOOD.replace("Payments playbook", "Payments playbook, v2").replace(
        'commander = ["alice"]', 'commander = ["bob"]'))  # fmt: skip
    ok("playbook", "import", str(second), db=db)
    now = ok("playbook", "show", db=db)
    assert "Payments playbook, v2" in now
    shown = ok("playbook", "show", "--incident", before[:10], db=db)
    first_line = shown.splitlines()[0]
    assert first_line.startswith("“Payments playbook” (")
    assert first_line.endswith("(in force when “Checkout 500s” opened), from the copy kept "
                               "when it was in force")  # fmt: skip
    assert shown.splitlines()[1].startswith(
        "changed during the incident to “Payments playbook, v2”"
    )
    assert "alice" in shown
    assert "commander: bob" not in shown
    digest = first_line.split("(")[1].split(")")[0]
    assert ok("playbook", "show", "--version", digest[:6], db=db).startswith("“Payments playbook”")
    missing = run_cli("playbook", "show", "--version", "ffffffffff", db=db)
    assert missing.returncode != 0
    assert "No copy of the playbook ffffffffff is kept on this computer" in missing.stderr
