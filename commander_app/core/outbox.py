"""The outbox's rules: the states an update moves through, and when to try again.

An update is queued, then sending; the channel either accepts it (sent), cannot
be reached (retrying, with a growing wait), or refuses it for a reason a person
must fix (failed). A crash while sending leaves it to be recovered: tried again
if the remote cannot have accepted it, checked first if it might have.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from commander_app.core.errors import ValidationError

FIRST_RETRY = timedelta(seconds=15)
LONGEST_WAIT = timedelta(minutes=10)  # offline for hours still retries every 10 minutes
LONGEST_REMOTE_WAIT = timedelta(hours=1)  # a Retry-After beyond this is not believed
# A send that may have gone out is not looked for on the remote before a slow server could
# still be working on it: the longest request (20 s read, 10 s connect) and a margin.
IN_DOUBT_SETTLE = timedelta(seconds=45)


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


# States in which an update still waits to go out (the window's badge counts them).
WAITING: frozenset[OutboxState] = frozenset(
    {OutboxState.QUEUED, OutboxState.SENDING, OutboxState.RETRYING}
)
# States after which nothing more happens unless a person says "retry".
FINISHED: frozenset[OutboxState] = frozenset({OutboxState.SENT, OutboxState.CANCELLED})

STATE_LABELS = {
    OutboxState.QUEUED: "Queued",
    OutboxState.SENDING: "Sending",
    OutboxState.RETRYING: "Waiting to retry",
    OutboxState.SENT: "Sent",
    OutboxState.FAILED: "Failed — needs you",
    OutboxState.CANCELLED: "Cancelled",
}


def retry_wait(
    attempts: int,
    retry_after: float | None = None,
    *,
    jitter: Callable[[], float] | None = None,
) -> timedelta:
    """How long to wait after the `attempts`-th failed try.

    Doubles from 15 s up to 10 minutes, with up to a quarter more at random so
    many queued updates do not hit a recovering server at the same instant. A
    server's Retry-After is honoured when it asks for longer.
    """
    if attempts < 1:
        raise ValueError("retry_wait counts failed attempts from 1")
    if jitter is None:
        import random  # not at import: the window's start-up does not need it

        jitter = random.random
    base = min(FIRST_RETRY * (2 ** min(attempts - 1, 16)), LONGEST_WAIT)
    wait: timedelta = base + base * (0.25 * jitter())
    if retry_after is not None and retry_after > 0:  # NaN is not > 0
        # Bounded before it becomes a timedelta: a server's `inf` or 1e30 overflows one.
        seconds = min(retry_after, LONGEST_REMOTE_WAIT.total_seconds())
        wait = max(wait, timedelta(seconds=seconds))
    return wait


def in_doubt_check_at(started_at: datetime | None, due: datetime) -> datetime:
    """When an in-doubt send may be looked for on the remote: not before `due`, and not
    before the remote has had time to finish the request that may have reached it."""
    if started_at is None:
        return due
    return max(due, started_at + IN_DOUBT_SETTLE)


_CHANGEABLE = frozenset({OutboxState.QUEUED, OutboxState.RETRYING, OutboxState.FAILED})


def can_edit(state: OutboxState, in_doubt: bool) -> bool:
    """Only an update that has not started going out may be changed."""
    return state in _CHANGEABLE and not in_doubt


def can_retry(state: OutboxState) -> bool:
    return state in _CHANGEABLE


def can_cancel(state: OutboxState) -> bool:
    return state in _CHANGEABLE


def check_can_edit(state: OutboxState, in_doubt: bool) -> None:
    if can_edit(state, in_doubt):
        return
    if in_doubt:
        raise ValidationError(
            "This update may already have gone out (Commander stopped while sending it); "
            "it cannot be edited. Retry it to let Commander check, or cancel it."
        )
    label = STATE_LABELS[state].lower()
    raise ValidationError(f"This update is {label}; it can no longer be edited.")


def check_can_retry(state: OutboxState, what: str = "update") -> None:
    """`what`: the row's name in the message ("update", or a follow-up's "push")."""
    if can_retry(state):
        return
    label = STATE_LABELS[state].lower()
    raise ValidationError(f"This {what} is {label}; there is nothing to retry.")


def check_can_cancel(state: OutboxState, what: str = "update") -> None:
    if can_cancel(state):
        return
    if state is OutboxState.SENDING:
        raise ValidationError(
            f"This {what} is being sent right now and cannot be cancelled; "
            "wait a moment for it to succeed or fail."
        )
    raise ValidationError(f"This {what} is {STATE_LABELS[state].lower()}; it cannot be cancelled.")
