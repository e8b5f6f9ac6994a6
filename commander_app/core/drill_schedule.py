"""Which injects of a drill are due, upcoming or done: a fold of the incident's events.

Nothing is kept in memory: the drill's start, pauses, delays, fired and skipped injects
are drill events in the log, and the triggers watch the incident's own events, so a
Commander restarted mid-drill answers exactly as before. Drill time runs `speed` times
as fast as the wall clock and stands still while the drill is paused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from commander_app.core.drill_scenario import Inject, Scenario, TriggerKind, format_offset
from commander_app.core.model import CommsAction, DecisionKind, Entry, Kind, story_order
from commander_app.core.times import from_iso


class DrillAction(StrEnum):
    STARTED = "started"
    FIRED = "fired"
    SKIPPED = "skipped"
    DELAYED = "delayed"
    PAUSED = "paused"
    RESUMED = "resumed"


class InjectState(StrEnum):
    DUE = "due"  # its time has come: the next tick fires it
    UPCOMING = "upcoming"  # at a known drill time still ahead
    WAITING = "waiting"  # for its trigger
    FIRED = "fired"
    SKIPPED = "skipped"
    NOT_NEEDED = "not needed"  # its trigger can no longer happen (the update went out)


DONE = frozenset({InjectState.FIRED, InjectState.SKIPPED, InjectState.NOT_NEEDED})


@dataclass(frozen=True)
class DrillClock:
    """Drill time from wall-clock time and back, through the pauses."""

    started_at: datetime
    speed: float
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    def drill_time(self, at: datetime) -> timedelta:
        running = at - self.started_at
        for begun, ended in self.pauses:
            stop = min(ended or at, at)
            if stop > begun:
                running -= stop - begun
        return max(running, timedelta()) * self.speed

    def real_time(self, offset: timedelta) -> datetime | None:
        """When drill time reaches `offset`; None while a pause holds it back."""
        left = offset / self.speed
        moment = self.started_at
        for begun, ended in self.pauses:
            if moment + left <= begun:
                return moment + left
            left -= begun - moment
            if ended is None:
                return None
            moment = ended
        return moment + left


@dataclass(frozen=True)
class ScheduledInject:
    inject: Inject
    state: InjectState
    due_offset: timedelta | None = None  # drill time it is (or was) due at, once known
    due_at: datetime | None = None  # the wall-clock time of that, while the drill runs
    done_at: datetime | None = None  # when it was fired or skipped
    delayed_minutes: int = 0

    def describe_when(self) -> str:
        if self.due_offset is not None:
            return format_offset(self.due_offset)
        return self.inject.when()


@dataclass(frozen=True)
class DrillSchedule:
    clock: DrillClock
    drill_now: timedelta
    injects: tuple[ScheduledInject, ...]

    def _in(self, *states: InjectState) -> list[ScheduledInject]:
        return [s for s in self.injects if s.state in states]

    @property
    def due(self) -> list[ScheduledInject]:
        """In the order they became due; nothing is due while the drill is paused."""
        if self.clock.paused:
            return []
        ready = self._in(InjectState.DUE)
        return sorted(ready, key=lambda s: s.due_offset or timedelta())

    @property
    def upcoming(self) -> list[ScheduledInject]:
        known = sorted(self._in(InjectState.UPCOMING), key=lambda s: s.due_offset or timedelta())
        return known + self._in(InjectState.WAITING)

    @property
    def done(self) -> list[ScheduledInject]:
        return self._in(*DONE)

    def of(self, inject_id: str) -> ScheduledInject:
        for scheduled in self.injects:
            if scheduled.inject.id == inject_id:
                return scheduled
        raise KeyError(inject_id)


@dataclass(frozen=True)
class _Control:
    action: DrillAction
    at: datetime
    inject: str
    minutes: int


def drill_controls(events: Iterable[Entry]) -> list[_Control]:
    """The drill events of an incident, in story order."""
    found = []
    for event in sorted((e for e in events if e.kind is Kind.DRILL), key=story_order):
        body = event.body
        found.append(
            _Control(
                DrillAction(str(body.get("action"))),
                from_iso(event.occurred_at),
                str(body.get("inject", "")),
                int(body.get("minutes", 0) or 0),
            )
        )
    return found


def drill_clock(events: Iterable[Entry]) -> DrillClock | None:
    """The drill's clock from its start and pauses; None when no drill was started."""
    controls = drill_controls(events)
    started = [c for c in controls if c.action is DrillAction.STARTED]
    if not started:
        return None
    speed = _speed(events)
    pauses: list[tuple[datetime, datetime | None]] = []
    for control in controls:
        if control.action is DrillAction.PAUSED and not (pauses and pauses[-1][1] is None):
            pauses.append((control.at, None))
        elif control.action is DrillAction.RESUMED and pauses and pauses[-1][1] is None:
            pauses[-1] = (pauses[-1][0], control.at)
    return DrillClock(started[0].at, speed, tuple(pauses))


