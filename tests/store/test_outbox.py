"""The outbox table: queue, claim in order, record answers, recover after a crash."""

from datetime import timedelta

import pytest

from commander_app.core.clock import FixedClock
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.follow_ups import FollowUpRequest
from commander_app.core.model import Audience, Kind
from commander_app.core.outbox import OutboxState
from commander_app.store import channels as channel_store
from commander_app.store import follow_ups, outbox_rows
from commander_app.store import outbox as store
from commander_app.store import tracker_pushes as pushes
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox_status import next_due_at, next_push_due_at, waiting_count
from tests.store.conftest import count
from tests.support.query_plan import read_plans


@pytest.fixture
def channels(log: IncidentLog) -> None:
    channel_store.save_channel(
        log, "mail", "email", {"from_addr": "Incidents <ic@example.com>", "recipients": {}}
    )
    channel_store.save_channel(log, "status", "statuspage", {"page_id": "p1"})


def queue(log: IncidentLog, incident_id: str, text: str, channel: str = "status") -> str:
    (row,) = store.enqueue(
        log, incident_id, Audience.CUSTOMERS, [channel], "Checkout problems", text, author="cara"
    )
    return row.id


@pytest.mark.usefixtures("channels")
def test_queueing_is_durable_and_told_in_the_log(log: IncidentLog, incident_id: str) -> None:
    rows = store.enqueue(
        log,
        incident_id,
        Audience.CUSTOMERS,
        ["mail", "status"],
        "Subj",
        "We are on it.",
        author="cara",
    )
    assert [r.state for r in rows] == [OutboxState.QUEUED, OutboxState.QUEUED]
    assert rows[0].message_id.endswith("@example.com>")
    assert rows[0].incident_title == "Checkout 500s"
    comms = [e for e in log.events(incident_id) if e.kind is Kind.COMMS]
    assert [(e.body["action"], e.body["channel"]) for e in comms] == [
        ("queued", "mail"),
        ("queued", "status"),
    ]
    assert waiting_count(log) == (2, 0)


@pytest.mark.usefixtures("channels")
def test_unknown_channel_or_empty_text_queues_nothing(log: IncidentLog, incident_id: str) -> None:
    before = count(log)
    with pytest.raises(NotFoundError, match="no channel named 'pager'"):
        store.enqueue(log, incident_id, Audience.INTERNAL, ["pager"], "s", "t", author="cara")
    with pytest.raises(ValidationError, match="empty"):
        store.enqueue(log, incident_id, Audience.INTERNAL, ["mail"], "s", "  ", author="cara")
    assert count(log) == before
    assert store.entries(log) == []


