"""Decoding stored events: the fast paths give what the general ones give."""

from __future__ import annotations

import json
import re

import pytest

from commander_app.core.model import DecisionKind, Kind
from commander_app.store import board, rollback
from commander_app.store.errors import StoredValueError
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import (
    ENTRY_COLUMNS,
    EVENT_COLUMNS,
    EntryRow,
    decode_body,
    row_to_entry,
    row_to_event,
)


@pytest.mark.parametrize(
    "text",
    [
        '{"text": "pool exhausted", "ref": null, "done": true, "expect_minutes": 10}',
        '{"text": "caf\\u00e9 \u2013 \u00fcber", "options": ["a", "b"], "n": 1.5e3}',
        ' {"text": "whitespace around it"}\n',
        '{"big": 123456789012345678901234567890, "nan": NaN}',
    ],
)
def test_a_body_decodes_exactly_as_json_loads_decodes_it(text: str) -> None:
    assert repr(decode_body(text)) == repr(json.loads(text))  # repr: NaN is not equal to itself


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[1, 2]", "its body is JSON but no object (list)"),
        ('{"text": "more after it"} {}', "its body is not JSON (Extra data: line 1 column 27"),
        ('{"text": "cut off', "its body is not JSON (Unterminated string starting at"),
        ("", "its body is not JSON (Expecting value: line 1 column 1"),
        ("\ufeff{}", "its body is not JSON (Unexpected UTF-8 BOM"),
        (b'{"text": "a blob"}', "its body is stored as bytes, not text"),
    ],
)
def test_a_body_commander_never_writes_is_a_stored_value_error(
    text: str | bytes, reason: str
) -> None:
    """A damaged file's body: told as what it is, never as a bug's JSONDecodeError."""
    with pytest.raises(StoredValueError, match=f"^{re.escape(reason)}"):
        decode_body(text)  # type: ignore[arg-type]


def test_an_entry_row_is_the_event_row_s_fields_for_the_folds(
    log: IncidentLog, incident_id: str
) -> None:
    pool = board.open_hypothesis(log, incident_id, "pool", owner="kim", author="a")
    log.log(incident_id, "this was a note", author="b", supersedes=pool.id)
    rollback.log_divergence(log, incident_id, DecisionKind.FLAG, "Flag off", author="c")
    story = "FROM events WHERE incident_id = ? ORDER BY occurred_at, id"
    events = [
        row_to_event(r) for r in log.conn.execute(f"SELECT {EVENT_COLUMNS} {story}", [incident_id])
    ]
    entries = [
        row_to_entry(r) for r in log.conn.execute(f"SELECT {ENTRY_COLUMNS} {story}", [incident_id])
    ]
    assert [e.kind for e in events] == [Kind.INCIDENT, Kind.HYPOTHESIS, Kind.NOTE, Kind.DIVERGENCE]
    seqs = [r[0] for r in log.conn.execute(f"SELECT seq {story}", [incident_id])]
    assert entries == [
        EntryRow(e.id, e.kind, e.body, e.author, e.occurred_at, e.supersedes, seq)
        for e, seq in zip(events, seqs, strict=True)
    ]
