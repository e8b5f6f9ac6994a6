"""The canonical form and links are the same on every laptop, whatever order a body's
keys were typed or stored in."""

from __future__ import annotations

import pytest

from commander_app.core.chain import (
    ChainLink,
    Predecessor,
    broken_link,
    canonical_event,
    next_link,
    parse_link,
)
from commander_app.core.errors import ValidationError
from commander_app.core.model import Event, Kind

FIRST = Event(
    "01JB0000000000000000000001", "01JB0000000000000000000000", Kind.NOTE,
    {"text": "café ✓", "a": [1, 2.5, None]}, "ada", "laptop-a",
    "2026-11-28T14:00:00.000000Z", "2026-11-28T14:00:00.000000Z",
)  # fmt: skip


def test_the_canonical_form_sorts_keys_and_has_no_whitespace() -> None:
    reordered = FIRST._replace(body={"a": [1, 2.5, None], "text": "café ✓"})
    assert canonical_event(FIRST, None) == canonical_event(reordered, None)
    text = canonical_event(FIRST, None).decode("ascii")
    assert text.startswith('{"author":"ada","body":{"a":[1,2.5,null],"text":"caf\\u00e9 \\u2713"}')
    assert ": " not in text
    assert ", " not in text


def test_a_link_covers_the_event_and_the_link_before_it() -> None:
    first = next_link(FIRST, None, None)
    second_event = FIRST._replace(id="01JB0000000000000000000002", body={"text": "next"})
    second = next_link(second_event, first, FIRST.id)
    known = {FIRST.id: Predecessor(FIRST.incident_id, FIRST.device_id, first.hash)}
    assert broken_link(second_event, second, known) is None
    assert broken_link(FIRST, first, {}) is None
    changed = second_event._replace(body={"text": "changed"})
    assert "changed after it was written" in (broken_link(changed, second, known) or "")
    other_before = {FIRST.id: Predecessor(FIRST.incident_id, FIRST.device_id, "0" * 64)}
    assert broken_link(second_event, second, other_before) is not None
    assert "missing" in (broken_link(second_event, second, {}) or "")


@pytest.mark.parametrize(
    "raw",
    [[], {"prev": None}, {"prev": None, "hash": "x" * 64}, {"prev": 5, "hash": "0" * 64},
     {"prev": None, "hash": "0" * 63}, {"prev": None, "hash": "0" * 64, "more": 1}],
)  # fmt: skip
def test_a_malformed_link_is_refused(raw: object) -> None:
    with pytest.raises((ValueError, ValidationError)):
        parse_link(raw)


def test_a_link_reads_back_as_written() -> None:
    assert parse_link(None) is None
    assert parse_link({"prev": None, "hash": "a" * 64}) == ChainLink(None, "a" * 64)
