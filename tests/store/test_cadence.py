"""Sends, snoozes and the cadence policy file, through the real incident log."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.cadence import Adherence, Audience, CadencePolicy, CadenceStatus
from commander_app.core.clock import FixedClock
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import Kind, Severity, Status
from commander_app.core.times import to_iso
from commander_app.store import cadence, playbook
from commander_app.store.incident_log import IncidentLog
from tests.support.query_plan import read_plans

UNKNOWN = "01KB0000000000000000000000"
INTERNAL, EXECUTIVES, CUSTOMERS = Audience.INTERNAL, Audience.EXECUTIVES, Audience.CUSTOMERS


def count(log: IncidentLog) -> int:
    return int(log.conn.execute("SELECT count(*) FROM events").fetchone()[0])


@pytest.fixture
def incident_id(log: IncidentLog) -> str:
    return log.open_incident("Checkout 500s", severity=Severity.SEV1, author="alice").id


def minutes(clock: FixedClock, n: float) -> str:
    """The stored time `n` minutes after the incident was opened (the fixture's start)."""
    return to_iso(clock.now().replace(hour=14, minute=0) + timedelta(minutes=n))


def due(log: IncidentLog, incident_id: str) -> dict[Audience, str | None]:
    return {r.audience: r.due_at for r in cadence.cadence(log, incident_id, CadencePolicy())}


def test_a_send_writes_one_event_and_moves_the_due_time(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    assert due(log, incident_id)[EXECUTIVES] == minutes(clock, 5)
    clock.advance(timedelta(minutes=3))
    before = count(log)
    event = cadence.record_sent(
        log,
        incident_id,
        EXECUTIVES,
        "  Checkout is failing for 30% of users; rolling back.  ",
        next_update_at=clock.now() + timedelta(minutes=20),
        author="dana",
    )
    assert count(log) == before + 1
    assert log.event(event.id) == event
    assert event.kind is Kind.COMMS
    assert event.body == {
        "text": "Checkout is failing for 30% of users; rolling back.",
        "audience": "executives",
        "action": "sent",
        "channel": "manual",
        "next_update_at": minutes(clock, 23),
    }
    assert due(log, incident_id)[EXECUTIVES] == minutes(clock, 23)
    assert due(log, incident_id)[INTERNAL] == minutes(clock, 5)

    clock.advance(timedelta(minutes=1))
    cadence.record_sent(log, incident_id, INTERNAL, "Rolling back.", author="dana")
    assert due(log, incident_id)[INTERNAL] == minutes(clock, 24)
    assert [e.kind for e in cadence.comms_events(log, incident_id)] == [Kind.COMMS] * 2


def test_a_snooze_writes_one_event_with_its_reason(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    clock.advance(timedelta(minutes=6))
    before = count(log)
    event = cadence.snooze(
        log, incident_id, CUSTOMERS, 15, "legal is reviewing the wording", author="dana"
    )
    assert count(log) == before + 1
    assert event.body == {
        "text": "Snoozed the customers update for 15 min: legal is reviewing the wording",
        "audience": "customers",
        "action": "snoozed",
        "minutes": 15,
        "reason": "legal is reviewing the wording",
    }
    row = next(
        r for r in cadence.cadence(log, incident_id, CadencePolicy()) if r.audience is CUSTOMERS
    )
    assert row.status is CadenceStatus.SNOOZED
    assert row.due_at == minutes(clock, 21)
    assert row.snooze_reason == "legal is reviewing the wording"


@pytest.mark.parametrize(
    ("audience", "length", "reason", "message"),
    [
        (EXECUTIVES, 15, "legal", "no scheduled executives updates at SEV3"),
        (INTERNAL, 15, "  ", "reason for the snooze is empty"),
        (INTERNAL, 0, "legal", "1 to 240 minutes, not 0"),
        (INTERNAL, 241, "legal", "not 241"),
        (INTERNAL, 2, "legal", "not due for another 5 min"),
    ],
)
def test_a_refused_snooze_writes_nothing(
    log: IncidentLog, audience: Audience, length: int, reason: str, message: str
) -> None:
    incident_id = log.open_incident("Slow search", severity=Severity.SEV3, author="alice").id
    before = count(log)
    with pytest.raises(ValidationError, match=message):
        cadence.snooze(log, incident_id, audience, length, reason, author="dana")
    assert count(log) == before


def test_a_refused_send_writes_nothing(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    before = count(log)
    with pytest.raises(ValidationError, match="update text is empty"):
        cadence.record_sent(log, incident_id, INTERNAL, " \n", author="dana")
    with pytest.raises(ValidationError, match="after this update"):
        cadence.record_sent(
            log,
            incident_id,
            INTERNAL,
            "Rolling back.",
            next_update_at=clock.now() - timedelta(minutes=1),
            author="dana",
        )
    with pytest.raises(NotFoundError):
        cadence.record_sent(log, UNKNOWN, INTERNAL, "Rolling back.", author="dana")
    with pytest.raises(NotFoundError):
        cadence.snooze(log, UNKNOWN, INTERNAL, 10, "legal", author="dana")
    with pytest.raises(NotFoundError):
        cadence.comms_events(log, UNKNOWN)
    assert count(log) == before


def test_comms_events_are_only_this_incidents_comms(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    other = log.open_incident("Other", severity=Severity.SEV1, author="alice").id
    log.log(incident_id, "a note", author="alice")
    clock.advance(timedelta(minutes=1))
    mine = cadence.record_sent(log, incident_id, INTERNAL, "ours", author="dana")
    cadence.record_sent(log, other, INTERNAL, "theirs", author="dana")
    assert cadence.comms_events(log, incident_id) == [mine]


def test_a_corrected_send_no_longer_counts(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    clock.advance(timedelta(minutes=2))
    wrong = cadence.record_sent(log, incident_id, CUSTOMERS, "Fixed.", author="dana")
    assert due(log, incident_id)[CUSTOMERS] == minutes(clock, 32)
    clock.advance(timedelta(minutes=1))
    log.log(incident_id, "Not sent: the status page was down", supersedes=wrong.id, author="dana")
    assert due(log, incident_id)[CUSTOMERS] == minutes(clock, 5)


def test_the_cadence_follows_severity_and_resolution_in_the_log(
    log: IncidentLog, clock: FixedClock
) -> None:
    incident_id = log.open_incident("Slow search", severity=Severity.SEV3, author="alice").id
    clock.advance(timedelta(minutes=2))
    cadence.record_sent(log, incident_id, INTERNAL, "Looking into it.", author="dana")
    assert set(due(log, incident_id)) == {INTERNAL}
    clock.advance(timedelta(minutes=28))
    log.set_severity(incident_id, Severity.SEV1, author="alice")
    assert due(log, incident_id) == {
        INTERNAL: minutes(clock, 22),  # last update + the SEV1 interval: overdue now
        EXECUTIVES: minutes(clock, 35),  # first update 5 min after the escalation
        CUSTOMERS: minutes(clock, 35),
    }
    clock.advance(timedelta(minutes=5))
    log.set_status(incident_id, Status.RESOLVED, author="alice")
    rows = {r.audience: r for r in cadence.cadence(log, incident_id, CadencePolicy())}
    assert rows[INTERNAL].status is CadenceStatus.RESOLVED_FINAL_DUE
    assert rows[EXECUTIVES].status is CadenceStatus.NOT_SCHEDULED
    clock.advance(timedelta(minutes=1))
    cadence.record_sent(log, incident_id, INTERNAL, "Resolved.", author="dana")
    rows = {r.audience: r for r in cadence.cadence(log, incident_id, CadencePolicy())}
    assert rows[INTERNAL].status is CadenceStatus.DONE
    assert cadence.adherence(log, incident_id, CadencePolicy()) == {
        INTERNAL: Adherence(due=3, on_time=2),  # the first; 22 at SEV1, missed; the final
        EXECUTIVES: Adherence(due=0, on_time=0),  # due at 35, the moment it was resolved
        CUSTOMERS: Adherence(due=0, on_time=0),
    }


def test_a_restart_gives_the_same_due_times(
    log: IncidentLog, db_path: Path, clock: FixedClock, incident_id: str
) -> None:
    clock.advance(timedelta(minutes=4))
    cadence.record_sent(log, incident_id, INTERNAL, "Rolling back.", author="dana")
    cadence.snooze(log, incident_id, EXECUTIVES, 10, "waiting for numbers", author="dana")
    before = cadence.cadence(log, incident_id, CadencePolicy())
    log.close()
    later = FixedClock(clock.now() + timedelta(minutes=7))  # the laptop slept
    with IncidentLog(db_path, device_id="device-test", clock=later) as reopened:
        after = cadence.cadence(reopened, incident_id, CadencePolicy())
    assert [r.due_at for r in after] == [r.due_at for r in before]
    assert [r.seconds_left for r in after] == [
        r.seconds_left - 7 * 60 for r in before if r.seconds_left is not None
    ]
    assert [r.status for r in after] == [
        CadenceStatus.ON_TIME,
        CadenceStatus.SNOOZED,
        CadenceStatus.OVERDUE,
    ]


# -- the policy file -------------------------------------------------------------------


def test_no_playbook_means_the_shipped_cadence(isolated_environment: Path) -> None:
    path = cadence.policy_path()
    assert path.name == "playbook.toml"
    assert path.is_relative_to(isolated_environment / "data")
    assert not path.exists()
    assert cadence.load_policy() == CadencePolicy()


def test_a_saved_policy_is_written_into_the_playbook_and_applies_at_once(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    faster = CadencePolicy.from_dict({"first_update_minutes": 3})
    path = cadence.save_policy(faster)
    assert path == cadence.policy_path()
    text = path.read_text(encoding="utf-8")
    assert "first_update_minutes = 3   # the first update is due" in text  # comments kept
    assert sorted(p.name for p in path.parent.iterdir()) == ["playbook.toml"]  # no temporary
    loaded = cadence.load_policy()
    assert loaded == faster
    rows = cadence.cadence(log, incident_id, loaded)
    assert rows[0].due_at == minutes(clock, 3)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[cadence\n", "line 1: This is not valid TOML"),
        (b'[severity.SEV1]\ncadence = { execs = "soon" }\n', "line 2: severity.SEV1.cadence"),
        (b"[cadence]\nfirst_update_minutes = 0\n", "line 2: cadence.first_update_minutes"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
    ],
)
def test_a_broken_playbook_falls_back_to_its_last_good_version_and_says_so(
    log: IncidentLog, incident_id: str, content: bytes, message: str
) -> None:
    good = cadence.save_policy(CadencePolicy.from_dict({"first_update_minutes": 9}))
    assert cadence.load_policy().first_update == timedelta(minutes=9)
    good.write_bytes(content)
    found = playbook.in_force()
    assert found.source == "last good"
    assert found.warning is not None
    assert re.search(message, found.warning), found.warning
    assert str(good) in found.warning
    assert "last good version" in found.warning
    assert cadence.load_policy().first_update == timedelta(minutes=9)  # the team's, not ours
    # an incident still starts, and a snooze still works, on the last good rules
    assert cadence.snooze(log, incident_id, INTERNAL, 10, "legal", author="dana")
    assert good.read_bytes() == content  # the team's broken file is never written over
    with pytest.raises(ValidationError, match=r"(?i)fix it(,)? or import a good one"):
        cadence.save_policy(CadencePolicy())
    assert good.read_bytes() == content


def test_the_cadence_reads_use_their_index_not_the_whole_story(
    log: IncidentLog, incident_id: str
) -> None:
    for read in (cadence.comms_events, cadence.cadence_events):
        plans = " | ".join(read_plans(log.conn, lambda r=read: r(log, incident_id)))
        assert "events_cadence" in plans, (read.__name__, plans)
        assert "events_story" not in plans, (read.__name__, plans)
