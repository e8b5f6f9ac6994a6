"""A past incident replayed as a tabletop: the SEV1 of the layout tests, with its alert
storm, becomes a scenario that reads back, and a drill started from it fires the real
findings at their real offsets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.core.drill_scenario import InjectKind
from commander_app.core.drill_scenario_parse import read_scenario
from commander_app.core.errors import ValidationError
from commander_app.core.model import Kind
from commander_app.store import board, drills
from commander_app.store.drill_replay import replay_text, write_replay
from commander_app.store.incident_log import IncidentLog
from tests.support.alert_storm import sev1_storm, triage_sev1
from tests.support.sev1 import START, scripted_sev1


@pytest.fixture
def sev1(log: IncidentLog, clock: FixedClock) -> str:
    clock.set(START)
    incident = scripted_sev1(log, clock)
    sev1_storm(log, incident, START - timedelta(minutes=1), repeats=1)
    pool = next(h for h in board.board(log, incident).hypotheses if "pool" in h.text.lower())
    triage_sev1(log, incident, pool.id)
    return incident


def test_the_replay_reads_back_with_the_incidents_own_offsets(log: IncidentLog, sev1: str) -> None:
    reading = read_scenario(replay_text(log, sev1), "replay")
    assert reading.blocking == []
    scenario = reading.scenario
    assert scenario is not None
    assert (
        scenario.setup.title == "EXERCISE (replay): Payments failing at checkout after deploy 4811"
    )
    assert scenario.setup.severity.value == "SEV1"
    assert any("38 % of card payments fail" in f for f in scenario.setup.facts)
    storm = next(i for i in scenario.injects if i.kind is InjectKind.ALERT_STORM)
    assert (storm.alertname, storm.count, storm.cause) == (
        "HighErrorRate", 40, "PgbouncerPoolExhausted",
    )  # fmt: skip
    findings = [(i.at, i.who, i.text) for i in scenario.injects
                if i.kind is InjectKind.FINDING_REVEALED]  # fmt: skip
    assert (
        timedelta(minutes=9),
        "bob",
        "pg_stat_activity: 200 of 200 connections busy",
    ) in findings
    notes = [i.text for i in scenario.injects if i.kind is InjectKind.NOTE]
    assert "Alert CheckoutLatencyP99 fires (24 alerts)." in notes
    offsets = [i.at for i in scenario.injects]
    assert offsets == sorted(offsets)  # in the order they happened


def test_a_drill_started_from_the_replay_fires_the_findings_on_time(
    log: IncidentLog, clock: FixedClock, sev1: str, tmp_path: Path
) -> None:
    path = write_replay(log, sev1, tmp_path / "replay.toml")
    with pytest.raises(ValidationError, match="exists already"):
        write_replay(log, sev1, path)
    started = clock.now()
    run = drills.start(log, str(path), author="fay")
    clock.set(started + timedelta(minutes=9, seconds=1))
    fired = {f.inject.kind for f in drills.tick(log, author="fay")}
    assert InjectKind.FINDING_REVEALED in fired
    assert InjectKind.ALERT_STORM in fired
    notes = [str(e.body["text"]) for e in log.events(run.incident.id) if e.kind is Kind.NOTE]
    assert "Finding revealed — bob: pg_stat_activity: 200 of 200 connections busy" in notes
    with pytest.raises(ValidationError, match="is a drill: replay a real incident"):
        replay_text(log, run.incident.id)
