"""Whether follow-ups get done: per month or quarter, how many were written, done and
dropped, how many stood open and overdue when the period ended, how long the done ones
took (median and IQR with n, like every trend), and the share of the items due in the
period that were done by their due date.

The share is counted over items *due* in the period, not over items done in it: an item
never done is a miss, and counting only the done ones would hide it. An item dropped
(won't do) on or before its due date is a decision, not a miss, and leaves the count;
one dropped after it was overdue stays in as not done in time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from commander_app.core.model import FollowUpState
from commander_app.core.times import from_iso
from commander_app.core.trends import FEW, Period, bucket_of, spread

DAY = 86_400.0


@dataclass(frozen=True)
class ItemDates:
    """What completion needs of one follow-up (times as UTC ISO-8601)."""

    id: str
    incident_id: str
    opened_at: str
    due: str | None
    state: FollowUpState
    closed_at: str | None  # done or dropped; None while open


@dataclass(frozen=True)
class Completion:
    """Follow-ups in one period."""

    bucket: str  # "2026-11", "2026-Q4"
    opened: int  # written in the period
    done: int  # done in the period
    dropped: int  # decided won't do in the period
    open_at_end: int  # still open when the period ended (or now, for this one)
    overdue_at_end: int  # of those, past their due date
    days_n: int  # items done in the period with a time to done
    days_median: float | None  # days from written to done
    days_q1: float | None
    days_q3: float | None
    due: int  # items due in the period (by now), a decision to drop them in time left out
    done_by_due: int  # of those, done on or before the due date

    @property
    def share_within_due(self) -> float | None:
        return self.done_by_due / self.due if self.due else None

    @property
    def too_few(self) -> bool:
        return self.days_n < FEW

    def as_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "opened": self.opened,
            "done": self.done,
            "dropped": self.dropped,
            "open_at_end": self.open_at_end,
            "overdue_at_end": self.overdue_at_end,
            "days_to_done": {
                "n": self.days_n,
                "median": self.days_median,
                "q1": self.days_q1,
                "q3": self.days_q3,
                "too_few": self.too_few,
            },
            "due": self.due,
            "done_by_due": self.done_by_due,
            "share_within_due": self.share_within_due,
        }


@dataclass(frozen=True)
class _Item:
    opened: datetime
    due: datetime | None
    state: FollowUpState
    closed: datetime | None


def completion(
    items: Iterable[ItemDates], period: Period, zone: tzinfo, now: datetime
) -> list[Completion]:
    """One row per period from the first item's to now's, oldest first (a quiet period
    is a row of zeros, not a gap)."""
    parsed = [_parse(i) for i in items]
    parsed = [i for i in parsed if i.opened <= now]
    if not parsed:
        return []
    # A due date or closing backfilled to before the item was written still has a row.
    first = min(m for i in parsed for m in (i.opened, i.due, i.closed) if m is not None)
    return [
        _bucket(parsed, bucket, end, period, zone, now)
        for bucket, end in _periods(first, now, period, zone)
    ]


def _parse(item: ItemDates) -> _Item:
    closed = from_iso(item.closed_at) if item.closed_at and item.state in _CLOSED else None
    return _Item(
        from_iso(item.opened_at),
        from_iso(item.due) if item.due else None,
        item.state,
        closed,
    )


_CLOSED = frozenset({FollowUpState.DONE, FollowUpState.WONT})


def _periods(
    first: datetime, now: datetime, period: Period, zone: tzinfo
) -> Iterator[tuple[str, datetime]]:
    """(bucket, the moment it ends) from `first`'s period to `now`'s; the last ends now."""
    local = first.astimezone(zone)
    step = 1 if period == "month" else 3
    year, month = local.year, local.month - (local.month - 1) % step
    while True:
        start = datetime(year, month, 1, tzinfo=zone)
        if start > now:
            return
        month += step
        if month > 12:
            year, month = year + 1, month - 12
        end = datetime(year, month, 1, tzinfo=zone)
        yield bucket_of(start, period, zone), min(end, now)


def _bucket(
    items: list[_Item], bucket: str, end: datetime, period: Period, zone: tzinfo, now: datetime
) -> Completion:
    def inside(moment: datetime | None) -> bool:
        return moment is not None and moment <= now and bucket_of(moment, period, zone) == bucket

    opened = sum(1 for i in items if inside(i.opened))
    done = [i for i in items if i.state is FollowUpState.DONE and inside(i.closed)]
    dropped = sum(1 for i in items if i.state is FollowUpState.WONT and inside(i.closed))
    still_open = [i for i in items if i.opened <= end and (i.closed is None or i.closed > end)]
    overdue = sum(1 for i in still_open if i.due is not None and i.due < end)
    days = sorted((i.closed - i.opened).total_seconds() / DAY for i in done if i.closed)
    median, q1, q3 = spread(days)
    due = [i for i in items if inside(i.due) and not _dropped_in_time(i)]
    in_time = sum(1 for i in due if i.state is FollowUpState.DONE and _closed_by_due(i))
    return Completion(
        bucket,
        opened,
        len(done),
        dropped,
        len(still_open),
        overdue,
        len(days),
        median,
        q1,
        q3,
        len(due),
        in_time,
    )


def _dropped_in_time(item: _Item) -> bool:
    return item.state is FollowUpState.WONT and _closed_by_due(item)


def _closed_by_due(item: _Item) -> bool:
    return item.closed is not None and item.due is not None and item.closed <= item.due


def completion_lines(rows: list[Completion]) -> list[str]:
    """The completion table as text, a row per period."""
    lines = ["Follow-up completion"]
    if not rows:
        return [*lines, "  no follow-ups"]
    lines.append(
        f"  {'period':<8} {'written':>7} {'done':>5} {'dropped':>7} {'open':>5} "
        f"{'overdue':>7}  {'days to done: median (IQR), n':<32} done by due"
    )
    for r in rows:
        if r.days_n:
            days = f"{r.days_median:.1f} ({r.days_q1:.1f} – {r.days_q3:.1f}), n={r.days_n}"
            if r.too_few:
                days += " too few"
        else:
            days = "—"
        share = f"{r.done_by_due}/{r.due} ({r.share_within_due:.0%})" if r.due else "—"
        lines.append(
            f"  {r.bucket:<8} {r.opened:>7} {r.done:>5} {r.dropped:>7} {r.open_at_end:>5} "
            f"{r.overdue_at_end:>7}  {days:<32} {share}"
        )
    lines.append(
        f"  open and overdue as each period ended; 'too few': fewer than {FEW} done, "
        "too few to read a trend from"
    )
    return lines
