"""Event and incident ids: ULIDs, sortable by creation time, unique across devices.

A ULID is 48 bits of milliseconds since 1970 and 80 random bits, written as 26
Crockford base-32 characters, so text order is creation order. It is small
enough to make here: a library for it cost 20 ms of start-up (it reads package
metadata on import), and we need ids that strictly increase within a process.
"""

from __future__ import annotations

import os
import re
import threading
from datetime import datetime

from commander_app.core.errors import ValidationError

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
_RANDOM_BITS = 80
_MAX = (1 << 128) - 1


def encode(value: int) -> str:
    if not 0 <= value <= _MAX:
        raise ValueError("a ULID holds 128 bits")
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def decode(text: str) -> int:
    value = 0
    for char in text:
        value = value * 32 + _ALPHABET.index(char)
    return value


def timestamp_ms(ulid: str) -> int:
    return decode(ulid) >> _RANDOM_BITS


class UlidFactory:
    """Makes ULIDs that strictly increase within this process.

    Two entries typed in the same millisecond still sort in the order they
    were written, so ties in `occurred_at` keep the order of recording.
    """

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def new(self, moment: datetime) -> str:
        millis = int(moment.timestamp() * 1000)
        candidate = (millis << _RANDOM_BITS) | int.from_bytes(os.urandom(10), "big")
        with self._lock:
            if candidate <= self._last and (self._last >> _RANDOM_BITS) == millis:
                candidate = self._last + 1
            # The last id made, not the largest: after the clock steps back, ids made
            # within one millisecond must still increase.
            self._last = candidate
        return encode(candidate)


new_ulid = UlidFactory().new


def check_ulid(text: object, what: str = "id") -> str:
    """The id in its canonical (upper-case) form, or a clear error."""
    if not isinstance(text, str):
        raise ValidationError(f"The {what} must be text, not {type(text).__name__}.")
    canonical = text.upper()
    if not _ULID.match(canonical):
        raise ValidationError(f"'{text[:40]}' is not a valid {what}.")
    return canonical
