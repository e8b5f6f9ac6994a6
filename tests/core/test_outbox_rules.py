from datetime import timedelta

import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.outbox import (
    LONGEST_REMOTE_WAIT,
    LONGEST_WAIT,
    OutboxState,
    check_can_cancel,
    check_can_edit,
    check_can_retry,
    retry_wait,
)


def test_waits_double_from_fifteen_seconds_up_to_ten_minutes() -> None:
    waits = [retry_wait(n, jitter=lambda: 0.0) for n in range(1, 10)]
    assert waits[:4] == [timedelta(seconds=s) for s in (15, 30, 60, 120)]
    assert waits[-1] == LONGEST_WAIT
    assert retry_wait(500, jitter=lambda: 0.0) == LONGEST_WAIT


def test_jitter_adds_at_most_a_quarter() -> None:
    assert retry_wait(1, jitter=lambda: 1.0) == timedelta(seconds=18.75)


def test_a_longer_retry_after_is_honoured_and_capped() -> None:
    assert retry_wait(1, 120, jitter=lambda: 0.0) == timedelta(seconds=120)
    assert retry_wait(5, 1, jitter=lambda: 0.0) == timedelta(seconds=240)
    assert retry_wait(1, 10**9, jitter=lambda: 0.0) == LONGEST_REMOTE_WAIT


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        retry_wait(0)


@pytest.mark.parametrize("state", [OutboxState.QUEUED, OutboxState.RETRYING, OutboxState.FAILED])
def test_waiting_updates_can_be_edited_retried_and_cancelled(state: OutboxState) -> None:
    check_can_edit(state, in_doubt=False)
    check_can_retry(state)
    check_can_cancel(state)


def test_an_update_that_may_have_gone_out_cannot_be_edited() -> None:
    with pytest.raises(ValidationError, match="may already have gone out"):
        check_can_edit(OutboxState.RETRYING, in_doubt=True)


@pytest.mark.parametrize("state", [OutboxState.SENT, OutboxState.CANCELLED, OutboxState.SENDING])
def test_finished_or_moving_updates_are_left_alone(state: OutboxState) -> None:
    with pytest.raises(ValidationError):
        check_can_edit(state, in_doubt=False)
    with pytest.raises(ValidationError):
        check_can_cancel(state)
    with pytest.raises(ValidationError):
        check_can_retry(state)
