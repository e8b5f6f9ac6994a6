"""Follow-up completion per period, against a table worked out by hand."""

from datetime import UTC, datetime, timedelta, timezone

from commander_app.core.follow_up_trends import ItemDates, completion, completion_lines
from commander_app.core.model import FollowUpState

OPEN, DONE, WONT = FollowUpState.OPEN, FollowUpState.DONE, FollowUpState.WONT
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def item(name: str, opened: str, due: str | None, state: FollowUpState, closed: str | None = None):
    def iso(day: str | None) -> str | None:
        return f"{day}T09:00:00Z" if day and "T" not in day else day

    return ItemDates(name, "inc", iso(opened), iso(due), state, iso(closed))  # type: ignore[arg-type]


ITEMS = [
    item("A", "2026-01-05", "2026-01-20", DONE, "2026-01-10"),  # done early: 5 days
    item("B", "2026-01-10", "2026-02-10", DONE, "2026-02-20"),  # done late: 41 days
    item("C", "2026-01-20", "2026-01-25", OPEN),  # never done: overdue from January on
    item("D", "2026-02-01", "2026-02-15", WONT, "2026-02-10"),  # dropped in time: a decision
    item("E", "2026-02-02", "2026-02-05", WONT, "2026-02-28"),  # dropped when overdue: a miss
    item("F", "2026-03-01", "2026-04-01", OPEN),  # due after now: counted nowhere yet
    item("G", "2026-03-02", "2026-03-10", DONE, "2026-03-03"),  # done in a day
]


def table(rows):
    return [
        (
            r.bucket,
            r.opened,
            r.done,
            r.dropped,
            r.open_at_end,
            r.overdue_at_end,
            r.days_n,
            r.days_median,
            r.due,
            r.done_by_due,
        )
        for r in rows
    ]


def test_each_month_counts_written_done_dropped_open_overdue_and_done_by_due() -> None:
    rows = completion(ITEMS, "month", UTC, NOW)
    assert table(rows) == [
        ("2026-01", 3, 1, 0, 2, 1, 1, 5.0, 2, 1),
        ("2026-02", 2, 1, 2, 1, 1, 1, 41.0, 2, 0),
        ("2026-03", 2, 1, 0, 2, 1, 1, 1.0, 1, 1),
    ]
    assert [r.share_within_due for r in rows] == [0.5, 0.0, 1.0]
    assert all(r.too_few for r in rows)


def test_a_quarter_has_the_median_and_iqr_of_days_to_done() -> None:
    (q1,) = completion(ITEMS, "quarter", UTC, NOW)
    assert table([q1]) == [("2026-Q1", 7, 3, 2, 2, 1, 3, 5.0, 5, 2)]
    assert (q1.days_q1, q1.days_q3) == (3.0, 23.0)
    assert q1.share_within_due == 0.4


def test_a_quiet_month_is_a_row_of_zeros_and_the_zone_decides_the_month() -> None:
    items = [
        item("A", "2026-01-05", None, DONE, "2026-01-31T23:30:00Z"),
        item("B", "2026-03-01T10:00:00Z", None, OPEN),
    ]
    plus_one = timezone(timedelta(hours=1))
    rows = completion(items, "month", plus_one, NOW)
    assert [(r.bucket, r.opened, r.done, r.open_at_end) for r in rows] == [
        ("2026-01", 1, 0, 1),
        ("2026-02", 0, 1, 0),  # closed at 00:30 on 1 February, local time
        ("2026-03", 1, 0, 1),
    ]
    assert rows[1].due == 0
    assert rows[1].share_within_due is None


def test_nothing_to_count_says_so() -> None:
    assert completion([], "month", UTC, NOW) == []
    assert completion_lines([]) == ["Follow-up completion", "  no follow-ups"]
    text = "\n".join(completion_lines(completion(ITEMS, "month", UTC, NOW)))
    assert "5.0 (5.0 – 5.0), n=1 too few" in text
    assert "0/2 (0%)" in text


def test_a_due_date_before_the_item_was_written_still_has_its_period() -> None:
    rows = completion([item("A", "2026-03-02", "2026-02-27", OPEN)], "month", UTC, NOW)
    assert [(r.bucket, r.opened, r.due, r.done_by_due) for r in rows] == [
        ("2026-02", 0, 1, 0),
        ("2026-03", 1, 0, 0),
    ]
