"""How a countdown reads to a person: a due time and minutes, never a bare mm:ss that
looks like a clock time ("Internal 18:44" read as "due at 18:44")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commander_app.core.cadence import AudienceCadence, CadenceStatus
from commander_app.core.countdown import countdown, format_countdown
from commander_app.core.model import Audience
from commander_app.core.times import to_iso

NOW = datetime(2026, 11, 28, 21, 16, tzinfo=UTC)  # 03:01 in Kathmandu (+05:45)
KATHMANDU = ZoneInfo("Asia/Kathmandu")


def item(
    status: CadenceStatus, seconds_left: float, audience: Audience = Audience.INTERNAL
) -> AudienceCadence:
    due = to_iso(NOW + timedelta(seconds=seconds_left))
    return AudienceCadence(audience, status, due, seconds_left, None, timedelta(minutes=20))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (45.9, "45 s"),
        (60, "1 min"),
        (-59.5, "59 s"),
        (61, "2 min"),  # left: up to the minute, never a minute less than there is
        (18 * 60 + 12, "19 min"),
        (-22 * 60 - 50, "22 min"),  # overdue: down to the minute
        (59 * 60 + 59, "1 h 00 min"),
        (65 * 60, "1 h 05 min"),
    ],
)
def test_minutes_not_mm_ss_once_more_than_a_minute(seconds: float, text: str) -> None:
    assert format_countdown(seconds) == text


def test_an_update_due_names_its_due_time_and_the_minutes_left() -> None:
    shown = countdown(item(CadenceStatus.DUE_SOON, 17 * 60 + 20), NOW, KATHMANDU)
    assert shown.text == "Internal · due 03:18 · 18 min"
    assert shown.short == "Int · due 03:18 · 18 min"  # only the audience is abbreviated
    assert shown.sentence == "Internal update due 03:18, in 18 min"
    assert not shown.overdue


def test_an_overdue_update_says_overdue_by_whole_minutes() -> None:
    late = item(CadenceStatus.OVERDUE, -(22 * 60 + 40), Audience.EXECUTIVES)
    shown = countdown(late, NOW, KATHMANDU)
    assert shown.text == "Executives · overdue 22 min"
    assert shown.short == "Exec · overdue 22 min"
    assert shown.sentence == "Executives update overdue by 22 min (was due 02:38)"
    assert shown.overdue


def test_a_final_update_past_its_time_is_overdue_too() -> None:
    shown = countdown(item(CadenceStatus.RESOLVED_FINAL_DUE, -90), NOW, KATHMANDU)
    assert shown.overdue
    assert shown.text == "Internal · final overdue 1 min"
    assert shown.sentence.startswith("Internal final update overdue by 1 min")
    waiting = countdown(item(CadenceStatus.RESOLVED_FINAL_DUE, 240), NOW, KATHMANDU)
    assert not waiting.overdue
    assert waiting.text == "Internal · final due 03:05 · 4 min"


def test_a_snoozed_update_keeps_its_due_time() -> None:
    snoozed = item(CadenceStatus.SNOOZED, 15 * 60, Audience.CUSTOMERS)
    shown = countdown(snoozed, NOW, KATHMANDU)
    assert shown.text == "Customers · snoozed · due 03:16 · 15 min"
    assert shown.short == "Cust · snoozed · due 03:16 · 15 min"
    assert not shown.overdue


def test_the_state_comes_from_the_cadence_not_from_a_style() -> None:
    assert AudienceCadence(
        Audience.INTERNAL, CadenceStatus.OVERDUE, to_iso(NOW), -1.0, None, None
    ).overdue
    assert not AudienceCadence(
        Audience.INTERNAL, CadenceStatus.DONE, None, None, None, None
    ).overdue
