"""The drill's schedule as a fold of events at a given now: offsets, speed, pauses,
delays, skips and the three triggers. No clock runs: every answer is for a given time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from commander_app.core.drill_scenario_parse import read_scenario
from commander_app.core.drill_schedule import DrillClock, InjectState, schedule
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso

START = datetime(2026, 11, 28, 2, 47, tzinfo=UTC)
SCENARIO = """\
[setup]
title = "Payments failing"
service = "checkout"
severity = "SEV1"

[[inject]]
id = "storm"
at = "T+01:00"
kind = "alert_storm"
count = 3
alertname = "HighErrors"
cause = "ProviderTLS"

[[inject]]
id = "cto"
at = "T+06:00"
kind = "executive_asks"
who = "CTO"
text = "ETA?"

[[inject]]
id = "cdn"
trigger = { hypothesis_mentions = "cdn" }
kind = "finding_revealed"
text = "The CDN is fine."

[[inject]]
id = "rollback"
trigger = { rollback_decided = true }
kind = "note"
text = "Still failing."

[[inject]]
id = "late"
trigger = { no_first_update_by = "T+05:00" }
kind = "executive_asks"
who = "VP"
text = "Anything out yet?"
"""
scenario = read_scenario(SCENARIO, "payments").scenario
assert scenario is not None


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def event(kind: Kind, when_minutes: float, **body: Any) -> Event:
    when = to_iso(at(when_minutes))
    return Event(f"E{when_minutes:08.3f}{kind.value}", "I", kind, body, "t", "d", when, when)


def started(speed: float = 1.0) -> Event:
    return event(Kind.DRILL, 0, action="started", scenario="payments", speed=speed, text="go")


def control(action: str, when_minutes: float, **body: Any) -> Event:
    return event(Kind.DRILL, when_minutes, action=action, text=action, **body)


def states(events: list[Event], now_minutes: float) -> dict[str, InjectState]:
    assert scenario is not None
    found = schedule(scenario, events, at(now_minutes))
    return {s.inject.id: s.state for s in found.injects}


def test_offsets_fall_due_in_order_and_upcoming_ones_say_when() -> None:
    assert scenario is not None
    early = schedule(scenario, [started()], at(0.5))
    assert early.due == []
    assert [(s.inject.id, s.due_at) for s in early.upcoming[:2]] == [
        ("storm", at(1)),
        ("late", at(5)),
    ]
    later = schedule(scenario, [started()], at(6))
    assert [s.inject.id for s in later.due] == ["storm", "late", "cto"]  # late: T+05:00


def test_speed_runs_drill_time_faster() -> None:
    assert scenario is not None
    quick = schedule(scenario, [started(speed=4)], at(1.5))
    assert quick.drill_now == timedelta(minutes=6)
    assert [s.inject.id for s in quick.due] == ["storm", "late", "cto"]
    ahead = schedule(scenario, [started(speed=4)], at(0.1))
    assert ahead.of("cto").due_at == at(1.5)


def test_fired_and_skipped_are_done_and_not_due_again() -> None:
    events = [started(), control("fired", 1, inject="storm"), control("skipped", 2, inject="cto")]
    found = states(events, 10)
    assert found["storm"] is InjectState.FIRED
    assert found["cto"] is InjectState.SKIPPED


def test_a_delay_moves_the_inject_later_by_drill_minutes() -> None:
    events = [started(), control("delayed", 0.5, inject="storm", minutes=3)]
    assert states(events, 3.9)["storm"] is InjectState.UPCOMING
    assert states(events, 4)["storm"] is InjectState.DUE
    twice = [*events, control("delayed", 1, inject="storm", minutes=2)]
    assert states(twice, 5.9)["storm"] is InjectState.UPCOMING


def test_a_pause_stops_drill_time_and_resume_shifts_every_offset() -> None:
    assert scenario is not None
    paused = [started(), control("paused", 0.5)]
    held = schedule(scenario, paused, at(30))
    assert held.clock.paused
    assert held.drill_now == timedelta(minutes=0.5)
    assert held.due == []
    assert held.of("storm").due_at is None  # unknown until the drill resumes
    resumed = [*paused, control("resumed", 10.5)]
    running = schedule(scenario, resumed, at(10.9))
    assert running.of("storm").state is InjectState.UPCOMING
    assert running.of("storm").due_at == at(11)
    assert running.of("cto").due_at == at(16)
    assert [s.inject.id for s in schedule(scenario, resumed, at(11)).due] == ["storm"]


def test_triggers_wait_for_what_they_watch() -> None:
    events = [started()]
    assert states(events, 3)["cdn"] is InjectState.WAITING
    assert states(events, 3)["rollback"] is InjectState.WAITING
    watched = [
        *events,
        event(Kind.HYPOTHESIS, 2, text="The database pool is exhausted"),
        event(Kind.DECISION, 2.5, text="Keep", decision_kind="other"),
    ]
    assert states(watched, 3)["cdn"] is InjectState.WAITING
    assert states(watched, 3)["rollback"] is InjectState.WAITING
    met = [
        *watched,
        event(Kind.HYPOTHESIS, 3, text="Maybe the CDN config changed"),
        event(Kind.DECISION, 3.5, text="Roll back 4811", decision_kind="rollback"),
    ]
    assert states(met, 3.2)["cdn"] is InjectState.DUE
    assert states(met, 3.2)["rollback"] is InjectState.WAITING
    assert states(met, 4)["rollback"] is InjectState.DUE


def test_a_delayed_trigger_falls_due_after_its_trigger() -> None:
    events = [
        started(),
        control("delayed", 0.2, inject="cdn", minutes=2),
        event(Kind.HYPOTHESIS, 3, text="CDN?"),
    ]
    assert states(events, 4.9)["cdn"] is InjectState.UPCOMING
    assert states(events, 5)["cdn"] is InjectState.DUE


def test_no_first_update_by_is_not_needed_once_an_update_went_out_in_time() -> None:
    sent = event(Kind.COMMS, 4, action="sent", audience="internal", text="x", drill=True)
    assert states([started(), sent], 6)["late"] is InjectState.NOT_NEEDED
    too_late = event(Kind.COMMS, 5.5, action="sent", audience="internal", text="x")
    assert states([started(), too_late], 6)["late"] is InjectState.DUE
    queued = event(Kind.COMMS, 4, action="queued", audience="internal", text="x")
    assert states([started(), queued], 6)["late"] is InjectState.DUE


def test_the_clock_maps_both_ways_through_pauses() -> None:
    clock = DrillClock(START, 2.0, ((at(5), at(15)),))
    assert clock.drill_time(at(5)) == timedelta(minutes=10)
    assert clock.drill_time(at(14)) == timedelta(minutes=10)
    assert clock.drill_time(at(20)) == timedelta(minutes=20)
    assert clock.real_time(timedelta(minutes=20)) == at(20)
    assert clock.real_time(timedelta(minutes=4)) == at(2)
