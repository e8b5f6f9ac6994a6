"""The stakeholder-update cadence through the real `commander` program."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commander_app.core.times import to_iso
from commander_app.store.cadence import policy_path
from tests.conftest import fails, ok, run_cli


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "log.db"


def ago(minutes: int) -> str:
    """A time `minutes` before the real clock: the program runs on the system clock."""
    return to_iso(datetime.now(UTC) - timedelta(minutes=minutes))


def audiences(db: Path) -> dict[str, dict[str, object]]:
    document = json.loads(ok("cadence", "--json", db=db))
    return {row["audience"]: row for row in document["audiences"]}


def test_cadence_send_and_snooze_from_the_terminal(db: Path, tmp_path: Path) -> None:
    ok("new", "Checkout 500s", "--severity", "1", "--at", ago(10), db=db)
    first = audiences(db)
    assert list(first) == ["internal", "executives", "customers"]
    assert {row["status"] for row in first.values()} == {"overdue"}

    text = ok("cadence", db=db)
    assert text.startswith("Checkout 500s (SEV1, investigating)\n")
    # The window's wording: minutes and the due time, never an "05:00" that reads as a clock.
    assert re.search(r"^executives  overdue 5 min \(was due \d\d:\d\d\) +OVERDUE$", text, re.M)
    assert "OVERDUE" in text

    promise = to_iso(datetime.now(UTC) + timedelta(minutes=45))
    sent = ok(
        "sent",
        "execs",
        "--text",
        "Checkout failing for 30% of users; rolling back release 42.",
        "--next-update",
        promise,
        db=db,
    )
    assert sent.startswith("Checkout 500s: update to executives logged.\n")
    assert re.search(r"^executives  due \d\d:\d\d · 4[45] min \(promised\) +on time$", sent, re.M)
    assert sent.rstrip().endswith("on time")

    update = tmp_path / "update.txt"
    update.write_text("Rolling back; next update in 20 minutes.\n", encoding="utf-8")
    ok("sent", "internal", "--text-file", str(update), "--channel", "slack", db=db)

    snoozed = ok("snooze", "status page", "--minutes", "15", "--reason", "legal review", db=db)
    assert "Snoozed the customers update for 15 min: legal review" in snoozed
    assert "snoozed: legal review" in snoozed

    now = audiences(db)
    assert now["executives"]["status"] == "on_time"
    assert now["executives"]["promised"] is True
    assert now["internal"]["status"] == "on_time"
    assert now["internal"]["interval_minutes"] == 20
    assert now["customers"]["status"] == "snoozed"
    assert now["customers"]["snooze_reason"] == "legal review"
    left = now["customers"]["seconds_left"]
    assert isinstance(left, float)
    assert 14 * 60 < left <= 15 * 60

    timeline = ok("show", db=db)
    assert "Update to internal sent (slack): Rolling back; next update in 20 minutes." in timeline
    assert "Snoozed the customers update for 15 min: legal review" in timeline

    ok("status", "resolved", db=db)
    final = ok(
        "cadence", "--incident", json.loads(ok("list", "--all", "--json", db=db))[0]["id"], db=db
    )
    assert "resolved: final update due" in final


def test_cadence_user_errors_are_one_line(db: Path, tmp_path: Path) -> None:
    ok("new", "Slow search", "--severity", "3", db=db)
    assert "Unknown audience 'press'" in fails("sent", "press", "--text", "x", db=db)
    assert "no scheduled executives updates at SEV3" in fails(
        "snooze", "executives", "--minutes", "10", "--reason", "legal", db=db
    )
    assert "1 to 240 minutes, not 0" in fails(
        "snooze", "internal", "--minutes", "0", "--reason", "legal", db=db
    )
    assert "reason for the snooze is empty" in fails(
        "snooze", "internal", "--minutes", "10", "--reason", " ", db=db
    )
    assert "There is no file" in fails(
        "sent", "internal", "--text-file", str(tmp_path / "missing.txt"), db=db
    )
    assert "after this update" in fails(
        "sent", "internal", "--text", "x", "--next-update", ago(5), db=db
    )
    assert "Cannot read the time 'soon'" in fails(
        "sent", "internal", "--text", "x", "--next-update", "soon", db=db
    )
    assert "--text --text-file is required" in fails("sent", "internal", db=db, code=2)
    assert "invalid int value" in fails(
        "snooze", "internal", "--minutes", "ten", "--reason", "x", db=db, code=2
    )
    assert ok("show", db=db).count("comms") == 0  # nothing refused was written


def test_the_playbooks_cadence_from_the_terminal(db: Path) -> None:
    ok("new", "Checkout 500s", "--severity", "2", db=db)
    defaults = json.loads(ok("cadence", "--policy", db=db))
    assert defaults["intervals"]["SEV2"] == {"internal": 30, "executives": 60, "customers": 60}

    path = policy_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[severity.SEV2]\ncadence = { internal = 10 }\n", encoding="utf-8")
    assert list(audiences(db)) == ["internal"]  # the edit applies at once

    path.write_text('[severity.SEV2]\ncadence = { execs = "hourly" }\n', encoding="utf-8")
    result = run_cli("cadence", db=db)
    assert result.returncode == 0  # a broken playbook never stops the response
    assert str(path) in result.stderr
    assert "line 2: severity.SEV2.cadence" in result.stderr
    assert "last good version" in result.stderr
    assert list(audiences(db)) == ["internal"]  # the last good rules, not the defaults
    result = run_cli("sent", "internal", "--text", "Rolling back.", db=db)
    assert result.returncode == 0
    assert "update to internal logged" in result.stdout
    assert "Rolling back." in ok("show", db=db)


def test_cadence_json_reports_adherence(db: Path) -> None:
    ok("new", "Checkout 500s", "--severity", "SEV2", "--at", "2026-11-28T09:00Z", db=db)
    ok("sent", "internal", "--text", "Looking into it", "--at", "2026-11-28T09:03Z", db=db)
    document = json.loads(ok("cadence", "--json", db=db))
    internal = document["adherence"]["internal"]
    assert internal["on_time"] >= 1
    assert internal["due"] >= internal["on_time"]
    executives = document["adherence"]["executives"]
    assert executives["on_time"] == 0
    assert executives["due"] >= 1  # its first update was due at 09:05 and never sent
    assert "On time so far: internal" in ok("cadence", db=db)


def test_a_next_update_promised_years_ahead_is_refused_and_nothing_breaks(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    said = fails(
        "sent", "internal", "--text", "Update", "--next-update", "9999-12-31T23:00Z", db=db
    )
    assert "more than a week after this one" in said
    assert "Traceback" not in said
    ok("cadence", db=db)
