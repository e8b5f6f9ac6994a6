"""The worker's rules, with a scripted channel standing in for the remote.

(The channels themselves are tested against real servers in their own test files.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from commander_app.core.clock import FixedClock
from commander_app.core.model import Audience, Kind
from commander_app.core.outbox import IN_DOUBT_SETTLE, OutboxState
from commander_app.publish.delivery import (
    ChannelConfig,
    Delivered,
    DeliveryContext,
    OutgoingUpdate,
    PermanentFailure,
    RetryableFailure,
)
from commander_app.publish.outbox_worker import deliver_due
from commander_app.store import channels
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog


@dataclass
class ScriptedChannel:
    """Answers each deliver() with the next scripted step: a Delivered or an exception."""

    config: ChannelConfig
    script: list[object]
    seen: list[tuple[OutgoingUpdate, DeliveryContext]] = field(default_factory=list)
    found: Delivered | Exception | None = None
    on_deliver: Callable[[DeliveryContext], None] = lambda context: None

    def deliver(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered:
        self.seen.append((update, context))
        self.on_deliver(context)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        assert isinstance(step, Delivered)
        return step

    def find_delivered(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered | None:
        if isinstance(self.found, Exception):
            raise self.found
        return self.found

    def send_test(self, secret: str, timeout: float = 20.0) -> str:
        return "ok"


class Secrets:
    def __init__(self, known: dict[str, str]) -> None:
        self.known = known

    def get(self, channel: str) -> str | None:
        return self.known.get(channel)


@pytest.fixture
def status(log: IncidentLog) -> ScriptedChannel:
    channels.save_channel(log, "status", "statuspage", {"page_id": "p1"})
    return ScriptedChannel(ChannelConfig("status", "statuspage", {}), [])  # type: ignore[arg-type]


def queue(log: IncidentLog, incident_id: str, text: str) -> str:
    (row,) = store.enqueue(
        log, incident_id, Audience.CUSTOMERS, ["status"], "Checkout problems", text, author="cara"
    )
    return row.id


def drain(log: IncidentLog, channel: ScriptedChannel, secrets: Secrets | None = None):
    return deliver_due(
        log, secrets or Secrets({"status": "key-123"}), channel_for=lambda config: channel
    )


def test_sent_updates_reach_the_log_with_the_remote_incident(
    log: IncidentLog, incident_id: str, status: ScriptedChannel
) -> None:
    queue(log, incident_id, "one")
    queue(log, incident_id, "two")
    status.script = [
        Delivered("u1", "inc-1", "Statuspage incident inc-1 created"),
        Delivered("u2", "inc-1", "Statuspage incident inc-1 updated"),
    ]
    attempts = drain(log, status)
    assert [a.outcome for a in attempts] == [OutboxState.SENT, OutboxState.SENT]
    # The second update was told the remote incident the first one created.
    assert [c.remote_incident_id for _, c in status.seen] == [None, "inc-1"]
    assert [u.text for u, _ in status.seen] == ["one", "two"]
    assert status.seen[0][0].incident_title == "Checkout problems"  # the subject, for a page
    assert status.seen[0][1].secret == "key-123"
    sent = [e for e in log.events(incident_id) if e.body.get("action") == "sent"]
    assert sent[0].body["detail"] == "Statuspage incident inc-1 created"


def test_network_down_keeps_order_and_retries_later(
    log: IncidentLog, incident_id: str, status: ScriptedChannel, clock
) -> None:
    from datetime import timedelta

    first, _second = queue(log, incident_id, "one"), queue(log, incident_id, "two")
    status.script = [RetryableFailure("Cannot reach api.statuspage.io (connection refused).")]
    (attempt,) = drain(log, status)
    assert attempt.outcome is OutboxState.RETRYING
    assert "Queued — will send when the network is back" in attempt.describe()
    assert drain(log, status) == []  # nothing is due yet, and "two" waits behind "one"
    clock.advance(timedelta(minutes=1))
    status.script = [Delivered("u1", "inc-1"), Delivered("u2", "inc-1")]
    assert [a.entry.text for a in drain(log, status)] == ["one", "two"]
    assert store.entry(log, first).attempts == 2


def test_a_permanent_refusal_stops_and_says_what_to_fix(
    log: IncidentLog, incident_id: str, status: ScriptedChannel
) -> None:
    queue(log, incident_id, "one")
    status.script = [PermanentFailure("Statuspage refused the API key: set a new one.")]
    (attempt,) = drain(log, status)
    assert attempt.outcome is OutboxState.FAILED
    assert attempt.describe().endswith("Statuspage refused the API key: set a new one.")
    failed = [e for e in log.events(incident_id) if e.kind is Kind.COMMS][-1]
    assert failed.body["action"] == "failed"


def test_no_secret_on_this_computer_is_a_clear_failure(
    log: IncidentLog, incident_id: str, status: ScriptedChannel
) -> None:
    queue(log, incident_id, "one")
    (attempt,) = drain(log, status, Secrets({}))
    assert attempt.outcome is OutboxState.FAILED
    assert "No secret is stored on this computer for the channel 'status'" in (
        attempt.entry.last_error or ""
    )
    assert status.seen == []


def test_a_bug_in_a_channel_fails_that_update_only(
    log: IncidentLog, incident_id: str, status: ScriptedChannel, caplog
) -> None:
    queue(log, incident_id, "one")
    status.script = [ZeroDivisionError("boom")]
    (attempt,) = drain(log, status)
    assert attempt.outcome is OutboxState.FAILED
    assert "ZeroDivisionError" in (attempt.entry.last_error or "")
    assert "Delivering outbox row" in caplog.text


def test_in_doubt_is_checked_on_the_remote_before_sending_again(
    log: IncidentLog, incident_id: str, status: ScriptedChannel, clock: FixedClock
) -> None:
    row_id = queue(log, incident_id, "one")
    # The process dies after the channel reached its point of no return.
    store.claim_next(log, worker="elsewhere:1")
    store.mark_in_doubt(log, row_id)
    store.recover_interrupted(log, is_alive=lambda worker: False)
    status.found = Delivered("u1", "inc-1", "Statuspage incident inc-1")
    assert drain(log, status) == []  # not while the remote may still be working on it
    clock.advance(IN_DOUBT_SETTLE)
    (attempt,) = drain(log, status)
    assert attempt.outcome is OutboxState.SENT
    assert status.seen == []  # never sent twice
    assert store.remote_incident(log, "status", incident_id) == "inc-1"


def test_in_doubt_that_the_remote_cannot_answer_waits_for_a_person(
    log: IncidentLog, incident_id: str, status: ScriptedChannel, clock: FixedClock
) -> None:
    row_id = queue(log, incident_id, "one")
    store.claim_next(log, worker="elsewhere:1")
    store.mark_in_doubt(log, row_id)
    store.recover_interrupted(log, is_alive=lambda worker: False)
    status.found = PermanentFailure("Cannot tell whether it went out: check, then Retry.")
    clock.advance(IN_DOUBT_SETTLE)
    (attempt,) = drain(log, status)
    assert attempt.outcome is OutboxState.FAILED
    assert status.seen == []
    # The person checked and retries: now it is sent.
    store.retry(log, row_id)
    status.script = [Delivered("u1", "inc-1")]
    (again,) = drain(log, status)
    assert again.outcome is OutboxState.SENT
    assert len(status.seen) == 1


def test_the_point_of_no_return_is_recorded_before_the_remote_answers(
    log: IncidentLog, incident_id: str, status: ScriptedChannel
) -> None:
    row_id = queue(log, incident_id, "one")

    def commit_then_check(context: DeliveryContext) -> None:
        context.about_to_commit()
        assert store.entry(log, row_id).in_doubt

    status.on_deliver = commit_then_check
    status.script = [RetryableFailure("Timed out waiting for the answer.", in_doubt=True)]
    (attempt,) = drain(log, status)
    assert attempt.outcome is OutboxState.RETRYING
    assert attempt.entry.in_doubt
