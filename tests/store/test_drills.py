"""Running a drill on a real log with a fixed clock: start, tick, fire, skip, delay,
pause, resume; the injects' effects as real entries; a restart resumes from the log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.core.drill_schedule import InjectState
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import Audience, Kind
from commander_app.store import alerts, channels, drill_outbox, drills
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog

SCENARIO = """\
[setup]
title = "EXERCISE: payments failing"
service = "checkout"
severity = "SEV1"
facts = ["Deploy at 02:41 passed every check.", "30% of card payments fail."]

[[inject]]
id = "storm"
at = "T+01:00"
kind = "alert_storm"
count = 6
alertname = "CheckoutHighErrorRate"
cause = "PaymentProviderTLS"

[[inject]]
id = "cto"
at = "T+04:00"
kind = "executive_asks"
who = "Maya (CTO)"
text = "What is the ETA?"

[[inject]]
id = "status-down"
at = "T+05:00"
kind = "status_page_down"

[[inject]]
id = "away"
at = "T+10:00"
kind = "commander_called_away"
text = "Family emergency."

[[inject]]
id = "cdn"
trigger = { hypothesis_mentions = "CDN" }
kind = "finding_revealed"
who = "Chris"
text = "The CDN is clean."
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "payments.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def notes(log: IncidentLog, incident_id: str) -> list[str]:
    return [str(e.body["text"]) for e in log.events(incident_id) if e.kind is Kind.NOTE]


def test_start_opens_a_drill_incident_with_its_facts_and_scenario(
    log: IncidentLog, scenario_file: Path
) -> None:
    run = drills.start(log, str(scenario_file), author="fay", commander="alice")
    assert run.incident.is_drill
    assert run.incident.title == "EXERCISE: payments failing"
    assert run.incident.severity.value == "SEV1"
    assert notes(log, run.incident.id) == [
        "Starting fact: Deploy at 02:41 passed every check.",
        "Starting fact: 30% of card payments fail.",
    ]
    [started] = [e for e in log.events(run.incident.id) if e.kind is Kind.DRILL]
    assert started.body["scenario"] == str(scenario_file.resolve())
    assert started.body["digest"] == run.scenario.digest
    assert [s.inject.id for s in run.schedule.upcoming] == [
        "storm", "cto", "status-down", "away", "cdn",
    ]  # fmt: skip


def test_tick_fires_what_is_due_and_the_storm_comes_through_alert_intake(
    log: IncidentLog, clock: FixedClock, scenario_file: Path
) -> None:
    run = drills.start(log, str(scenario_file), author="fay", commander="alice")
    assert drills.tick(log, author="fay") == []
    clock.advance(timedelta(minutes=4))
    fired = drills.tick(log, author="fay")
    assert [f.inject.id for f in fired] == ["storm", "cto"]
    assert drills.tick(log, author="fay") == []  # each fires once
    groups = {g.name: g for g in alerts.groups(log, run.incident.id)}
    assert groups["CheckoutHighErrorRate"].firing == 6
    assert groups["PaymentProviderTLS"].firing == 1
    assert "Maya (CTO) asks on chat: “What is the ETA?”" in notes(log, run.incident.id)
    with pytest.raises(ValidationError, match="'storm' is fired already"):
        drills.fire(log, "storm", author="fay")


def test_a_trigger_fires_on_the_teams_own_hypothesis(
    log: IncidentLog, clock: FixedClock, scenario_file: Path
) -> None:
    run = drills.start(log, str(scenario_file), author="fay")
    clock.advance(timedelta(seconds=30))
    log.log(run.incident.id, "Is the cdn caching errors?", kind=Kind.HYPOTHESIS, author="chris")
    clock.advance(timedelta(seconds=1))
    assert [f.inject.id for f in drills.tick(log, author="fay")] == ["cdn"]
    assert "Finding revealed — Chris: The CDN is clean." in notes(log, run.incident.id)


def test_skip_and_delay_change_what_falls_due(
    log: IncidentLog, clock: FixedClock, scenario_file: Path
) -> None:
    drills.start(log, str(scenario_file), author="fay")
    drills.skip(log, "storm", author="fay")
    delayed = drills.delay(log, "cto", 3, author="fay")
    assert delayed.due_offset == timedelta(minutes=7)
    clock.advance(timedelta(minutes=6))
    assert [f.inject.id for f in drills.tick(log, author="fay")] == ["status-down"]
    clock.advance(timedelta(minutes=1))
    assert [f.inject.id for f in drills.tick(log, author="fay")] == ["cto"]
    state = drills.run(log).schedule
    assert state.of("storm").state is InjectState.SKIPPED
    with pytest.raises(ValidationError, match="skipped already"):
        drills.fire(log, "storm", author="fay")
    with pytest.raises(ValidationError, match="has no inject 'nope'"):
        drills.skip(log, "nope", author="fay")


