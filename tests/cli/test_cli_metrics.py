"""`commander metrics` and `commander trends` through the real program."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import ok

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
    assert ok("trends", db=db).strip() == (
        "No resolved incidents to draw a trend from (with these filters)."
    )
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
