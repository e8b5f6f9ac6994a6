"""The stakeholder-update cadence: which audience is owed an update, and by when.

Everything here is derived from the incident's comms and severity events and
the `now` passed in, on every call, never from a counter: the answer is the
same after a restart, a laptop sleep or a crash.

The rules, as an incident commander expects them:

- The cadence starts when the incident was called (`opened_at`, not the
  impact start: nobody can be late for an update before the incident
  existed). The first update to each audience with a schedule at the current
  severity is due `first_update` (5 min) after that.
- After an update, the next is due one interval later, the interval of the
  current severity. An update sent more than `long_after` into the incident
  switches to the slower "long incident" interval where the policy has one.
- An update may promise the next ("next update by 14:30"); the promise is the
  due time instead of the interval.
- An escalation that gives an audience a schedule it did not have makes its
  first update due `first_update` after the escalation, not after the
  incident start (that moment had passed before anyone owed them anything).
- A snooze (with a reason, logged) moves the reminder to the snooze time plus
  its minutes; it never brings a due time forward.
- A resolved incident has no more reminders, except one final update for
  each audience that had at least one update, due `first_update` after the
  resolution.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from commander_app.core.bodies import CommsBody, read_comms, read_severity
from commander_app.core.cadence_policy import CadencePolicy, whole_minutes
from commander_app.core.errors import ValidationError
from commander_app.core.events import MAX_TITLE, check_snooze_minutes, clean_name, clean_text
from commander_app.core.model import (
    Audience,
    CommsAction,
    Event,
    IncidentState,
    Kind,
    Severity,
    Status,
)
from commander_app.core.times import format_countdown, from_iso, to_iso

__all__ = [
    "Adherence",
    "Audience",
    "AudienceCadence",
    "CadencePolicy",
    "CadenceStatus",
    "adherence",
    "cadence_state",
    "sent_body",
    "snooze_body",
]


class CadenceStatus(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"  # within the policy's amber_before of the due time
    OVERDUE = "overdue"
    SNOOZED = "snoozed"  # a snooze moved the due time and has not run out
    RESOLVED_FINAL_DUE = "resolved_final_due"  # resolved: the final update is still to send
    DONE = "done"  # resolved and the final update sent
    NOT_SCHEDULED = "not_scheduled"  # no schedule now (severity, or resolved with no updates)


@dataclass(frozen=True)
class AudienceCadence:
    """Where one audience stands. Times are UTC ISO-8601; `seconds_left` < 0 is overdue."""

    audience: Audience
    status: CadenceStatus
    due_at: str | None
    seconds_left: float | None
    last_update_at: str | None
    interval: timedelta | None  # at the current severity and mode
    promised: bool = False  # the due time is the "next update by" the last update promised
    snoozed_until: str | None = None
    snooze_reason: str | None = None
    long_incident: bool = False

    @property
    def overdue(self) -> bool:
        """Past its due time: an update, or the final update after the resolution."""
        late = self.seconds_left is not None and self.seconds_left < 0
        return self.status is CadenceStatus.OVERDUE or (
            self.status is CadenceStatus.RESOLVED_FINAL_DUE and late
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "audience": self.audience.value,
            "status": self.status.value,
            "due_at": self.due_at,
            "seconds_left": self.seconds_left,
            "last_update_at": self.last_update_at,
            "interval_minutes": whole_minutes(self.interval) if self.interval else None,
            "promised": self.promised,
            "snoozed_until": self.snoozed_until,
            "snooze_reason": self.snooze_reason,
            "long_incident": self.long_incident,
        }


@dataclass(frozen=True)
class Adherence:
    """Updates on time out of updates due, for one audience (see `adherence`)."""

    due: int
    on_time: int

    @property
    def missed(self) -> int:
        return self.due - self.on_time

    @property
    def ratio(self) -> float | None:
        return self.on_time / self.due if self.due else None


# -- reading the events ------------------------------------------------------------


@dataclass(frozen=True)
class _Send:
    at: datetime
    key: tuple[str, str]
    promise: datetime | None


@dataclass(frozen=True)
class _Snooze:
    at: datetime
    key: tuple[str, str]
    until: datetime
    reason: str


@dataclass
class _Story:
    """One audience's sends and snoozes, in story order."""

    sends: list[_Send] = field(default_factory=list)
    snoozes: list[_Snooze] = field(default_factory=list)


