"""Reading and writing times. Stored times are UTC ISO-8601 with microseconds."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from commander_app.core.errors import ValidationError

# A responder's clock and the laptop's may disagree a little; more than this
# in the future is a typo, not skew.
FUTURE_TOLERANCE = timedelta(minutes=5)
# How far a bare clock time reaches into another day: at 00:10, "23:50" is last night's.
OTHER_DAY_REACH = timedelta(hours=12)
EARLIEST_YEAR = 2000  # a typed year before this is a typo

_CLOCK_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def to_iso(moment: datetime) -> str:
    """The one stored form: UTC, fixed width, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    t = moment.astimezone(UTC)
    # Built by hand: strftime("%Y") does not zero-pad years before 1000 everywhere.
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T"
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}Z"
    )


def from_iso(text: str) -> datetime:
    """Parse a stored or imported ISO-8601 time; it must carry a zone."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError, TypeError):
        raise ValidationError(f"'{text}' is not an ISO-8601 time.") from None
    if moment.tzinfo is None:
        raise ValidationError(f"'{text}' has no time zone; stored times must be UTC.")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError(f"'{text}' is off the calendar once converted to UTC.") from None


def is_canonical_iso(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        return to_iso(from_iso(text)) == text
    except ValidationError:
        return False


class TimeQuestion(ValidationError):
    """A typed clock time whose nearest reading cannot be what was meant (minutes in the
    future for a log time, minutes past for a deadline, before the incident opened):
    refused, with the reading and what to type for the other one, so a window can ask."""

    def __init__(self, message: str, *, understood: datetime, instead: datetime, zone: tzinfo):
        super().__init__(message)
        self.understood = understood
        self.instead = instead
        self.instead_text = instead.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class TimeReading:
    """A time read from what a person typed, and what was understood when a bare clock
    time meant another day (None when it meant today or was typed in full)."""

    moment: datetime
    note: str | None = None


def parse_when(
    text: str, now: datetime, local_zone: tzinfo, *, not_before: datetime | None = None
) -> datetime:
    """When something happened: see `read_when`."""
    return read_when(text, now, local_zone, not_before=not_before).moment


def read_when(
    text: str, now: datetime, local_zone: tzinfo, *, not_before: datetime | None = None
) -> TimeReading:
    """Read a time a person typed: ISO-8601, or HH:MM / HH:MM:SS in local time.

    A bare clock time means today's, or yesterday's when that was at most
    `OTHER_DAY_REACH` ago (at 00:10, "23:50" is last night's); a clock time minutes
    ahead is a question, not silently yesterday. `not_before` (the incident's
    opening) refuses a bare clock time before it: an earlier entry is typed in full.
    """
    clock = _clock_time(text, now, local_zone)
    if clock is None:
        moment = read_iso(text, local_zone)
        if moment.year < EARLIEST_YEAR:
            raise ValidationError(f"The time '{text}' is before {EARLIEST_YEAR}; check the year.")
        if moment - now > FUTURE_TOLERANCE:
            raise ValidationError(
                f"The time '{text}' is in the future; log times must be now or earlier."
            )
        return TimeReading(moment)
    typed, today = clock
    note = None
    moment = today
    if today - now > FUTURE_TOLERANCE:
        yesterday = _shift_days(today, -1, local_zone)
        if now - yesterday > OTHER_DAY_REACH:
            raise TimeQuestion(
                f"{typed} is {_minutes(today - now)} from now; "
                f"for yesterday's {typed} write {_typed_in_full(yesterday, local_zone)}.",
                understood=today,
                instead=yesterday,
                zone=local_zone,
            )
        moment = yesterday
        note = f"{typed} read as yesterday's, {_shown(yesterday, local_zone)}."
    if not_before is not None:
        check_after_opening(typed, moment, not_before, local_zone)
    return TimeReading(moment, note)


def check_after_opening(typed: str, moment: datetime, opened: datetime, local_zone: tzinfo) -> None:
    """A bare clock time before the incident's opening is refused with its reading (it
    would sort above "Incident opened"); typed in full, an earlier time is deliberate."""
    if moment >= opened or not _CLOCK_TIME.match(typed.strip()):
        return
    raise TimeQuestion(
        f"{typed.strip()} is before this incident was opened "
        f"({opened.astimezone(local_zone):%H:%M}); "
        f"for an entry from before it write {_typed_in_full(moment, local_zone)}.",
        understood=moment,
        instead=moment,
        zone=local_zone,
    )


def parse_due(text: str, now: datetime, local_zone: tzinfo) -> datetime:
    """A deadline: see `read_due`."""
    return read_due(text, now, local_zone).moment


def read_due(text: str, now: datetime, local_zone: tzinfo) -> TimeReading:
    """Read a deadline a person typed: like `read_when`, but it may be in the future.

    A bare clock time means today's (a few minutes past still means today: it is
    due now), or tomorrow's when that is at most `OTHER_DAY_REACH` ahead (at 23:50,
    "00:30"); a clock time longer ago is a question, not silently tomorrow.
    """
    clock = _clock_time(text, now, local_zone)
    if clock is None:
        return TimeReading(read_iso(text, local_zone))
    typed, today = clock
    if now - today <= FUTURE_TOLERANCE:
        return TimeReading(today)
    tomorrow = _shift_days(today, 1, local_zone)
    if tomorrow - now > OTHER_DAY_REACH:
        raise TimeQuestion(
            f"{typed} was {_minutes(now - today)} ago; "
            f"for tomorrow's {typed} write {_typed_in_full(tomorrow, local_zone)}.",
            understood=today,
            instead=tomorrow,
            zone=local_zone,
        )
    return TimeReading(tomorrow, f"{typed} read as tomorrow's, {_shown(tomorrow, local_zone)}.")


def _clock_time(text: str, now: datetime, local_zone: tzinfo) -> tuple[str, datetime] | None:
    """A bare HH:MM[:SS] as typed (tidied) and today's such moment in UTC; None if not one."""
    match = _CLOCK_TIME.match(text.strip())
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValidationError(f"'{text}' is not a time of day (use HH:MM, 24-hour).")
    local_now = now.astimezone(local_zone)
    moment = local_now.replace(hour=hour, minute=minute, second=second, microsecond=0)
    typed = f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if match[3] else "")
    return typed, moment.astimezone(UTC)