def _speed(events: Iterable[Entry]) -> float:
    for event in events:
        if event.kind is Kind.DRILL and event.body.get("action") == DrillAction.STARTED:
            return float(event.body.get("speed", 1.0) or 1.0)
    return 1.0


def schedule(scenario: Scenario, events: Sequence[Entry], now: datetime) -> DrillSchedule:
    """Every inject's state at `now`, from the incident's events alone."""
    clock = drill_clock(events)
    if clock is None:
        raise ValueError("no drill was started in these events")
    controls = drill_controls(events)
    drill_now = clock.drill_time(now)
    story = sorted(
        (
            e
            for e in events
            if e.kind is not Kind.DRILL and clock.started_at <= from_iso(e.occurred_at) <= now
        ),
        key=story_order,
    )
    scheduled = []
    for inject in scenario.injects:
        mine = [c for c in controls if c.inject == inject.id]
        delay = sum(c.minutes for c in mine if c.action is DrillAction.DELAYED)
        finished = [c for c in mine if c.action in (DrillAction.FIRED, DrillAction.SKIPPED)]
        if finished:
            last = finished[-1]
            state = InjectState.FIRED if last.action is DrillAction.FIRED else InjectState.SKIPPED
            scheduled.append(ScheduledInject(inject, state, done_at=last.at, delayed_minutes=delay))
            continue
        offset, needed = _due_offset(inject, clock, story)
        if not needed:
            scheduled.append(ScheduledInject(inject, InjectState.NOT_NEEDED, delayed_minutes=delay))
            continue
        if offset is None:
            scheduled.append(ScheduledInject(inject, InjectState.WAITING, delayed_minutes=delay))
            continue
        offset += timedelta(minutes=delay)
        state = InjectState.DUE if drill_now >= offset else InjectState.UPCOMING
        due_at = clock.real_time(offset)
        scheduled.append(ScheduledInject(inject, state, offset, due_at, delayed_minutes=delay))
    return DrillSchedule(clock, drill_now, tuple(scheduled))


def _due_offset(
    inject: Inject, clock: DrillClock, story: Sequence[Entry]
) -> tuple[timedelta | None, bool]:
    """The drill time the inject falls due at (None: its trigger has not happened), and
    whether it can still be needed. `story`: the incident's events from the start to now."""
    if inject.at is not None:
        return inject.at, True
    trigger = inject.trigger
    assert trigger is not None  # the parser gives every inject a time or a trigger
    if trigger.kind is TriggerKind.NO_FIRST_UPDATE_BY:
        by = trigger.by or timedelta()
        for event in story:
            if event.kind is Kind.COMMS and event.body.get("action") == CommsAction.SENT:
                sent_at = clock.drill_time(from_iso(event.occurred_at))
                return (by, sent_at > by)
        return by, True
    for event in story:
        if _triggers(trigger.kind, trigger.words, event):
            return clock.drill_time(from_iso(event.occurred_at)), True
    return None, True


def _triggers(kind: TriggerKind, words: str, event: Entry) -> bool:
    if kind is TriggerKind.HYPOTHESIS_MENTIONS:
        text = str(event.body.get("text", ""))
        return event.kind is Kind.HYPOTHESIS and words.casefold() in text.casefold()
    return (
        event.kind is Kind.DECISION
        and event.body.get("decision_kind") == DecisionKind.ROLLBACK
        and event.body.get("ref") is None
    )