def _stories(events: Iterable[Event], now: datetime) -> dict[Audience, _Story]:
    """Sent and snoozed updates per audience, up to `now`; corrected entries give way."""
    ordered = sorted(events, key=lambda e: e.sort_key)
    superseded = {e.supersedes for e in ordered if e.supersedes}
    stories: dict[Audience, _Story] = {}
    for event in ordered:
        if event.kind is not Kind.COMMS or event.id in superseded:
            continue
        body = read_comms(event)
        try:
            audience = Audience(str(body.get("audience")))
        except ValueError:
            continue  # a comms entry about no audience in particular
        at = from_iso(event.occurred_at)
        if at > now:
            continue
        story = stories.setdefault(audience, _Story())
        if body.get("action") == CommsAction.SENT:
            promise = body.get("next_update_at")
            story.sends.append(_Send(at, event.sort_key, from_iso(promise) if promise else None))
        elif body.get("action") == CommsAction.SNOOZED:
            minutes = cast(int, body["minutes"])  # every snooze has them (validate_body)
            until = at + timedelta(minutes=int(minutes))
            story.snoozes.append(_Snooze(at, event.sort_key, until, str(body.get("reason", ""))))
    return stories


@dataclass(frozen=True)
class _Incident:
    """The incident's clock: when it was called, its severity over time, its resolution."""

    start: datetime
    severities: list[tuple[datetime, Severity]]  # (since, severity); the first since start
    resolved_at: datetime | None
    policy: CadencePolicy

    @classmethod
    def read(
        cls,
        state: IncidentState,
        severity_events: Iterable[Event],
        policy: CadencePolicy,
        now: datetime,
    ) -> _Incident:
        start = from_iso(state.opened_at) if state.opened_at else now
        given = list(severity_events)
        superseded = {e.supersedes for e in given if e.supersedes}
        changes = sorted(
            (e for e in given if e.kind is Kind.SEVERITY and e.id not in superseded),
            key=lambda e: e.sort_key,
        )
        if changes:
            initial = _severity_or(read_severity(changes[0]).get("from"), state.severity)
        else:
            initial = state.severity
        severities = [(start, initial)]
        for event in changes:
            since = max(start, from_iso(event.occurred_at))
            severity = _severity_or(read_severity(event).get("severity"), severities[-1][1])
            if since == severities[-1][0]:
                severities[-1] = (since, severity)
            else:
                severities.append((since, severity))
        resolved = state.status is Status.RESOLVED and state.resolved_at is not None
        resolved_at = from_iso(state.resolved_at) if resolved and state.resolved_at else None
        return cls(start, severities, resolved_at, policy)

    def severity_at(self, moment: datetime) -> Severity:
        current = self.severities[0][1]
        for since, severity in self.severities:
            if since > moment:
                break
            current = severity
        return current

    def schedule_began(self, audience: Audience, moment: datetime) -> datetime | None:
        """When the unbroken stretch in which `audience` has a schedule began, up to
        `moment`; None when it has none at `moment`."""
        began: datetime | None = None
        for since, severity in self.severities:
            if since > moment:
                break
            if not self.policy.is_scheduled(severity, audience):
                began = None
            elif began is None:
                began = since
        return began

    def changes_between(self, after: datetime, before: datetime) -> list[datetime]:
        return [since for since, _ in self.severities if after < since < before]

    def is_long(self, moment: datetime) -> bool:
        return moment - self.start >= self.policy.long_after

    def due_in_force(
        self, audience: Audience, moment: datetime, last: _Send | None
    ) -> datetime | None:
        """The due time as it stood at `moment`, after the update `last` (snoozes aside)."""
        began = self.schedule_began(audience, moment)
        if began is None:
            return None
        earliest = began + self.policy.first_update
        if last is None:
            return earliest
        if last.promise is not None:
            return last.promise
        interval = self.policy.interval(
            self.severity_at(moment), audience, long_incident=self.is_long(last.at)
        )
        assert interval is not None  # scheduled at `moment`, as `began` says
        return max(last.at + interval, earliest)


def _severity_or(value: object, fallback: Severity) -> Severity:
    try:
        return Severity(str(value))
    except ValueError:
        return fallback


# -- the cadence now ------------------------------------------------------------------


