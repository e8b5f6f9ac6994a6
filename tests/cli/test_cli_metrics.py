"""`commander metrics` and `commander trends` through the real program."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import ok, run_cli

# Whole minutes from one moment: the figures are differences of the times given.
BASE = datetime.now(UTC).replace(second=0, microsecond=0)


def ago(minutes: int) -> str:
    return (BASE - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _incident(db: Path, title: str) -> None:
    ok("new", title, "--severity", "2", db=db)
    ok("milestone", "impact_started", "--at", ago(50), db=db)
    ok("milestone", "detected", "--at", ago(44), db=db)
    ok("hypothesis", "Pool exhausted after release 42", db=db)
    ok("hypothesis-state", "H1", "confirmed", "--at", ago(30), db=db)
    ok("milestone", "mitigated", "--at", ago(20), db=db)
    ok("status", "resolved", db=db)


def test_metrics_say_each_figure_and_where_it_comes_from(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    _incident(db, "Checkout failing")
    shown = json.loads(ok("metrics", "--json", db=db))
    figures = shown["figures"]
    assert figures["time_to_detect"] == {
        "value": 360.0,
        "unit": "seconds",
        "measured": "impact start → detected",
        "note": None,
    }
    assert figures["time_to_mitigate"]["value"] == 30 * 60
    assert figures["time_to_first_update.customers"]["note"] == ("no update was sent to customers")
    text = ok("metrics", db=db)
    assert "Time to detect" in text
    assert "6 min  impact start → detected" in text
    show = json.loads(ok("show", shown["incident"], "--json", db=db))
    assert show["figures"]["time_to_mitigate"]["value"] == 30 * 60


def test_trends_say_when_there_are_too_few_to_read(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Still open", db=db)
    assert ok("trends", db=db).splitlines()[:3] == [
        "No resolved incidents to draw a trend from (with these filters).",
        "",
        "Follow-up completion",
    ]
    _incident(db, "Checkout failing")
    _incident(db, "Search slow")
    text = ok("trends", "--figure", "time_to_mitigate", db=db)
    assert text.splitlines()[0] == (
        "2 resolved incidents, by month: median and interquartile range with n"
    )
    assert "n=2" in text
    assert "median       30 min" in text
    assert "(n < 5: too few to read a trend)" in text
    data = json.loads(ok("trends", "--by", "quarter", "--json", db=db))
    assert data["period"] == "quarter"
    mitigate = next(t for t in data["trends"] if t["figure"] == "time_to_mitigate")
    assert mitigate["buckets"][0]["n"] == 2
    assert mitigate["buckets"][0]["too_few"] is True


def test_trends_count_follow_ups_written_and_done_by_their_due_date(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    _incident(db, "Checkout failing")
    late = (BASE - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ahead = (BASE + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ok(
        "action",
        "add",
        "Page the owner on pool saturation",
        "--owner",
        "Ana",
        "--due",
        ahead,
        db=db,
    )
    ok("action", "add", "Add a pool-size check to the deploy", "--due", late, db=db)
    ok("action-done", "A1", "--evidence", "https://example.test/pr/1", db=db)
    data = json.loads(ok("trends", "--figure", "follow_ups", "--json", db=db))
    assert data["trends"] == []
    rows = data["follow_ups"]  # this month's, and last month's if yesterday was in it
    month = rows[-1]
    assert (month["opened"], month["done"], month["open_at_end"], month["overdue_at_end"]) == (
        2,
        1,
        1,
        1,
    )
    assert [sum(r[k] for r in rows) for k in ("due", "done_by_due")] == [1, 0]
    text = ok("trends", "--figure", "follow-ups", db=db)
    assert text.splitlines()[0] == "Follow-up completion"
    assert "0/1 (0%)" in text
    assert "Time to mitigate" not in text


HISTORY = (
    "Title,Severity,Impact start,Detected,Mitigated,Resolved,Service,Cause was a deploy\n"
    "Old checkout outage,SEV1,2025-03-01 15:00,2025-03-01 15:12,2025-03-01 15:40,"
    "2025-03-01 16:30,checkout,yes\n"
)


def test_the_incident_table_says_which_incidents_a_deployment_caused(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    csv_file = tmp_path / "history.csv"
    csv_file.write_text(HISTORY, encoding="utf-8")
    ok("import-history", str(csv_file), "--zone", "UTC", db=db)
    rolled = ok(
        "new", "=HYPERLINK(bad) checkout", "--severity", "2", "--commander", "al", db=db
    ).strip()
    ok("milestone", "impact_started", "--at", ago(50), "--incident", rolled, db=db)
    ok("milestone", "mitigated", "--at", ago(20), "--incident", rolled, db=db)
    ok(
        "decide", "Roll back checkout to 4811", "--kind", "rollback", "--override", "down",
        "--author", "al", "--incident", rolled, db=db,
    )  # fmt: skip
    ok("outcome", "D1", "worked", "--incident", rolled, db=db)
    factor = ok("new", "Search slow after config push", db=db).strip()
    ok(
        "postmortem", "factor", "add", "A config change reached every region at once",
        "--category", "deploy_safety", "--incident", factor, db=db,
    )  # fmt: skip
    unknown = ok("new", "Disk full", db=db).strip()
    drill = ok("new", "Drill: DNS", "--drill", db=db).strip()

    rows = json.loads(ok("metrics", "--all", "--format", "json", db=db))
    by_title = {r["title"]: r for r in rows}
    assert drill not in {r["incident_id"] for r in rows}
    old = by_title["Old checkout outage"]
    assert (old["imported"], old["deploy_caused"], old["deploy_cause_from"]) == (
        True,
        True,
        "imported",
    )
    assert old["services"] == ["checkout"]
    assert old["failed_deployment_recovery_seconds"] == 40 * 60 == old["time_to_mitigate_seconds"]
    mine = next(r for r in rows if r["incident_id"] == rolled)
    assert (mine["deploy_caused"], mine["deploy_cause_from"]) == (True, "rollback")
    assert mine["failed_deployment_recovery_seconds"] == 30 * 60
    assert by_title["Search slow after config push"]["deploy_cause_from"] == "postmortem"
    none = next(r for r in rows if r["incident_id"] == unknown)
    assert (none["deploy_caused"], none["failed_deployment_recovery_seconds"]) == (None, None)

    out_file = tmp_path / "table.csv"
    assert ok("metrics", "--all", "-o", str(out_file), db=db).strip() == (
        f"Written 4 incident(s) to {out_file}."
    )
    lines = out_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["incident_id", "title", "severity"]
    assert "failed_deployment_recovery_seconds" in header
    cells = dict(zip(header, lines[1].split(","), strict=True))
    assert (cells["deploy_caused"], cells["failed_deployment_recovery_seconds"]) == ("true", "2400")
    assert "'=HYPERLINK(bad) checkout" in lines[2]  # a spreadsheet must not run it
    assert (
        json.loads(ok("metrics", "--all", "--drills", "--format", "json", db=db))[0]["drill"]
        is True
    )


def test_trends_draw_charts_without_a_window(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    _incident(db, "Checkout failing")
    png, svg, page = tmp_path / "t.png", tmp_path / "t.svg", tmp_path / "t.html"
    said = ok("trends", "--figure", "time_to_mitigate", "--png", str(png), db=db)
    assert said.strip() == f"Written to {png} (1 resolved incident, by month)."
    assert png.read_bytes()[:4] == b"\x89PNG"
    ok("trends", "--figure", "time_to_mitigate", "--figure", "handoffs", "--svg", str(svg), db=db)
    assert "Time to mitigate" in svg.read_text(encoding="utf-8")
    ok("trends", "--severity", "2", "--html", str(page), db=db)
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 10
    assert "1 resolved incident, by month; SEV2" in html
    assert "Follow-up completion" in html
    refused = run_cli("trends", "--figure", "follow_ups", "--png", str(png), db=db)
    assert refused.returncode != 0
    assert "Name a figure to draw" in refused.stderr
