from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.times import (
    format_clock,
    format_duration,
    format_local,
    from_iso,
    is_canonical_iso,
    parse_due,
    parse_when,
    to_iso,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)  # 15:30 in Berlin


def test_stored_form_is_utc_fixed_width_and_round_trips() -> None:
    moment = datetime(2026, 3, 1, 2, 3, 4, 5, tzinfo=BERLIN)
    text = to_iso(moment)
    assert text == "2026-03-01T01:03:04.000005Z"
    assert from_iso(text) == moment
    assert is_canonical_iso(text)
    assert not is_canonical_iso("2026-03-01T01:03:04Z")


def test_naive_times_are_never_stored() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_iso(datetime(2026, 1, 1))
    with pytest.raises(ValidationError, match="no time zone"):
        from_iso("2026-01-01T10:00:00")


def test_clock_time_is_local_today() -> None:
    assert parse_when("14:05", NOW, BERLIN) == datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
    assert parse_when("15:29:30", NOW, BERLIN) == datetime(2026, 11, 28, 14, 29, 30, tzinfo=UTC)


def test_clock_time_later_than_now_means_yesterday() -> None:
    just_after_midnight = datetime(2026, 11, 28, 23, 10, tzinfo=UTC)  # 00:10 Berlin, 29th
    assert parse_when("23:50", just_after_midnight, BERLIN) == datetime(
        2026, 11, 28, 22, 50, tzinfo=UTC
    )


def test_iso_with_and_without_zone() -> None:
    assert parse_when("2026-11-28T10:00Z", NOW, BERLIN) == datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert parse_when("2026-11-28T10:00", NOW, BERLIN) == datetime(2026, 11, 28, 9, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["25:00", "7pm", "yesterday", "", "12:60"])
def test_unreadable_times_say_what_to_type(typed: str) -> None:
    with pytest.raises(ValidationError, match="HH:MM"):
        parse_when(typed, NOW, BERLIN)


def test_future_times_are_refused_beyond_clock_skew() -> None:
    ahead = to_iso(NOW + timedelta(hours=1))
    with pytest.raises(ValidationError, match="in the future"):
        parse_when(ahead, NOW, BERLIN)
    assert parse_when(to_iso(NOW + timedelta(minutes=2)), NOW, BERLIN) > NOW


def test_formatting_for_people() -> None:
    assert format_local("2026-11-28T13:05:00.000000Z", BERLIN) == "2026-11-28 14:05:00"
    assert format_local("2026-11-28T13:05:00.000000Z", BERLIN, with_date=False) == "14:05:00"
    assert format_duration(45) == "45s"
    assert format_duration(750) == "12m 30s"
    assert format_duration(3900) == "1h 05m"
    assert format_duration(-90) == "-1m 30s"


def test_a_due_clock_time_means_the_next_such_time() -> None:
    assert parse_due("16:00", NOW, BERLIN) == datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    assert parse_due("03:00", NOW, BERLIN) == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    # A few minutes past still means today: it is due now, not tomorrow.
    assert parse_due("15:27", NOW, BERLIN) == datetime(2026, 11, 28, 14, 27, tzinfo=UTC)


def test_a_due_time_may_be_far_in_the_future_but_must_be_readable() -> None:
    assert parse_due("2026-12-01T09:00Z", NOW, BERLIN) == datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert parse_due("2026-12-01T09:00", NOW, BERLIN) == datetime(2026, 12, 1, 8, tzinfo=UTC)
    with pytest.raises(ValidationError, match="HH:MM"):
        parse_due("after lunch", NOW, BERLIN)
    with pytest.raises(ValidationError, match="not a time of day"):
        parse_due("24:00", NOW, BERLIN)


def test_short_clock_times_for_boards() -> None:
    assert format_clock("2026-11-28T13:05:00.000000Z", NOW, BERLIN) == "14:05"
    assert format_clock("2026-11-27T22:50:00.000000Z", NOW, BERLIN) == "2026-11-27 23:50"