def cadence_state(
    state: IncidentState,
    comms_events: Sequence[Event],
    policy: CadencePolicy,
    now: datetime,
    *,
    severity_events: Sequence[Event] = (),
) -> list[AudienceCadence]:
    """Each audience with a schedule at the current severity, or with updates already,
    in the order internal, executives, customers.

    `comms_events` and `severity_events` are the incident's events of those kinds;
    other kinds among them count only as corrections, which void the entry they
    correct, as everywhere in the log. Without severity events the current
    severity is taken to have held since the start. Events after `now` are not
    counted.
    """
    incident = _Incident.read(state, severity_events, policy, now)
    stories = _stories(comms_events, now)
    current = incident.severity_at(now)
    result = []
    for audience in Audience:
        story = stories.get(audience, _Story())
        if not (policy.is_scheduled(current, audience) or story.sends or story.snoozes):
            continue
        if incident.resolved_at is not None:
            result.append(_after_resolution(incident, audience, story, now))
        else:
            result.append(_while_open(incident, audience, story, now))
    return result


def _while_open(
    incident: _Incident, audience: Audience, story: _Story, now: datetime
) -> AudienceCadence:
    last = story.sends[-1] if story.sends else None
    last_at = to_iso(last.at) if last else None
    long_incident = incident.is_long(last.at) if last else False
    interval = incident.policy.interval(
        incident.severity_at(now), audience, long_incident=long_incident
    )
    due = incident.due_in_force(audience, now, last)
    if due is None:
        return AudienceCadence(
            audience, CadenceStatus.NOT_SCHEDULED, None, None, last_at, None, long_incident=False
        )
    snooze = next((s for s in reversed(story.snoozes) if last is None or s.key > last.key), None)
    snoozed = snooze is not None and snooze.until > due
    if snooze is not None and snoozed:
        due = snooze.until
    seconds_left = (due - now).total_seconds()
    if snoozed and seconds_left > 0:
        status = CadenceStatus.SNOOZED
    elif seconds_left < 0:
        status = CadenceStatus.OVERDUE
    elif seconds_left <= incident.policy.amber_before.total_seconds():
        status = CadenceStatus.DUE_SOON
    else:
        status = CadenceStatus.ON_TIME
    return AudienceCadence(
        audience,
        status,
        to_iso(due),
        seconds_left,
        last_at,
        interval,
        promised=last is not None and last.promise is not None and not snoozed,
        snoozed_until=to_iso(snooze.until) if snooze is not None and snoozed else None,
        snooze_reason=snooze.reason if snooze is not None and snoozed else None,
        long_incident=long_incident,
    )


def _after_resolution(
    incident: _Incident, audience: Audience, story: _Story, now: datetime
) -> AudienceCadence:
    resolved_at = incident.resolved_at
    assert resolved_at is not None
    before = [s for s in story.sends if s.at < resolved_at]
    final = next((s for s in story.sends if s.at >= resolved_at), None)
    if not before:
        last_at = to_iso(final.at) if final else None
        return AudienceCadence(audience, CadenceStatus.NOT_SCHEDULED, None, None, last_at, None)
    if final is not None:
        return AudienceCadence(audience, CadenceStatus.DONE, None, None, to_iso(final.at), None)
    due = resolved_at + incident.policy.first_update
    return AudienceCadence(
        audience,
        CadenceStatus.RESOLVED_FINAL_DUE,
        to_iso(due),
        (due - now).total_seconds(),
        to_iso(before[-1].at),
        None,
    )


# -- adherence, for the postmortem ---------------------------------------------------


def adherence(
    state: IncidentState,
    comms_events: Sequence[Event],
    policy: CadencePolicy,
    now: datetime,
    *,
    severity_events: Sequence[Event] = (),
) -> dict[Audience, Adherence]:
    """Updates on time out of updates due, per audience that had a schedule or updates.

    Between two updates (and from the start to the first) there is one due
    time: the one in force as the cadence showed it (interval, promise,
    severity at the time). It counts as due once it has passed or an update
    met it, and as on time if an update was sent at or before it. Time spent
    overdue counts once, not once per missed interval. A snooze moves the
    reminder, not the obligation: it never makes an update on time. After a
    resolution the final update counts as one more, due `first_update` later,
    for each audience that had updates. Events after `now` are not counted.
    """
    incident = _Incident.read(state, severity_events, policy, now)
    stories = _stories(comms_events, now)
    end = min(now, incident.resolved_at) if incident.resolved_at else now
    result: dict[Audience, Adherence] = {}
    for audience in Audience:
        story = stories.get(audience, _Story())
        ever = any(policy.is_scheduled(s, audience) for _, s in incident.severities)
        if not (ever or story.sends):
            continue
        due = on_time = 0
        for met in _obligations(incident, audience, story.sends, end):
            due += 1
            on_time += met
        if incident.resolved_at is not None and any(
            s.at < incident.resolved_at for s in story.sends
        ):
            final_due = incident.resolved_at + policy.first_update
            final = next((s for s in story.sends if s.at >= incident.resolved_at), None)
            if final is not None or final_due < now:
                due += 1
                on_time += final is not None and final.at <= final_due
        result[audience] = Adherence(due=due, on_time=on_time)
    return result


