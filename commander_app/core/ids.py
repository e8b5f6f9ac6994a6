"""Event and incident ids: ULIDs, sortable by creation time, unique across devices."""

from __future__ import annotations

import threading
from datetime import datetime

from ulid import ULID

from commander_app.core.errors import ValidationError


class UlidFactory:
    """Makes ULIDs that strictly increase within this process.

    Two entries typed in the same millisecond still sort in the order they
    were written, so ties in `occurred_at` keep the order of recording.
    """

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def new(self, moment: datetime) -> str:
        candidate = int(ULID.from_datetime(moment))
        with self._lock:
            if candidate <= self._last and (candidate >> 80) == (self._last >> 80):
                candidate = self._last + 1
            self._last = max(self._last, candidate)
        return str(ULID.from_int(candidate))


new_ulid = UlidFactory().new


def check_ulid(text: object, what: str = "id") -> str:
    if not isinstance(text, str):
        raise ValidationError(f"The {what} must be text, not {type(text).__name__}.")
    try:
        return str(ULID.from_str(text))
    except ValueError:
        raise ValidationError(f"'{text[:40]}' is not a valid {what}.") from None