def test_early_years_are_zero_padded_so_text_order_stays_time_order() -> None:
    assert to_iso(datetime(999, 1, 2, 3, 4, tzinfo=UTC)) == "0999-01-02T03:04:00.000000Z"
    assert to_iso(datetime(999, 1, 1, tzinfo=UTC)) < to_iso(datetime(2026, 1, 1, tzinfo=UTC))


def test_times_off_the_calendar_are_clear_errors() -> None:
    with pytest.raises(ValidationError, match="off the calendar"):
        from_iso("0001-01-01T00:30:00+01:00")
    with pytest.raises(ValidationError, match="before 2000"):
        parse_when("0500-01-01T00:00Z", NOW, BERLIN)


# At 03:10 in Berlin on 1 December: the night.
NIGHT = datetime(2026, 12, 1, 2, 10, tzinfo=UTC)


def test_a_clock_time_minutes_ahead_is_refused_with_the_reading_not_made_yesterday() -> None:
    from commander_app.core.times import TimeQuestion

    with pytest.raises(TimeQuestion) as asked:
        parse_when("03:25", NIGHT, BERLIN)
    assert str(asked.value) == (
        "03:25 is 15 min from now; for yesterday's 03:25 write 2026-11-30T03:25."
    )
    assert asked.value.understood == datetime(2026, 12, 1, 2, 25, tzinfo=UTC)
    assert asked.value.instead == datetime(2026, 11, 30, 2, 25, tzinfo=UTC)
    assert asked.value.instead_text == "2026-11-30T03:25"
    # Typed out in full, yesterday's is taken as written.
    assert parse_when("2026-11-30T03:25", NIGHT, BERLIN) == asked.value.instead


def test_yesterdays_clock_time_shortly_after_midnight_is_read_and_said() -> None:
    from commander_app.core.times import read_when

    just_after_midnight = datetime(2026, 11, 28, 23, 10, tzinfo=UTC)  # 00:10 Berlin, 29th
    reading = read_when("23:50", just_after_midnight, BERLIN)
    assert reading.moment == datetime(2026, 11, 28, 22, 50, tzinfo=UTC)
    assert reading.note == "23:50 read as yesterday's, 2026-11-28 23:50."
    assert read_when("03:05", NIGHT, BERLIN).note is None


def test_a_clock_time_before_the_incident_opened_is_refused_with_the_reading() -> None:
    from commander_app.core.times import TimeQuestion

    opened = datetime(2026, 12, 1, 2, 5, tzinfo=UTC)  # 03:05 Berlin
    assert parse_when("03:06", NIGHT, BERLIN, not_before=opened) > opened
    with pytest.raises(TimeQuestion) as asked:
        parse_when("02:40", NIGHT, BERLIN, not_before=opened)
    assert str(asked.value) == (
        "02:40 is before this incident was opened (03:05); "
        "for an entry from before it write 2026-12-01T02:40."
    )
    assert parse_when("2026-12-01T02:40", NIGHT, BERLIN, not_before=opened) < opened


def test_a_due_clock_time_already_past_is_refused_not_made_tomorrow() -> None:
    from commander_app.core.times import TimeQuestion, read_due

    with pytest.raises(TimeQuestion) as asked:
        parse_due("03:00", datetime(2026, 12, 1, 2, 7, tzinfo=UTC), BERLIN)
    assert str(asked.value) == ("03:00 was 7 min ago; for tomorrow's 03:00 write 2026-12-02T03:00.")
    assert asked.value.instead == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    late = datetime(2026, 11, 28, 22, 50, tzinfo=UTC)  # 23:50 Berlin
    reading = read_due("00:30", late, BERLIN)
    assert reading.moment == datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    assert reading.note == "00:30 read as tomorrow's, 2026-11-29 00:30."
