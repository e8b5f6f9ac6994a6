"""The stakeholder-update cadence: who is owed an update and by when, from events and a clock."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from commander_app.core.cadence import (
    Adherence,
    Audience,
    AudienceCadence,
    CadencePolicy,
    CadenceStatus,
    adherence,
    cadence_state,
    sent_body,
    snooze_body,
    suggested_next_update,
)
from commander_app.core.errors import ValidationError
from commander_app.core.events import event_text, validate_body
from commander_app.core.model import Event, IncidentState, Kind, Severity, Status
from commander_app.core.times import to_iso

START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
INTERNAL, EXECUTIVES, CUSTOMERS = Audience.INTERNAL, Audience.EXECUTIVES, Audience.CUSTOMERS
_ids = itertools.count()


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def iso(minutes: float) -> str:
    return to_iso(at(minutes))


def event(kind: Kind, minutes: float, body: dict[str, Any]) -> Event:
    return Event(
        id=f"01KB{next(_ids):022d}",
        incident_id="incident",
        kind=kind,
        body=body,
        author="dana",
        device_id="device-test",
        occurred_at=iso(minutes),
        recorded_at=iso(minutes),
    )


def sent(audience: Audience, minutes: float, promise: float | None = None) -> Event:
    body = sent_body(
        audience,
        "We are rolling back release 42.",
        sent_at=at(minutes),
        next_update_at=at(promise) if promise is not None else None,
    )
    return event(Kind.COMMS, minutes, body)


def snoozed(audience: Audience, minutes: float, length: int, reason: str = "DB team") -> Event:
    body = {
        "text": f"Snoozed the {audience} update for {length} min: {reason}",
        "audience": audience.value,
        "action": "snoozed",
        "minutes": length,
        "reason": reason,
    }
    return event(Kind.COMMS, minutes, body)


def severity_change(minutes: float, old: Severity, new: Severity) -> Event:
    return event(Kind.SEVERITY, minutes, {"severity": new.value, "from": old.value})


def incident(severity: Severity = Severity.SEV1, resolved_at: float | None = None) -> IncidentState:
    return IncidentState(
        id="incident",
        title="Checkout 500s",
        severity=severity,
        status=Status.RESOLVED if resolved_at is not None else Status.INVESTIGATING,
        opened_at=iso(0),
        impact_started_at=iso(-30),  # the cadence starts at the call, not at the impact
        resolved_at=iso(resolved_at) if resolved_at is not None else None,
    )


def rows(
    state: IncidentState,
    comms: Sequence[Event],
    now: float,
    *,
    policy: CadencePolicy | None = None,
    severities: Sequence[Event] = (),
) -> dict[Audience, AudienceCadence]:
    result = cadence_state(
        state, comms, policy or CadencePolicy(), at(now), severity_events=severities
    )
    return {row.audience: row for row in result}


# -- the policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "normal", "long"),
    [
        (Severity.SEV1, {"internal": 20, "executives": 30, "customers": 30}, {"internal": 60}),
        (Severity.SEV2, {"internal": 30, "executives": 60, "customers": 60}, {}),
        (Severity.SEV3, {"internal": 60}, {}),
        (Severity.SEV4, {}, {}),
    ],
)
def test_default_intervals_per_severity(
    severity: Severity, normal: dict[str, int], long: dict[str, int]
) -> None:
    policy = CadencePolicy()
    for audience in Audience:
        expected = normal.get(audience.value)
        interval = policy.interval(severity, audience)
        assert interval == (timedelta(minutes=expected) if expected else None), audience
        long_interval = policy.interval(severity, audience, long_incident=True)
        expected_long = long.get(audience.value, expected)
        assert long_interval == (timedelta(minutes=expected_long) if expected_long else None)
    assert policy.first_update == timedelta(minutes=5)
    assert policy.long_after == timedelta(hours=2)
    assert policy.amber_before == timedelta(minutes=5)


def test_policy_round_trips_and_a_partial_file_keeps_the_defaults() -> None:
    policy = CadencePolicy()
    assert CadencePolicy.from_dict(policy.to_dict()) == policy
    assert policy.to_dict()["intervals"]["SEV1"] == {
        "internal": 20,
        "executives": 30,
        "customers": 30,
    }

    edited = CadencePolicy.from_dict(
        {
            "amber_before_minutes": 10,
            "intervals": {"sev2": {"internal": 15, "execs": 45}, "SEV4": {}},
            "long_intervals": {"2": {"internal": 40}},
        }
    )
    assert edited.amber_before == timedelta(minutes=10)
    assert edited.first_update == timedelta(minutes=5)
    assert edited.interval(Severity.SEV2, INTERNAL) == timedelta(minutes=15)
    assert edited.interval(Severity.SEV2, INTERNAL, long_incident=True) == timedelta(minutes=40)
    assert edited.interval(Severity.SEV2, CUSTOMERS) is None  # the listed row replaces it
    assert edited.interval(Severity.SEV1, EXECUTIVES) == timedelta(minutes=30)  # untouched
    assert edited.interval(Severity.SEV1, INTERNAL, long_incident=True) == timedelta(minutes=60)
    assert CadencePolicy.from_dict(edited.to_dict()) == edited


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object"),
        ({"amber": 3}, "Unknown setting 'amber'"),
        ({"version": 2}, "version 2 is not one this Commander reads"),
        ({"first_update_minutes": 0}, "first_update_minutes must be whole minutes from 1 to 60"),
        ({"long_after_minutes": True}, "long_after_minutes must be whole minutes"),
        ({"amber_before_minutes": 2.5}, "amber_before_minutes must be whole minutes"),
        ({"intervals": []}, "intervals must map severities"),
        ({"intervals": {"SEV9": {}}}, "intervals: Unknown severity 'SEV9'"),
        ({"intervals": {"SEV1": 20}}, "intervals.SEV1 must map audiences to minutes"),
        ({"intervals": {"SEV1": {"press": 20}}}, "intervals.SEV1: Unknown audience 'press'"),
        ({"intervals": {"SEV1": {"execs": "soon"}}}, r"intervals.SEV1.execs must be .*'soon'"),
        ({"intervals": {"SEV1": {"internal": 2000}}}, "from 1 to 1440, not 2000"),
        ({"intervals": {"SEV1": {}, "sev1": {}}}, "SEV1 is listed twice"),
        ({"long_intervals": {"SEV3": {"customers": 90}}}, "customers has no interval at SEV3"),
    ],
)
def test_a_bad_policy_names_the_setting(data: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CadencePolicy.from_dict(data)


@pytest.mark.parametrize(
    ("typed", "audience"),
    [
        ("internal", INTERNAL),
        ("Execs", EXECUTIVES),
        ("leadership", EXECUTIVES),
        (" executives ", EXECUTIVES),
        ("Status page", CUSTOMERS),
        ("customer", CUSTOMERS),
    ],
)
def test_audiences_are_read_forgivingly(typed: str, audience: Audience) -> None:
    assert Audience.parse(typed) is audience


def test_an_unknown_audience_names_the_choices() -> None:
    with pytest.raises(ValidationError, match="use one of internal, executives, customers"):
        Audience.parse("press")


# -- due times and states --------------------------------------------------------------


def test_the_first_update_is_due_five_minutes_after_the_call() -> None:
    sev1 = rows(incident(Severity.SEV1), [], now=1)
    assert list(sev1) == [INTERNAL, EXECUTIVES, CUSTOMERS]
    for row in sev1.values():
        assert row.due_at == iso(5)
        assert row.seconds_left == 240
        assert row.status is CadenceStatus.DUE_SOON
        assert row.last_update_at is None
    late = rows(incident(Severity.SEV1), [], now=6.5)
    assert late[EXECUTIVES].status is CadenceStatus.OVERDUE
    assert late[EXECUTIVES].seconds_left == -90

    assert list(rows(incident(Severity.SEV3), [], now=1)) == [INTERNAL]
    assert rows(incident(Severity.SEV4), [], now=1) == {}


def test_after_an_update_the_next_is_one_interval_later() -> None:
    comms = [sent(INTERNAL, 2)]
    assert rows(incident(), comms, now=10)[INTERNAL].status is CadenceStatus.ON_TIME
    assert rows(incident(), comms, now=10)[INTERNAL].due_at == iso(22)
    assert rows(incident(), comms, now=10)[INTERNAL].last_update_at == iso(2)
    assert rows(incident(), comms, now=17)[INTERNAL].status is CadenceStatus.DUE_SOON
    assert rows(incident(), comms, now=22)[INTERNAL].status is CadenceStatus.DUE_SOON
    overdue = rows(incident(), comms, now=23)[INTERNAL]
    assert overdue.status is CadenceStatus.OVERDUE
    assert overdue.seconds_left == -60
    assert rows(incident(), comms, now=10)[EXECUTIVES].due_at == iso(5)  # each its own

    wider = CadencePolicy(amber_before=timedelta(minutes=15))
    assert rows(incident(), comms, now=10, policy=wider)[INTERNAL].status is (
        CadenceStatus.DUE_SOON
    )


def test_after_two_hours_the_long_incident_interval_applies() -> None:
    before = rows(incident(), [sent(INTERNAL, 100), sent(EXECUTIVES, 100)], now=110)
    assert before[INTERNAL].due_at == iso(120)
    assert before[INTERNAL].long_incident is False
    still = rows(incident(), [sent(INTERNAL, 100)], now=125)[INTERNAL]  # slows at the next one
    assert still.due_at == iso(120)
    assert still.status is CadenceStatus.OVERDUE
    after = rows(incident(), [sent(INTERNAL, 121), sent(EXECUTIVES, 121)], now=125)
    assert after[INTERNAL].due_at == iso(181)
    assert after[INTERNAL].interval == timedelta(minutes=60)
    assert after[INTERNAL].long_incident is True
    assert after[EXECUTIVES].due_at == iso(151)  # no long value: the normal one stays

    sooner = CadencePolicy(long_after=timedelta(minutes=90))
    assert rows(incident(), [sent(INTERNAL, 100)], now=110, policy=sooner)[INTERNAL].due_at == (
        iso(160)
    )


def test_a_promised_next_update_sets_the_due_time() -> None:
    comms = [sent(EXECUTIVES, 10, promise=55)]
    row = rows(incident(), comms, now=20)[EXECUTIVES]
    assert row.due_at == iso(55)
    assert row.promised is True
    assert row.status is CadenceStatus.ON_TIME  # past the 30-minute interval, but promised
    assert rows(incident(), comms, now=56)[EXECUTIVES].status is CadenceStatus.OVERDUE
    kept = rows(incident(), [*comms, sent(EXECUTIVES, 54)], now=60)[EXECUTIVES]
    assert kept.due_at == iso(84)
    assert kept.promised is False


def test_a_snooze_moves_the_due_time_and_shows_as_snoozed() -> None:
    comms = [snoozed(EXECUTIVES, 6, 15, "waiting for the DB team's numbers")]
    row = rows(incident(), comms, now=7)[EXECUTIVES]
    assert row.status is CadenceStatus.SNOOZED
    assert row.due_at == row.snoozed_until == iso(21)
    assert row.seconds_left == 14 * 60
    assert row.snooze_reason == "waiting for the DB team's numbers"
    assert rows(incident(), comms, now=19)[EXECUTIVES].status is CadenceStatus.SNOOZED
    expired = rows(incident(), comms, now=22)[EXECUTIVES]
    assert expired.status is CadenceStatus.OVERDUE
    assert expired.due_at == iso(21)
    assert rows(incident(), comms, now=7)[CUSTOMERS].status is CadenceStatus.OVERDUE

    answered = rows(incident(), [*comms, sent(EXECUTIVES, 12)], now=13)[EXECUTIVES]
    assert answered.status is CadenceStatus.ON_TIME
    assert answered.due_at == iso(42)
    assert answered.snoozed_until is None


def test_a_snooze_never_brings_a_due_time_forward() -> None:
    comms = [sent(INTERNAL, 0), snoozed(INTERNAL, 2, 5)]
    row = rows(incident(), comms, now=3)[INTERNAL]
    assert row.due_at == iso(20)
    assert row.status is CadenceStatus.ON_TIME


def test_resolving_leaves_one_final_update_per_audience_that_had_updates() -> None:
    comms = [sent(INTERNAL, 3), sent(EXECUTIVES, 4)]
    resolved = incident(resolved_at=40)
    now = rows(resolved, comms, now=41)
    assert now[INTERNAL].status is CadenceStatus.RESOLVED_FINAL_DUE
    assert now[INTERNAL].due_at == iso(45)
    assert now[EXECUTIVES].status is CadenceStatus.RESOLVED_FINAL_DUE
    assert now[CUSTOMERS].status is CadenceStatus.NOT_SCHEDULED  # never told: no final either
    assert now[CUSTOMERS].due_at is None

    comms.append(sent(INTERNAL, 42))
    later = rows(resolved, comms, now=60)
    assert later[INTERNAL].status is CadenceStatus.DONE
    assert later[INTERNAL].due_at is None
    assert later[INTERNAL].last_update_at == iso(42)
    assert later[EXECUTIVES].status is CadenceStatus.RESOLVED_FINAL_DUE  # no reminder loop:
    assert later[EXECUTIVES].seconds_left == -15 * 60  # the one final update, late


def test_a_severity_change_applies_the_new_intervals_from_then_on() -> None:
    escalation = [severity_change(30, Severity.SEV3, Severity.SEV1)]
    comms = [sent(INTERNAL, 10)]
    before = rows(incident(Severity.SEV3), comms, now=29)
    assert before[INTERNAL].due_at == iso(70)
    assert EXECUTIVES not in before

    after = rows(incident(Severity.SEV1), comms, now=31, severities=escalation)
    assert after[INTERNAL].due_at == iso(30)  # last update + the SEV1 interval
    assert after[INTERNAL].status is CadenceStatus.OVERDUE
    assert after[EXECUTIVES].due_at == iso(35)  # a new audience: 5 min from the escalation
    assert after[EXECUTIVES].status is CadenceStatus.DUE_SOON

    calmer = [*escalation, severity_change(50, Severity.SEV1, Severity.SEV2)]
    comms.append(sent(INTERNAL, 45))
    eased = rows(incident(Severity.SEV2), comms, now=51, severities=calmer)
    assert eased[INTERNAL].due_at == iso(75)  # 45 + the SEV2 interval of 30

    dropped = [*calmer, severity_change(52, Severity.SEV2, Severity.SEV4)]
    quiet = rows(incident(Severity.SEV4), comms, now=53, severities=dropped)
    assert quiet[INTERNAL].status is CadenceStatus.NOT_SCHEDULED
    assert EXECUTIVES not in quiet

    again = [*dropped, severity_change(100, Severity.SEV4, Severity.SEV2)]
    back = rows(incident(Severity.SEV2), comms, now=101, severities=again)
    assert back[INTERNAL].due_at == iso(105)  # not 45 + 30: nobody owed them one meanwhile
    assert back[EXECUTIVES].due_at == iso(105)


def test_the_same_events_give_the_same_answer_after_a_restart() -> None:
    comms = [sent(INTERNAL, 3), snoozed(EXECUTIVES, 6, 10), sent(CUSTOMERS, 4, promise=25)]
    escalation = [severity_change(8, Severity.SEV2, Severity.SEV1)]
    first = rows(incident(), comms, now=9, severities=escalation)
    shuffled = random.Random(4).sample(comms, len(comms))
    again = rows(incident(), shuffled, now=9, severities=escalation)
    assert again == first
    later = rows(incident(), shuffled, now=14, severities=escalation)  # the laptop slept
    for audience, row in first.items():
        assert later[audience].due_at == row.due_at
        assert row.seconds_left is not None
        assert later[audience].seconds_left == row.seconds_left - 5 * 60
    assert later[EXECUTIVES].status is CadenceStatus.SNOOZED


def test_events_after_now_do_not_count_yet() -> None:
    comms = [sent(INTERNAL, 10)]
    assert rows(incident(), comms, now=8)[INTERNAL].last_update_at is None


# -- adherence -------------------------------------------------------------------------


def test_adherence_counts_each_due_time_once() -> None:
    comms = [
        sent(INTERNAL, 4),  # due 5: on time
        sent(INTERNAL, 30),  # due 24: late
        snoozed(INTERNAL, 49, 10),
        sent(INTERNAL, 55),  # due 50: late, the snooze does not make it on time
        sent(INTERNAL, 70, promise=90),  # due 75: on time
        sent(INTERNAL, 88),  # due 90 (promised): on time
        sent(CUSTOMERS, 3),  # due 5: on time; then due 33, never met
    ]
    result = adherence(incident(), comms, CadencePolicy(), at(100))
    assert result[INTERNAL] == Adherence(due=5, on_time=3)  # 108 not due yet
    assert result[INTERNAL].ratio == pytest.approx(0.6)
    assert result[INTERNAL].missed == 2
    assert result[EXECUTIVES] == Adherence(due=1, on_time=0)  # overdue since 5: one miss
    assert result[CUSTOMERS] == Adherence(due=2, on_time=1)

    exactly = adherence(
        incident(), [sent(INTERNAL, 5), sent(INTERNAL, 25)], CadencePolicy(), at(30)
    )
    assert exactly[INTERNAL] == Adherence(due=2, on_time=2)  # at the due time is on time
    assert adherence(incident(), [], CadencePolicy(), at(5))[INTERNAL].due == 0
    assert adherence(incident(), [], CadencePolicy(), at(4))[INTERNAL].ratio is None
    assert adherence(incident(Severity.SEV4), [], CadencePolicy(), at(60)) == {}


def test_adherence_after_resolution_counts_the_final_update() -> None:
    comms = [sent(INTERNAL, 4), sent(CUSTOMERS, 4), sent(INTERNAL, 102)]
    result = adherence(incident(resolved_at=20), comms, CadencePolicy(), at(110))
    assert result[INTERNAL] == Adherence(due=2, on_time=1)  # the first; the final was late
    assert result[CUSTOMERS] == Adherence(due=2, on_time=1)  # the first; no final by 25
    assert result[EXECUTIVES] == Adherence(due=1, on_time=0)  # never told: no final owed


def test_adherence_follows_the_severity_history() -> None:
    escalation = [severity_change(30, Severity.SEV3, Severity.SEV1)]
    comms = [sent(INTERNAL, 4), sent(EXECUTIVES, 33), sent(INTERNAL, 40)]
    result = adherence(
        incident(Severity.SEV1), comms, CadencePolicy(), at(41), severity_events=escalation
    )
    assert result[EXECUTIVES] == Adherence(due=1, on_time=1)  # due 35, 5 min after escalation
    assert result[INTERNAL] == Adherence(due=2, on_time=1)  # due 5 met; due 24 at SEV1 missed
    assert result[CUSTOMERS] == Adherence(due=1, on_time=0)


# -- the events the communicator writes ------------------------------------------------


def test_sent_and_snoozed_bodies_are_checked() -> None:
    body = validate_body(Kind.COMMS, sent(EXECUTIVES, 3, promise=30).body)
    assert body["next_update_at"] == iso(30)
    assert body["channel"] == "manual"
    text = event_text(Kind.COMMS, body)
    assert text == "Update to executives sent (manual): We are rolling back release 42."
    loose = validate_body(
        Kind.COMMS,
        {
            "text": "x",
            "audience": "internal",
            "action": "sent",
            "next_update_at": "2026-11-28T15:30+01:00",
        },
    )
    assert loose["next_update_at"] == "2026-11-28T14:30:00.000000Z"
    snooze = snoozed(INTERNAL, 6, 15, "DB team")
    assert event_text(Kind.COMMS, snooze.body) == "Snoozed the internal update for 15 min: DB team"
    assert validate_body(Kind.COMMS, {"text": "a note on comms"}) == {"text": "a note on comms"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"audience": "press"}, "Unknown audience 'press'"),
        ({"audience": "Execs"}, "Unknown audience 'Execs'"),
        ({"action": "posted"}, "Unknown comms action 'posted'"),
        ({"audience": None}, "must name its audience"),
        ({"minutes": 0}, "1 to 240 minutes, not 0"),
        ({"minutes": 241}, "not 241"),
        ({"minutes": True}, "whole number of minutes"),
        ({"minutes": None}, "whole number of minutes"),
        ({"reason": " "}, "reason for the snooze is empty"),
        ({"next_update_at": "half past"}, "not an ISO-8601 time"),
        ({"next_update_at": 5}, "must be an ISO-8601 time"),
        ({"channel": ""}, "channel is empty"),
    ],
)
def test_a_bad_comms_body_is_refused(change: dict[str, Any], message: str) -> None:
    body = {**snoozed(INTERNAL, 6, 15).body, **change}
    with pytest.raises(ValidationError, match=message):
        validate_body(Kind.COMMS, body)


def test_a_promise_must_come_after_the_update() -> None:
    with pytest.raises(ValidationError, match="after this update"):
        sent_body(INTERNAL, "update", sent_at=at(10), next_update_at=at(10))
    with pytest.raises(ValidationError, match="update text is empty"):
        sent_body(INTERNAL, "  ", sent_at=at(10))


def test_a_snooze_is_refused_when_there_is_nothing_to_snooze() -> None:
    def snooze(
        state: IncidentState, comms: list[Event], now: float, audience: Audience, minutes: int
    ) -> dict[str, Any]:
        current = cadence_state(state, comms, CadencePolicy(), at(now))
        return snooze_body(
            current, audience, minutes, "DB team", severity=state.severity, now=at(now)
        )

    body = snooze(incident(), [], 4, EXECUTIVES, 15)
    assert body["minutes"] == 15
    assert body["reason"] == "DB team"
    with pytest.raises(ValidationError, match="no scheduled executives updates at SEV3"):
        snooze(incident(Severity.SEV3), [], 4, EXECUTIVES, 15)
    with pytest.raises(ValidationError, match="resolved"):
        snooze(incident(resolved_at=20), [sent(INTERNAL, 3)], 21, INTERNAL, 15)
    with pytest.raises(ValidationError, match="not due for another 17 min;"):
        snooze(incident(), [sent(INTERNAL, 3)], 6, INTERNAL, 10)
    with pytest.raises(ValidationError, match="1 to 240"):
        snooze(incident(), [], 4, INTERNAL, 600)
    current = cadence_state(incident(), [], CadencePolicy(), at(4))
    with pytest.raises(ValidationError, match="single line"):
        snooze_body(current, INTERNAL, 5, "a\nb", severity=Severity.SEV1, now=at(4))


def test_the_suggested_promise_is_the_audience_interval_from_now() -> None:
    opened = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    state = IncidentState(
        id="01JB0000000000000000000000",
        severity=Severity.SEV1,
        opened_at="2026-11-28T14:00:00.000000Z",
    )
    policy = CadencePolicy()
    at = opened + timedelta(minutes=10)
    assert suggested_next_update(state, policy, Audience.INTERNAL, at) == at + timedelta(minutes=20)
    late = opened + timedelta(hours=3)
    assert suggested_next_update(state, policy, Audience.INTERNAL, late) == late + timedelta(
        hours=1
    )
    state.severity = Severity.SEV4
    assert suggested_next_update(state, policy, Audience.INTERNAL, at) is None
    state.severity, state.status = Severity.SEV1, Status.RESOLVED
    assert suggested_next_update(state, policy, Audience.INTERNAL, at) is None


def test_the_readers_zone_is_kept_by_name_and_checked_for_shape() -> None:
    assert CadencePolicy.from_dict({"stakeholder_zone": "Europe/Berlin"}).stakeholder_zone == (
        "Europe/Berlin"
    )
    assert CadencePolicy.from_dict({"stakeholder_zone": ""}).stakeholder_zone is None
    with pytest.raises(ValidationError, match="stakeholder_zone"):
        CadencePolicy.from_dict({"stakeholder_zone": "Central European Time"})
