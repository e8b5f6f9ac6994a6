"""Running a drill: start it from a scenario, fire, skip or delay its injects, pause and
resume it. Every control is a drill event in the incident's log, and the schedule is
folded from the log each time (`core.drill_schedule`), so a restarted Commander picks
the drill up where it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from commander_app.core import drill_injects
from commander_app.core.bodies import DrillBody
from commander_app.core.drill_scenario import Inject, Scenario
from commander_app.core.drill_schedule import (
    DONE,
    DrillAction,
    DrillSchedule,
    InjectState,
    ScheduledInject,
    schedule,
)
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.events import clean_name, opened_body
from commander_app.core.ids import new_ulid
from commander_app.core.model import IncidentState, Kind
from commander_app.store import alerts, drill_scenarios
from commander_app.store import playbook as playbook_store
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog

MAX_DELAY_MINUTES = 1440


@dataclass(frozen=True)
class DrillRun:
    """A drill as the log tells it now: its incident, scenario and schedule."""

    incident: IncidentState
    scenario: Scenario
    schedule: DrillSchedule


def start(
    log: IncidentLog,
    ref: str,
    *,
    author: str,
    speed: float | None = None,
    commander: str | None = None,
) -> DrillRun:
    """Open a drill incident from the scenario: its setup's title and severity, its facts
    as notes, and the scenario's name and digest, so the drill can be resumed and later
    reviewed against the very file it ran."""
    found, scenario = drill_scenarios.load(ref)
    pace = scenario.setup.speed if speed is None else speed
    if not 0 < pace <= 60:
        raise ValidationError("The drill's speed must be above 0 and at most 60.")
    opening = opened_body(scenario.setup.title, scenario.setup.severity, True, commander)
    opening["playbook"] = playbook_store.in_force().version_body()
    body: DrillBody = {
        "action": DrillAction.STARTED.value,
        "text": f"Drill started from the scenario {scenario.name}"
        + (f" at {pace:g}× speed" if pace != 1 else ""),
        "scenario": found.name,
        "digest": scenario.digest,
        "speed": float(pace),
    }
    incident_id = new_ulid(log.clock.now())
    with write_transaction(log.conn):  # the incident, its drill and its facts, or nothing
        log.append_in_transaction(incident_id, Kind.INCIDENT, dict(opening), author=author)
        log.append_in_transaction(incident_id, Kind.DRILL, body, author=author)
        for fact in scenario.setup.facts:
            log.append_in_transaction(
                incident_id, Kind.NOTE, {"text": f"Starting fact: {fact}"}, author=author
            )
    return run(log, incident_id)


def run(log: IncidentLog, incident_id: str | None = None) -> DrillRun:
    """The drill of `incident_id`, or the most recent open one."""
    incident = log.incident(incident_id) if incident_id else _latest_open_drill(log)
    events = log.events(incident.id)
    started = [
        e for e in events if e.kind is Kind.DRILL and e.body.get("action") == DrillAction.STARTED
    ]
    if not started:
        raise ValidationError(
            f"“{incident.title}” was not started from a scenario: start one with "
            "`commander drill start SCENARIO`."
        )
    ref, digest = str(started[0].body["scenario"]), str(started[0].body.get("digest", ""))
    _found, scenario = drill_scenarios.load(ref)
    if digest and scenario.digest != digest:
        raise ValidationError(
            f"The scenario {ref} has changed since this drill started (it was {digest}, "
            f"it is {scenario.digest} now): put the file back as it was, or start a new drill."
        )
    return DrillRun(incident, scenario, schedule(scenario, events, log.clock.now()))


def _latest_open_drill(log: IncidentLog) -> IncidentState:
    row = log.conn.execute(
        "SELECT i.id FROM incidents AS i WHERE i.is_drill = 1 AND i.status != 'resolved' "
        "AND EXISTS (SELECT 1 FROM events AS e WHERE e.incident_id = i.id "
        "AND e.kind = 'drill' AND json_extract(e.body, '$.action') = 'started') "
        "ORDER BY i.opened_at DESC, i.id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise NotFoundError("No drill is running: start one with `commander drill start SCENARIO`.")
    return log.incident(str(row[0]))


def fire(
    log: IncidentLog,
    inject_id: str,
    *,
    author: str,
    incident_id: str | None = None,
    by: str = "facilitator",
) -> ScheduledInject:
    """Write the inject's effect into the drill as real entries, with the drill event
    that says it fired, in one transaction. An inject fires once."""
    author = clean_name(author, "author")
    with write_transaction(log.conn):
        current = run(log, incident_id)
        scheduled = _open_inject(current, inject_id, "fired")
        inject = scheduled.inject
        _control(log, current, DrillAction.FIRED, inject, author, by=by)
        made = drill_injects.effect(
            current.scenario, inject, log.clock.now(), current.incident.commander
        )
        for note in made.notes:
            log.append_in_transaction(current.incident.id, Kind.NOTE, {"text": note}, author=author)
        if made.alerts:
            alerts.ingest_in_transaction(log, current.incident.id, made.alerts, author=author)
    return run(log, current.incident.id).schedule.of(inject.id)


def skip(
    log: IncidentLog, inject_id: str, *, author: str, incident_id: str | None = None
) -> ScheduledInject:
    with write_transaction(log.conn):
        current = run(log, incident_id)
        scheduled = _open_inject(current, inject_id, "skipped")
        _control(log, current, DrillAction.SKIPPED, scheduled.inject, author)
    return run(log, current.incident.id).schedule.of(inject_id)


def delay(
    log: IncidentLog,
    inject_id: str,
    minutes: int,
    *,
    author: str,
    incident_id: str | None = None,
) -> ScheduledInject:
    """Push the inject back by `minutes` of drill time (after its trigger, for a
    triggered one)."""
    if not 1 <= minutes <= MAX_DELAY_MINUTES:
        raise ValidationError(f"Delay an inject by 1 to {MAX_DELAY_MINUTES} minutes.")
    with write_transaction(log.conn):
        current = run(log, incident_id)
        scheduled = _open_inject(current, inject_id, "delayed")
        _control(log, current, DrillAction.DELAYED, scheduled.inject, author, minutes=minutes)
    return run(log, current.incident.id).schedule.of(inject_id)


def pause(log: IncidentLog, *, author: str, incident_id: str | None = None) -> DrillRun:
    """Drill time stands still: nothing falls due until the drill is resumed."""
    with write_transaction(log.conn):
        current = run(log, incident_id)
        if current.schedule.clock.paused:
            raise ValidationError("The drill is paused already: resume it with `drill resume`.")
        _control(log, current, DrillAction.PAUSED, None, author)
    return run(log, current.incident.id)


def resume(log: IncidentLog, *, author: str, incident_id: str | None = None) -> DrillRun:
    with write_transaction(log.conn):
        current = run(log, incident_id)
        if not current.schedule.clock.paused:
            raise ValidationError("The drill is not paused.")
        _control(log, current, DrillAction.RESUMED, None, author)
    return run(log, current.incident.id)


def tick(log: IncidentLog, *, author: str, incident_id: str | None = None) -> list[ScheduledInject]:
    """Fire whatever is due now, in the order it fell due (what a facilitator's loop or
    the window's timer calls). Nothing fires while the drill is paused."""
    current = run(log, incident_id)
    fired = []
    for due in current.schedule.due:
        try:
            fired.append(
                fire(
                    log,
                    due.inject.id,
                    author=author,
                    incident_id=current.incident.id,
                    by="schedule",
                )
            )
        except ValidationError:
            continue  # another window or terminal fired or skipped it a moment ago
    return fired


def _open_inject(current: DrillRun, inject_id: str, doing: str) -> ScheduledInject:
    current.scenario.inject(inject_id)  # an unknown id is refused with the known ones
    scheduled = current.schedule.of(inject_id)
    if scheduled.state in DONE:
        raise ValidationError(
            f"The inject '{inject_id}' is {scheduled.state.value} already; it cannot be "
            f"{doing} now."
        )
    return scheduled


def _control(
    log: IncidentLog,
    current: DrillRun,
    action: DrillAction,
    inject: Inject | None,
    author: str,
    *,
    by: str | None = None,
    minutes: int | None = None,
) -> None:
    body: DrillBody = {"action": action.value, "text": _control_text(action, inject, minutes)}
    if inject is not None:
        body["inject"] = inject.id
    if action is DrillAction.FIRED and inject is not None:
        body["inject_kind"] = inject.kind.value
        body["by"] = "schedule" if by == "schedule" else "facilitator"
    if minutes is not None:
        body["minutes"] = minutes
    log.append_in_transaction(current.incident.id, Kind.DRILL, body, author=author)


def _control_text(action: DrillAction, inject: Inject | None, minutes: int | None) -> str:
    if action is DrillAction.PAUSED:
        return "Drill paused"
    if action is DrillAction.RESUMED:
        return "Drill resumed"
    name = inject.id if inject else ""
    kind = inject.kind.value.replace("_", " ") if inject else ""
    if action is DrillAction.DELAYED:
        return f"Drill inject {name} delayed by {minutes} min"
    return f"Drill inject {name} ({kind}) {action.value}"


def state_counts(current: DrillRun) -> dict[InjectState, int]:
    counts = dict.fromkeys(InjectState, 0)
    for scheduled in current.schedule.injects:
        counts[scheduled.state] += 1
    return counts