def _shift_days(moment: datetime, days: int, local_zone: tzinfo) -> datetime:
    """The same local clock time on another day (across a DST change too)."""
    local = moment.astimezone(local_zone)
    shifted = datetime.combine(local.date() + timedelta(days=days), local.time(), local_zone)
    return shifted.astimezone(UTC)


def read_iso(text: str, local_zone: tzinfo) -> datetime:
    """ISO-8601 as typed or given in a file, in UTC: one without a zone is in `local_zone`."""
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"Cannot read the time '{text}': use HH:MM (local) or ISO-8601 "
            "such as 2026-11-28T14:05 or 2026-11-28T14:05Z."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError(f"The time '{text}' is off the calendar.") from None


def _minutes(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d} min"


def _typed_in_full(moment: datetime, local_zone: tzinfo) -> str:
    return moment.astimezone(local_zone).strftime("%Y-%m-%dT%H:%M")


def _shown(moment: datetime, local_zone: tzinfo) -> str:
    return moment.astimezone(local_zone).strftime("%Y-%m-%d %H:%M")


def format_local(iso: str, local_zone: tzinfo, with_date: bool = True) -> str:
    moment = from_iso(iso).astimezone(local_zone)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def format_clock(iso: str, now: datetime, local_zone: tzinfo) -> str:
    """'14:05' today, '2026-11-27 23:50' on another day: short, never ambiguous."""
    moment = from_iso(iso).astimezone(local_zone)
    same_day = moment.date() == now.astimezone(local_zone).date()
    return moment.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")


def format_duration(seconds: float) -> str:
    """'1h 05m', '12m 30s', '45s': what a person reads off a dashboard."""
    sign = "-" if seconds < 0 else ""
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


def format_minutes(seconds: float) -> str:
    """'19 min', '1 h 05 min', 'under 1 min': how long, as a text a person sends says it.

    Whole minutes, rounded; the sign is the caller's to word ("overdue by", "in")."""
    total = round(abs(seconds) / 60)
    if total < 1:
        return "under 1 min"
    hours, minutes = divmod(total, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def format_countdown(seconds: float) -> str:
    """A countdown for a person: '45 s' within a minute either side of the due time, else
    whole minutes, '18 min', '1 h 05 min'. Time left counts up to the minute (18 min 12 s
    left is '19 min': it never says a minute less than there is), time overdue down
    (22 min 30 s late is '22 min'); the sign is dropped."""
    if abs(seconds) < 60:
        return f"{int(abs(seconds))} s"
    whole = math.ceil(seconds / 60) if seconds > 0 else math.floor(-seconds / 60)
    hours, minutes = divmod(whole, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
