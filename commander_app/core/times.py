"""Reading and writing times. Stored times are UTC ISO-8601 with microseconds."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, tzinfo

from commander_app.core.errors import ValidationError

# A responder's clock and the laptop's may disagree a little; more than this
# in the future is a typo, not skew.
FUTURE_TOLERANCE = timedelta(minutes=5)
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


def parse_when(text: str, now: datetime, local_zone: tzinfo) -> datetime:
    """Read a time a person typed: ISO-8601, or HH:MM / HH:MM:SS in local time.

    A bare clock time means the most recent such moment: at 00:10, "23:50" is
    yesterday's, which is what someone backfilling a night's notes means.
    """
    moment = _read_time(text, now, local_zone, later=False)
    if moment.year < EARLIEST_YEAR:
        raise ValidationError(f"The time '{text}' is before {EARLIEST_YEAR}; check the year.")
    if moment - now > FUTURE_TOLERANCE:
        raise ValidationError(
            f"The time '{text}' is in the future; log times must be now or earlier."
        )
    return moment


def parse_due(text: str, now: datetime, local_zone: tzinfo) -> datetime:
    """Read a deadline a person typed: like `parse_when`, but it may be in the future.

    A bare clock time means the next such moment: at 23:50, "00:30" is
    tomorrow's. A time a few minutes past still means today (it is due now).
    """
    return _read_time(text, now, local_zone, later=True)


def _read_time(text: str, now: datetime, local_zone: tzinfo, *, later: bool) -> datetime:
    raw = text.strip()
    match = _CLOCK_TIME.match(raw)
    if match:
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValidationError(f"'{text}' is not a time of day (use HH:MM, 24-hour).")
        local_now = now.astimezone(local_zone)
        moment = local_now.replace(hour=hour, minute=minute, second=second, microsecond=0)
        if later and local_now - moment > FUTURE_TOLERANCE:
            moment += timedelta(days=1)
        elif not later and moment - local_now > FUTURE_TOLERANCE:
            moment -= timedelta(days=1)
        return moment.astimezone(UTC)
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
