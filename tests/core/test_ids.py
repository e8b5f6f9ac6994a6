from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commander_app.core.errors import ValidationError
from commander_app.core.ids import UlidFactory, check_ulid, decode, encode, timestamp_ms

T0 = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


def test_ulids_carry_their_time_and_sort_by_it() -> None:
    factory = UlidFactory()
    first = factory.new(T0)
    later = factory.new(T0 + timedelta(milliseconds=1))
    assert len(first) == 26
    assert timestamp_ms(first) == int(T0.timestamp() * 1000)
    assert first < later


def test_ulids_made_in_the_same_millisecond_still_increase() -> None:
    factory = UlidFactory()
    made = [factory.new(T0) for _ in range(1000)]
    assert made == sorted(made)
    assert len(set(made)) == 1000
    assert {timestamp_ms(u) for u in made} == {int(T0.timestamp() * 1000)}


def test_ulids_still_increase_within_a_millisecond_after_the_clock_steps_back() -> None:
    factory = UlidFactory()
    factory.new(T0 + timedelta(hours=1))
    made = [factory.new(T0) for _ in range(100)]
    assert made == sorted(made)


@given(st.integers(0, (1 << 128) - 1))
def test_encoding_round_trips_and_keeps_order(value: int) -> None:
    text = encode(value)
    assert decode(text) == value
    assert check_ulid(text) == text
    assert (encode(max(value - 1, 0)) <= text) is True


def test_check_ulid_accepts_lower_case_and_refuses_junk() -> None:
    made = UlidFactory().new(T0)
    assert check_ulid(made.lower()) == made
    for junk in ("", "0" * 25, "8" + "0" * 25, "0" * 25 + "U", "I" * 26):
        with pytest.raises(ValidationError, match="not a valid id"):
            check_ulid(junk)
    with pytest.raises(ValidationError, match="must be text"):
        check_ulid(12)
