"""The quick-capture line's little language: a kind prefix and a time prefix.

    h pool exhausted on checkout-db      a hypothesis
    @14:05 f pool size is 10             a finding that happened at 14:05
    !disk full on db-3                   an alert

The prefixes are read before the entry is written, so the window can show
what Enter will do while the person is still typing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from commander_app.core.errors import ValidationError
from commander_app.core.events import clean_text
from commander_app.core.model import Kind
from commander_app.core.times import check_after_opening, from_iso, parse_when

PREFIXES: dict[str, Kind] = {
    "n": Kind.NOTE,
    "o": Kind.OBSERVATION,
    "h": Kind.HYPOTHESIS,
    "f": Kind.FINDING,
    "d": Kind.DECISION,
    "a": Kind.ACTION,
    "!": Kind.ALERT,
}

HELP = (
    "Prefixes: n note · o observation · h hypothesis · f finding · d decision · "
    "a action · ! alert · @HH:MM when it happened"
)


@dataclass(frozen=True)
class CaptureEntry:
    kind: Kind | None  # None: the kind chosen in the selector
    text: str
    at: datetime | None  # None: now
    typed_at: str | None = None  # the time as typed after '@', for `check_after_opening`


def split_prefixes(raw: str) -> tuple[Kind | None, str | None, str]:
    """Kind prefix, time prefix (without '@') and the rest, in either order."""
    kind: Kind | None = None
    when: str | None = None
    rest = raw.lstrip()
    for _ in range(2):
        if when is None and rest.startswith("@"):
            token, _, after = rest[1:].partition(" ")
            when, rest = token, after.lstrip()
        elif kind is None and rest.startswith("!"):
            kind, rest = Kind.ALERT, rest[1:].lstrip()
        elif kind is None and len(rest) > 1 and rest[1] == " " and rest[0].lower() in PREFIXES:
            kind, rest = PREFIXES[rest[0].lower()], rest[2:].lstrip()
    return kind, when, rest


def parse_capture(raw: str, now: datetime, local_zone: tzinfo) -> CaptureEntry:
    """Read what was typed; a bad time or an empty entry is a clear error."""
    kind, when, rest = split_prefixes(raw)
    at = None
    if when is not None:
        if not when:
            raise ValidationError("Type a time after '@', for example @14:05.")
        at = parse_when(when, now, local_zone)
    return CaptureEntry(kind, clean_text(rest), at, when)


def check_capture_time(entry: CaptureEntry, opened_at: str | None, local_zone: tzinfo) -> None:
    """The incident is known only when the entry is written: an `@HH:MM` before its
    opening is refused with the reading, as the CLI's `--at` is."""
    if entry.at is not None and entry.typed_at is not None and opened_at:
        check_after_opening(entry.typed_at, entry.at, from_iso(opened_at), local_zone)