def _obligations(
    incident: _Incident, audience: Audience, sends: list[_Send], end: datetime
) -> Iterator[bool]:
    """For each update cycle up to `end` that counts as due: whether it was met on time."""
    last: _Send | None = None
    cycle_start = incident.start
    for send in [*(s for s in sends if s.at <= end), None]:
        cycle_end = send.at if send is not None else end
        if cycle_end >= cycle_start:
            missed = _first_miss(incident, audience, last, cycle_start, cycle_end)
            if missed:
                yield False
            elif send is not None and incident.due_in_force(audience, send.at, last) is not None:
                yield True
        if send is not None:
            last = send
            cycle_start = max(cycle_start, send.at)


def _first_miss(
    incident: _Incident,
    audience: Audience,
    last: _Send | None,
    cycle_start: datetime,
    cycle_end: datetime,
) -> bool:
    """True if the due time in force passed within [cycle_start, cycle_end)."""
    starts = [cycle_start, *incident.changes_between(cycle_start, cycle_end)]
    for index, since in enumerate(starts):
        until = starts[index + 1] if index + 1 < len(starts) else cycle_end
        due = incident.due_in_force(audience, since, last)
        if due is not None and due < until:
            return True
    return False


# -- the bodies of the events the communicator writes ---------------------------------


def sent_body(
    audience: Audience,
    text: str,
    *,
    sent_at: datetime,
    channel: str = "manual",
    next_update_at: datetime | None = None,
) -> CommsBody:
    """An update that went out; a promised next update must come after it."""
    body: CommsBody = {
        "text": clean_text(text, "update text"),
        "audience": audience.value,
        "action": CommsAction.SENT.value,
        "channel": clean_name(channel, "channel"),
    }
    if next_update_at is not None:
        if next_update_at <= sent_at:
            raise ValidationError(
                "The next update must be promised for a time after this update, not before."
            )
        body["next_update_at"] = to_iso(next_update_at)
    return body


def snooze_body(
    current: Sequence[AudienceCadence],
    audience: Audience,
    minutes: int,
    reason: str,
    *,
    severity: Severity,
    now: datetime,
) -> CommsBody:
    """A logged snooze, refused when there is no reminder to snooze or it would not move."""
    minutes = check_snooze_minutes(minutes)
    why = clean_text(reason, "reason for the snooze", MAX_TITLE)
    if "\n" in why:
        raise ValidationError("The reason for the snooze must be a single line.")
    entry = next((c for c in current if c.audience is audience), None)
    if entry is None or entry.status is CadenceStatus.NOT_SCHEDULED:
        raise ValidationError(
            f"There are no scheduled {audience.value} updates at {severity.value}; "
            "nothing to snooze."
        )
    if entry.status in (CadenceStatus.RESOLVED_FINAL_DUE, CadenceStatus.DONE):
        raise ValidationError("The incident is resolved: there are no reminders left to snooze.")
    assert entry.due_at is not None
    due = from_iso(entry.due_at)
    if now + timedelta(minutes=minutes) <= due:
        raise ValidationError(
            f"The {audience.value} update is not due for another "
            f"{format_countdown((due - now).total_seconds())}; a {minutes}-minute snooze "
            "would not move it."
        )
    return {
        "text": f"Snoozed the {audience.value} update for {minutes} min: {why}",
        "audience": audience.value,
        "action": CommsAction.SNOOZED.value,
        "minutes": minutes,
        "reason": why,
    }


def suggested_next_update(
    state: IncidentState, policy: CadencePolicy, audience: Audience, now: datetime
) -> datetime | None:
    """When an update sent now should promise the next one: now plus the audience's
    interval at the current severity (the long-incident one once the incident is
    long). None when the audience has no schedule or the incident is resolved."""
    if not state.is_open or state.opened_at is None:
        return None
    long_incident = now - from_iso(state.opened_at) >= policy.long_after
    interval = policy.interval(state.severity, audience, long_incident=long_incident)
    return now + interval if interval is not None else None
