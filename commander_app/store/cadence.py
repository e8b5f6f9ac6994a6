"""The stakeholder-update cadence in the log: sends and snoozes, and the policy in force.

Each action writes one comms event through `IncidentLog`, or refuses in the
user's words and writes nothing. The cadence itself is never stored: it is
recomputed from the events and the clock on every call, so a change to the
playbook's cadence applies at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commander_app.core import cadence as core
from commander_app.core.bodies import CommsBody
from commander_app.core.cadence import Adherence, Audience, AudienceCadence, CadencePolicy
from commander_app.core.errors import ValidationError
from commander_app.core.model import Event, IncidentState, Kind
from commander_app.core.update_facts import CarriedFact, UpdateFacts, carried_facts, latest_facts
from commander_app.store import environment, playbook
from commander_app.store.database import decoded
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import CADENCE_EVENTS_SQL, EVENT_COLUMNS, row_to_event


def comms_events(log: IncidentLog, incident_id: str) -> list[Event]:
    """The incident's comms events, in story order."""
    log.incident(incident_id)  # a clear error for an unknown incident
    # The partial index's own condition first, so SQLite reads `events_cadence`.
    return _events_where(
        log, incident_id, f"({CADENCE_EVENTS_SQL}) AND kind = '{Kind.COMMS.value}'"
    )


def facts(log: IncidentLog, incident_id: str) -> UpdateFacts:
    """What the last update said about impact, workaround and services."""
    return latest_facts(comms_events(log, incident_id))


def carried(log: IncidentLog, incident_id: str) -> list[CarriedFact]:
    """The impact and workaround of the last update that were written in an earlier
    phase: a draft shows where each came from and asks to confirm or clear it."""
    state = log.incident(incident_id)
    condition = f"(kind IN ('{Kind.COMMS.value}', '{Kind.STATUS.value}') OR supersedes IS NOT NULL)"
    return carried_facts(_events_where(log, incident_id, condition), state)


def _events_where(log: IncidentLog, incident_id: str, condition: str) -> list[Event]:
    """The `+` keeps SQLite from walking the whole story (`events_story`) for the order:
    it reads the few matching rows through the partial index and sorts them."""
    return decoded(
        log.conn,
        row_to_event,
        f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? AND {condition} "
        "ORDER BY +occurred_at, id",
        [incident_id],
    )


def cadence(
    log: IncidentLog, incident_id: str, policy: CadencePolicy, now: datetime | None = None
) -> list[AudienceCadence]:
    """Where each audience stands at `now` (default: the log's clock)."""
    return _cadence(log, log.incident(incident_id), policy, now or log.clock.now())


def adherence(
    log: IncidentLog, incident_id: str, policy: CadencePolicy, now: datetime | None = None
) -> dict[Audience, Adherence]:
    """Updates on time out of updates due, per audience, as of `now`."""
    state = log.incident(incident_id)
    comms, severities = cadence_events(log, incident_id)
    return core.adherence(state, comms, policy, now or log.clock.now(), severity_events=severities)


MAX_PROMISE = timedelta(days=7)  # the furthest next-update promise a sent update may make


def record_sent(
    log: IncidentLog,
    incident_id: str,
    audience: Audience,
    text: str,
    *,
    next_update_at: datetime | None = None,
    channel: str = "manual",
    author: str,
    at: datetime | None = None,
    facts: UpdateFacts | None = None,
) -> Event:
    """An update that went out by hand (or a channel Commander does not drive)."""
    sent_at = at or log.clock.now()
    if next_update_at is not None and next_update_at - sent_at > MAX_PROMISE:
        raise ValidationError(
            "The next update is promised more than a week after this one; a promise that "
            "far ahead is not a cadence. Give a time within the week (or none)."
        )
    body = core.sent_body(
        audience,
        text,
        sent_at=at or log.clock.now(),
        channel=channel,
        next_update_at=next_update_at,
    )
    if facts:
        body = {**body, **facts.body_fields()}
    return log.append(incident_id, Kind.COMMS, body, author=author, at=at)


def snooze(
    log: IncidentLog,
    incident_id: str,
    audience: Audience,
    minutes: int,
    reason: str,
    *,
    author: str,
    policy: CadencePolicy | None = None,
) -> Event:
    """Move an audience's reminder to `minutes` from now, with the reason in the log.

    `policy` defaults to the playbook's (see `load_policy`).

    Checked against the cadence as read inside the write transaction, so two
    people snoozing at once cannot both act on a stale picture.
    """

    in_force = policy or load_policy()

    def build(state: IncidentState) -> CommsBody:
        now = log.clock.now()
        current = _cadence(log, state, in_force, now)
        return core.snooze_body(
            current, audience, minutes, reason, severity=state.severity, now=now
        )

    return log.append_with(incident_id, Kind.COMMS, build, author=author)


def _cadence(
    log: IncidentLog, state: IncidentState, policy: CadencePolicy, now: datetime
) -> list[AudienceCadence]:
    comms, severities = cadence_events(log, state.id)
    return core.cadence_state(state, comms, policy, now, severity_events=severities)


def cadence_events(log: IncidentLog, incident_id: str) -> tuple[list[Event], list[Event]]:
    """The comms and severity events, each with the corrections that may void them."""
    events = _events_where(log, incident_id, f"({CADENCE_EVENTS_SQL})")
    return (
        [e for e in events if e.kind is not Kind.SEVERITY],
        [e for e in events if e.kind is Kind.SEVERITY or e.supersedes is not None],
    )


# -- the policy: the playbook's cadence ------------------------------------------------


def policy_path() -> Path:
    """The file the cadence is kept in (the playbook)."""
    return playbook.playbook_path()


def load_policy() -> CadencePolicy:
    """The cadence of the playbook in force (its last good version if the file broke)."""
    return playbook.in_force().playbook.cadence


def save_policy(policy: CadencePolicy) -> Path:
    """Write the cadence into the playbook in place, atomically."""
    return playbook.save_cadence(policy)


def stakeholder_zone(policy: CadencePolicy) -> tzinfo:
    """The readers' zone the policy names, or this machine's when it names none."""
    if policy.stakeholder_zone is None:
        return environment.local_zone()
    try:
        return ZoneInfo(policy.stakeholder_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone '{policy.stakeholder_zone}' in {policy_path()}: "
            "use a name such as Europe/Berlin or UTC."
        ) from None
