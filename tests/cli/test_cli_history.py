"""`commander import-history`: a team's old incidents, from a CSV, in one go."""

import json
from pathlib import Path

from tests.conftest import ok, run_cli

CSV = (
    "\ufeffIncident ID;Title;Priority;Impact start;Detection;Mitigation;Resolution;"
    "Component;Change-induced\n"
    "INC-1;Checkout 500s;P1;2024-03-01 15:00;2024-03-01 15:12;2024-03-01 15:40;"
    "2024-03-01 16:30;checkout;yes\n"
    "INC-2;Search slow;P3;2024-04-02 09:00;;;2024-04-02 10:00;search;no\n"
)


def test_a_history_file_is_imported_once_and_marked(tmp_path: Path) -> None:
    db, csv = tmp_path / "log.db", tmp_path / "history.csv"
    csv.write_text(CSV, encoding="utf-8")
    zone = ("--zone", "Europe/Berlin")
    assert ok("import-history", str(csv), *zone, db=db).strip() == "2 new, 0 already present"
    assert ok("import-history", str(csv), *zone, db=db).strip() == "0 new, 2 already present"
    assert ok("list", db=db).strip() == "No open incidents."
    listed = {i["title"]: i for i in json.loads(ok("list", "--all", "--json", db=db))}
    checkout = listed["Checkout 500s"]
    assert checkout["imported"] is True
    assert checkout["status"] == "resolved"
    assert checkout["severity"] == "SEV1"
    assert checkout["impact_started_at"] == "2024-03-01T14:00:00.000000Z"  # 15:00 CET
    assert "[IMPORTED]" in ok("list", "--all", db=db)
    shown = json.loads(ok("show", checkout["id"], "--json", db=db))
    assert shown["incident"]["imported"] is True
    assert shown["metrics"]["time_to_detect_seconds"] == 12 * 60
    own = ok("new", "Today's outage", db=db).strip()
    mine = next(i for i in json.loads(ok("list", "--json", db=db)) if i["id"] == own)
    assert mine["imported"] is False


def test_a_file_with_problems_names_each_and_writes_nothing(tmp_path: Path) -> None:
    db, csv = tmp_path / "log.db", tmp_path / "history.csv"
    csv.write_text(
        "title,severity,started,resolved\n"
        ",1,2024-03-01 15:00,2024-03-01 16:00\n"
        "Fine,2,2024-03-01 15:00,2024-03-01 16:00\n"
        "Backwards,2,2024-03-01 15:00,2024-03-01 14:00\n",
        encoding="utf-8",
    )
    result = run_cli("import-history", str(csv), db=db)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"commander: {csv}: line 2: no title"
    assert lines[1].startswith(f"commander: {csv}: line 4: the resolved time")
    assert "nothing was imported" in lines[2]
    assert json.loads(ok("list", "--all", "--json", db=db)) == []


def test_an_unknown_zone_is_refused(tmp_path: Path) -> None:
    csv = tmp_path / "history.csv"
    csv.write_text(CSV, encoding="utf-8")
    result = run_cli("import-history", str(csv), "--zone", "Mars/Olympus", db=tmp_path / "l.db")
    assert result.returncode == 1
    assert "Unknown time zone 'Mars/Olympus'" in result.stderr