@pytest.mark.usefixtures("channels")
def test_one_channel_and_incident_goes_out_strictly_in_order(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    first, second = queue(log, incident_id, "one"), queue(log, incident_id, "two")
    mail = queue(log, incident_id, "by mail", channel="mail")
    claimed = store.claim_next(log, worker="w")
    assert claimed is not None
    assert (claimed.id, claimed.attempts) == (first, 1)
    # The second status-page update waits behind the first; the mail is independent.
    other = store.claim_next(log, worker="w")
    assert other is not None
    assert other.id == mail
    assert store.claim_next(log, worker="w") is None
    store.record_failure(log, first, "Network down", retryable=True, jitter=lambda: 0.0)
    assert store.claim_next(log, worker="w") is None  # first waits 15 s, second behind it
    clock.advance(timedelta(seconds=15))
    again = store.claim_next(log, worker="w")
    assert again is not None
    assert (again.id, again.attempts) == (first, 2)
    store.record_sent(log, first, remote_id="u1", remote_incident_id="inc-9")
    nxt = store.claim_next(log, worker="w")
    assert nxt is not None
    assert nxt.id == second
    assert store.remote_incident(log, "status", incident_id) == "inc-9"


@pytest.mark.usefixtures("channels")
def test_a_failed_update_holds_back_the_later_ones_until_retried_or_cancelled(
    log: IncidentLog, incident_id: str
) -> None:
    first, second = queue(log, incident_id, "one"), queue(log, incident_id, "two")
    store.claim_next(log, worker="w")
    failed = store.record_failure(log, first, "The API key was refused.", retryable=False)
    assert failed.state is OutboxState.FAILED
    assert waiting_count(log) == (1, 1)
    assert store.claim_next(log, worker="w") is None
    texts = [e.body for e in log.events(incident_id) if e.kind is Kind.COMMS]
    assert texts[-1]["action"] == "failed"
    assert texts[-1]["error"] == "The API key was refused."
    store.cancel(log, first, author="cara")
    nxt = store.claim_next(log, worker="w")
    assert nxt is not None
    assert nxt.id == second


@pytest.mark.usefixtures("channels")
def test_sent_restarts_the_countdown_with_the_promise_unless_it_is_already_past(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    (row,) = store.enqueue(
        log,
        incident_id,
        Audience.CUSTOMERS,
        ["status"],
        "s",
        "We are on it.",
        author="cara",
        next_update_at=clock.now() + timedelta(minutes=30),
    )
    store.claim_next(log, worker="w")
    store.record_sent(log, row.id, remote_id="u1", remote_incident_id=None, detail="done")
    sent = [e for e in log.events(incident_id) if e.body.get("action") == "sent"][-1]
    assert sent.body["next_update_at"] == "2026-11-28T14:30:01.000000Z"
    assert sent.body["outbox_id"] == row.id
    assert sent.author == "cara"

    late = queue(log, incident_id, "late")
    clock.advance(timedelta(hours=1))
    store.claim_next(log, worker="w")
    store.record_sent(log, late, remote_id=None, remote_incident_id=None)
    last = [e for e in log.events(incident_id) if e.body.get("action") == "sent"][-1]
    assert "next_update_at" not in last.body


@pytest.mark.usefixtures("channels")
def test_a_crashed_sender_is_recovered_and_in_doubt_survives(
    log: IncidentLog, incident_id: str
) -> None:
    clean, doubtful = queue(log, incident_id, "a", "mail"), queue(log, incident_id, "b")
    store.claim_next(log, worker="gone-host:1")
    store.claim_next(log, worker="gone-host:1")
    store.mark_in_doubt(log, doubtful)
    alive = store.recover_interrupted(log, is_alive=lambda worker: True)
    assert alive == []
    recovered = {r.id: r for r in store.recover_interrupted(log, is_alive=lambda worker: False)}
    assert set(recovered) == {clean, doubtful}
    assert recovered[clean].state is OutboxState.RETRYING
    assert not recovered[clean].in_doubt
    assert recovered[doubtful].in_doubt


def test_a_dead_local_process_is_not_alive() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert not outbox_rows.worker_is_alive(
        f"{outbox_rows.this_worker().rpartition(':')[0]}:{done.stdout.strip()}"
    )
    assert outbox_rows.worker_is_alive(outbox_rows.this_worker())


@pytest.mark.usefixtures("channels")
def test_edit_only_while_waiting(log: IncidentLog, incident_id: str) -> None:
    row_id = queue(log, incident_id, "old words")
    edited = store.edit(log, row_id, "new words", "New subject")
    assert (edited.text, edited.subject) == ("new words", "New subject")
    store.claim_next(log, worker="w")
    with pytest.raises(ValidationError, match="sending"):
        store.edit(log, row_id, "too late")
    store.record_sent(log, row_id, remote_id=None, remote_incident_id=None)
    with pytest.raises(ValidationError, match="sent"):
        store.cancel(log, row_id, author="cara")


@pytest.mark.usefixtures("channels")
def test_rows_are_found_by_a_unique_start_of_their_id(log: IncidentLog, incident_id: str) -> None:
    row_id = queue(log, incident_id, "words")
    assert store.entry(log, row_id[:12].lower()).id == row_id
    with pytest.raises(NotFoundError):
        store.entry(log, "ZZZZZZZZ")


@pytest.mark.usefixtures("channels")
def test_a_channel_with_waiting_updates_cannot_be_removed(
    log: IncidentLog, incident_id: str
) -> None:
    queue(log, incident_id, "words")
    with pytest.raises(ValidationError, match="1 update"):
        channel_store.remove_channel(log, "status")
    channel_store.remove_channel(log, "mail")
    assert [c.name for c in channel_store.channels(log)] == ["status"]


def test_channel_names_and_duplicates(log: IncidentLog) -> None:
    channel_store.save_channel(log, "ops-chat", "slack", {})
    with pytest.raises(ValidationError, match="already a channel"):
        channel_store.save_channel(log, "ops-chat", "slack", {})
    with pytest.raises(ValidationError, match="is slack, not teams"):
        channel_store.save_channel(log, "ops-chat", "teams", {}, replace=True)
    with pytest.raises(ValidationError, match="cannot be a channel name"):
        channel_store.save_channel(log, "my channel!", "slack", {})
    changed = channel_store.save_channel(
        log, "ops-chat", "slack", {"audiences": ["internal"]}, replace=True
    )
    assert channel_store.channel(log, "ops-chat").settings == changed.settings


@pytest.mark.usefixtures("channels")
def test_the_worker_is_woken_when_the_earliest_wait_is_over(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    assert next_due_at(log) is None
    first = queue(log, incident_id, "one")
    assert next_due_at(log) == clock.now()
    store.claim_next(log, worker="w")
    assert next_due_at(log) is None  # being sent: nothing else is due
    store.record_failure(log, first, "Network down", retryable=True, jitter=lambda: 0.0)
    assert next_due_at(log) == clock.now() + timedelta(seconds=15)
    store.cancel(log, first, author="cara")
    assert next_due_at(log) is None


def test_the_worker_is_woken_when_a_follow_up_push_falls_due(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    """The window's runner is poked for pushes too: their earliest wait, one indexed read."""
    channel_store.save_channel(log, "gh", "github", {"repository": "acme/ops"})
    request = FollowUpRequest("Add a canary stage — done when every deploy passes it", owner="K")
    follow_ups.add_follow_up(log, incident_id, request, author="ada")
    assert next_push_due_at(log) is None
    row = pushes.enqueue(log, incident_id, "A1", "gh", author="ada")
    assert next_push_due_at(log) == clock.now()
    assert next_due_at(log) is None  # the outbox has nothing: a push is no update
    pushes.claim_next(log, worker="w")
    assert next_push_due_at(log) is None  # being pushed: nothing else is due
    pushes.record_failure(log, row.id, "Network down", retryable=True, jitter=lambda: 0.0)
    assert next_push_due_at(log) == clock.now() + timedelta(seconds=15)
    [plan] = read_plans(log.conn, lambda: next_push_due_at(log))
    assert "USING COVERING INDEX tracker_pushes_by_state" in plan
    pushes.cancel(log, row.id)
    assert next_push_due_at(log) is None
