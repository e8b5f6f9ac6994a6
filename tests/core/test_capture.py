from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from commander_app.core.capture import parse_capture, split_prefixes
from commander_app.core.errors import ValidationError
from commander_app.core.model import Kind

NOW = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("typed", "kind", "text"),
    [
        ("h pool exhausted", Kind.HYPOTHESIS, "pool exhausted"),
        ("F pool size is 10", Kind.FINDING, "pool size is 10"),
        ("d roll back 4812", Kind.DECISION, "roll back 4812"),
        ("a page the DBA", Kind.ACTION, "page the DBA"),
        ("o p99 up", Kind.OBSERVATION, "p99 up"),
        ("n just a note", Kind.NOTE, "just a note"),
        ("!disk full", Kind.ALERT, "disk full"),
        ("! disk full", Kind.ALERT, "disk full"),
        ("plain words", None, "plain words"),
        ("hx not a prefix", None, "hx not a prefix"),
        ("x unknown letter", None, "x unknown letter"),
    ],
)
def test_kind_prefixes(typed: str, kind: Kind | None, text: str) -> None:
    entry = parse_capture(typed, NOW, BERLIN)
    assert (entry.kind, entry.text, entry.at) == (kind, text, None)


def test_time_prefix_backfills_in_either_order() -> None:
    first = parse_capture("@14:05 h pool exhausted", NOW, BERLIN)
    second = parse_capture("h @14:05 pool exhausted", NOW, BERLIN)
    assert first == second
    assert first.kind is Kind.HYPOTHESIS
    assert first.at == datetime(2026, 11, 28, 13, 5, tzinfo=UTC)


def test_bad_time_and_empty_entries_are_explained() -> None:
    with pytest.raises(ValidationError, match="HH:MM"):
        parse_capture("@25:99 f text", NOW, BERLIN)
    with pytest.raises(ValidationError, match="after '@'"):
        parse_capture("@ text", NOW, BERLIN)
    with pytest.raises(ValidationError, match="empty"):
        parse_capture("h ", NOW, BERLIN)


def test_split_prefixes_previews_without_raising() -> None:
    assert split_prefixes("@99:99 h x") == (Kind.HYPOTHESIS, "99:99", "x")
