"""`commander drill ...`: the facilitator's commands, in-process on a log with a fixed
clock (so time can pass without sleeping), and end to end as the real program."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.cli.parser import build_parser
from commander_app.core.clock import FixedClock
from commander_app.core.model import Kind
from commander_app.store import channels
from commander_app.store.incident_log import IncidentLog
from tests.conftest import empty_log, run_cli

SCENARIO = """\
[setup]
title = "EXERCISE: sign-in failing"
service = "auth"
severity = "SEV2"
facts = ["Support reports login failures."]

[[inject]]
id = "alerts"
at = "T+00:00"
kind = "alert_storm"
count = 4
alertname = "LoginFailureRateHigh"
cause = "JWKSFetchStale"

[[inject]]
id = "support"
at = "T+05:00"
kind = "executive_asks"
who = "Ana"
text = "What do I tell customers?"

[[inject]]
id = "keys"
trigger = { hypothesis_mentions = "key" }
kind = "finding_revealed"
text = "The signing key rotated at 09:00."
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "sign-in.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def command(log: IncidentLog, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run one `commander` command on `log` in this process; its standard output."""
    args = build_parser().parse_args(list(argv))
    module, _, name = args.run.partition(":")
    function = getattr(importlib.import_module(f"commander_app.cli.{module}"), name)
    assert function(log, args) == 0
    return capsys.readouterr().out


def test_a_facilitator_runs_a_drill_with_time_passing(
    log: IncidentLog, clock: FixedClock, capsys: pytest.CaptureFixture[str], scenario_file: Path
) -> None:
    started = command(log, capsys, "drill", "start", str(scenario_file), "--author", "fay")
    drill_id = started.splitlines()[0]
    assert log.incident(drill_id).is_drill
    assert "alerts" in started
    assert "support              T+05:00 (at 15:05)" in started  # Europe/Berlin
    assert command(log, capsys, "drill", "tick") == "Fired alerts (alert storm).\n"
    assert command(log, capsys, "drill", "tick") == ""

    command(log, capsys, "drill", "delay", "support", "2")
    clock.advance(timedelta(minutes=5))
    assert command(log, capsys, "drill", "tick") == ""
    command(log, capsys, "drill", "pause")
    clock.advance(timedelta(minutes=30))
    assert command(log, capsys, "drill", "tick") == ""
    status = command(log, capsys, "drill", "status")
    assert "Drill time T+05:00  (paused)" in status
    command(log, capsys, "drill", "resume")
    clock.advance(timedelta(minutes=2))
    assert command(log, capsys, "drill", "tick") == "Fired support (executive asks).\n"

    log.log(drill_id, "Did the signing key rotate?", kind=Kind.HYPOTHESIS, author="jonas")
    clock.advance(timedelta(seconds=1))
    assert command(log, capsys, "drill", "tick") == "Fired keys (finding revealed).\n"
    status = json.loads(command(log, capsys, "drill", "status", drill_id[:10], "--json"))
    assert [(i["id"], i["state"]) for i in status["injects"]] == [
        ("alerts", "fired"), ("support", "fired"), ("keys", "fired"),
    ]  # fmt: skip
    assert status["drill_seconds"] == 7 * 60 + 1


def test_skip_and_fire_by_hand(
    log: IncidentLog, capsys: pytest.CaptureFixture[str], scenario_file: Path
) -> None:
    command(log, capsys, "drill", "start", str(scenario_file))
    command(log, capsys, "drill", "skip", "alerts")
    assert command(log, capsys, "drill", "fire", "support") == "Fired support (executive asks).\n"
    status = command(log, capsys, "drill", "status")
    assert "alerts               skipped" in status
    assert "support              fired" in status
    assert command(log, capsys, "drill", "tick") == ""


def test_the_drill_outbox_shows_what_would_have_gone_out(
    log: IncidentLog, capsys: pytest.CaptureFixture[str], scenario_file: Path
) -> None:
    channels.save_channel(log, "status", "statuspage", {"page_id": "pg1"})
    drill_id = command(log, capsys, "drill", "start", str(scenario_file)).splitlines()[0]
    assert "has sent nothing yet" in command(log, capsys, "drill", "outbox")
    sent = command(
        log, capsys, "send", "customers", "--incident", drill_id, "--subject", "Sign-in problems",
        "--text-file", str(write(log, "We are investigating sign-in failures.")),
    )  # fmt: skip
    assert "drill: not sent: update to customers via status" in sent
    shown = command(log, capsys, "drill", "outbox")
    assert "drill: not sent: customers via status (statuspage)" in shown
    assert "Incident: EXERCISE: Sign-in problems" in shown
    assert "EXERCISE — this is a drill" in shown
    assert "We are investigating sign-in failures." in shown


def write(log: IncidentLog, text: str) -> Path:
    path = Path(log.path).parent / "update.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_real_program_lists_checks_starts_and_reports(
    tmp_path: Path, scenario_file: Path
) -> None:
    db = empty_log(tmp_path / "log.db")
    listed = run_cli("drill", "list", db=db)
    assert listed.returncode == 0, listed.stderr
    assert "payment-failure-after-deploy  SEV1" in listed.stdout
    checked = run_cli("drill", "check", "payment-failure-after-deploy", db=db)
    assert checked.returncode == 0, checked.stderr
    assert "can be run: 0 errors" in checked.stderr

    bad = tmp_path / "bad.toml"
    bad.write_text(SCENARIO.replace('at = "T+05:00"', 'at = "five minutes"'), encoding="utf-8")
    refused = run_cli("drill", "check", str(bad), db=db)
    assert refused.returncode == 1
    assert f"{bad.resolve()}:17: error: inject 'support': 'five minutes' is not a drill time" in (
        refused.stdout
    )
    as_json = json.loads(run_cli("drill", "check", str(bad), "--json", db=db).stdout)
    assert as_json["usable"] is False
    assert as_json["problems"][0]["line"] == 17
    cannot = run_cli("drill", "start", str(bad), db=db)
    assert cannot.returncode == 1
    assert "cannot be run: line 17" in cannot.stderr

    started = run_cli("drill", "start", str(scenario_file), "--speed", "4", db=db)
    assert started.returncode == 0, started.stderr
    assert "speed 4×" in started.stdout
    ticked = run_cli("drill", "tick", db=db)
    assert ticked.stdout == "Fired alerts (alert storm).\n"
    again = run_cli("drill", "fire", "alerts", db=db)
    assert again.returncode == 1
    assert "'alerts' is fired already" in again.stderr
    unknown = run_cli("drill", "skip", "nope", db=db)
    assert "has no inject 'nope': its injects are alerts, support, keys" in unknown.stderr


def test_a_drill_practises_updates_without_any_channel_set_up(
    log: IncidentLog, capsys: pytest.CaptureFixture[str], scenario_file: Path
) -> None:
    """A team's first tabletop has no channel configured: the update is still recorded,
    counts for the drill's cadence, and stops the no-first-update inject."""
    drill_id = command(log, capsys, "drill", "start", str(scenario_file)).splitlines()[0]
    sent = command(
        log, capsys, "send", "internal", "--incident", drill_id, "--subject", "Sign-in",
        "--text-file", str(write(log, "Investigating.")),
    )  # fmt: skip
    assert "drill: not sent: update to internal via no-channel" in sent
    [event] = [e for e in log.events(drill_id) if e.kind is Kind.COMMS]
    assert (event.body["action"], event.body["drill"]) == ("sent", True)
    assert "Subject: EXERCISE: Sign-in" in command(log, capsys, "drill", "outbox")