def test_pause_holds_everything_and_resume_shifts_the_schedule(
    log: IncidentLog, clock: FixedClock, scenario_file: Path
) -> None:
    drills.start(log, str(scenario_file), author="fay")
    clock.advance(timedelta(seconds=30))
    drills.pause(log, author="fay")
    with pytest.raises(ValidationError, match="paused already"):
        drills.pause(log, author="fay")
    clock.advance(timedelta(minutes=20))
    assert drills.tick(log, author="fay") == []
    resumed = drills.resume(log, author="fay")
    assert resumed.schedule.of("storm").due_at == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=30))
    assert [f.inject.id for f in drills.tick(log, author="fay")] == ["storm"]


def test_a_restart_mid_drill_resumes_the_schedule_from_the_log(
    db_path: Path, clock: FixedClock, scenario_file: Path
) -> None:
    with IncidentLog(db_path, device_id="laptop", clock=clock) as log:
        run = drills.start(log, str(scenario_file), author="fay")
        clock.advance(timedelta(minutes=2))
        drills.tick(log, author="fay")
        drills.pause(log, author="fay")
        clock.advance(timedelta(minutes=3))
        drills.resume(log, author="fay")
        drills.delay(log, "cto", 1, author="fay")
        before = drills.run(log).schedule
    clock.advance(timedelta(minutes=1))
    with IncidentLog(db_path, device_id="laptop", clock=clock) as reopened:
        after = drills.run(reopened, run.incident.id).schedule
        assert after.of("storm").state is InjectState.FIRED
        assert after.of("cto").due_at == before.of("cto").due_at
        assert after.of("cto").due_offset == timedelta(minutes=5)
        assert after.drill_now == timedelta(minutes=3)


def test_status_page_down_makes_the_drill_outbox_report_it_unavailable(
    log: IncidentLog, clock: FixedClock, scenario_file: Path
) -> None:
    channels.save_channel(log, "status", "statuspage", {"page_id": "pg1"})
    run = drills.start(log, str(scenario_file), author="fay")
    store.enqueue(log, run.incident.id, Audience.CUSTOMERS, ["status"], "Payments", "Looking.",
                  author="cara")  # fmt: skip
    drills.fire(log, "status-down", author="fay")
    store.enqueue(log, run.incident.id, Audience.CUSTOMERS, ["status"], "Payments", "Still.",
                  author="cara")  # fmt: skip
    later, first = drill_outbox.updates(log, run.incident.id)
    assert (first.outcome, later.outcome) == (drill_outbox.NOT_SENT, drill_outbox.UNAVAILABLE)
    failed = [e for e in log.events(run.incident.id) if e.body.get("action") == "failed"]
    assert "status page is unavailable" in str(failed[0].body["error"])


def test_commander_called_away_demands_a_handoff(log: IncidentLog, scenario_file: Path) -> None:
    drills.start(log, str(scenario_file), author="fay", commander="alice")
    drills.fire(log, "away", author="fay")
    said = notes(log, drills.run(log).incident.id)[-1]
    assert said.startswith("alice is called away and must leave now: hand over command")


def test_a_changed_scenario_file_is_refused_mid_drill(
    log: IncidentLog, scenario_file: Path
) -> None:
    drills.start(log, str(scenario_file), author="fay")
    scenario_file.write_text(SCENARIO.replace("T+04:00", "T+02:00"), encoding="utf-8")
    with pytest.raises(ValidationError, match="has changed since this drill started"):
        drills.tick(log, author="fay")


def test_no_drill_running_says_how_to_start_one(log: IncidentLog, incident_id: str) -> None:
    with pytest.raises(NotFoundError, match="drill start"):
        drills.run(log)
    with pytest.raises(ValidationError, match="not started from a scenario"):
        drills.run(log, incident_id)


def test_a_shipped_scenario_starts_by_name(log: IncidentLog) -> None:
    run = drills.start(log, "payment-failure-after-deploy", author="fay")
    assert "02:47" in run.incident.title
    assert len(run.schedule.injects) >= 8


def test_a_drill_event_of_no_known_shape_is_refused(log: IncidentLog, scenario_file: Path) -> None:
    """What an imported bundle or a newer Commander could bring is checked like any entry."""
    run = drills.start(log, str(scenario_file), author="fay")
    for body, said in (
        ({"action": "exploded", "text": "x"}, "A drill event is one of"),
        ({"action": "delayed", "text": "x", "inject": "cto", "minutes": 0}, "1 to 1440"),
        ({"action": "started", "text": "x", "scenario": "s", "speed": 99}, "speed"),
    ):
        with pytest.raises(ValidationError, match=said):
            log.append(run.incident.id, Kind.DRILL, body, author="fay")
