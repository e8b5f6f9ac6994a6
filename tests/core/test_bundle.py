import copy
import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commander_app.core import projection
from commander_app.core.bundle import (
    BUNDLE_VERSION,
    make_bundle,
    parse_bundle,
    parse_bundle_text,
)
from commander_app.core.errors import BundleError
from commander_app.core.ids import new_ulid
from commander_app.core.markdown_export import render_markdown
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def sample_events() -> list[Event]:
    incident = new_ulid(T0)
    opened = {"action": "opened", "title": "Payments | EU", "severity": "SEV1", "drill": True}
    first = Event(
        new_ulid(T0), incident, Kind.INCIDENT, opened, "alice", "dev", to_iso(T0), to_iso(T0)
    )
    note = Event(
        new_ulid(T0),
        incident,
        Kind.NOTE,
        {"text": "ünïcode ✓\nsecond line"},
        "bob",
        "dev",
        to_iso(T0),
        to_iso(T0),
    )
    fix = Event(
        new_ulid(T0),
        incident,
        Kind.NOTE,
        {"text": "corrected"},
        "bob",
        "dev",
        to_iso(T0),
        to_iso(T0),
        supersedes=note.id,
    )
    return [first, note, fix]


def sample_bundle() -> dict[str, Any]:
    events = sample_events()
    state = projection.fold(events[0].incident_id, events)
    return make_bundle(state, events, to_iso(T0), "test")


def test_a_bundle_round_trips_through_json() -> None:
    bundle = sample_bundle()
    parsed = parse_bundle_text(json.dumps(bundle))
    assert [{**e.to_dict(), "chain": None} for e in parsed.events] == bundle["events"]
    assert bundle["metrics"]["notes"]["time_to_detect"] == "not detected yet"


def test_truncated_json_is_explained() -> None:
    text = json.dumps(sample_bundle())
    with pytest.raises(BundleError, match=r"not valid JSON.*truncated"):
        parse_bundle_text(text[: len(text) // 2])


def test_a_newer_bundle_asks_for_an_update() -> None:
    bundle = sample_bundle()
    bundle["version"] = BUNDLE_VERSION + 1
    with pytest.raises(BundleError, match="newer Commander"):
        parse_bundle(bundle)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b.update(format="something-else"), "not a Commander incident bundle"),
        (lambda b: b.update(version="1"), "no valid format version"),
        (lambda b: b.update(events=[]), "no events"),
        (lambda b: b["incident"].update(id="nope"), "not a valid incident id"),
        (lambda b: b["events"][1].update(kind="gossip"), "Event 2 .*Unknown kind"),
        (lambda b: b["events"][1].update(incident_id=new_ulid(T0)), "another incident"),
        (lambda b: b["events"][1].update(occurred_at="yesterday"), "not an ISO-8601"),
        (lambda b: b["events"][1].update(id=b["events"][0]["id"]), "repeats the id"),
        (lambda b: b["events"][2].update(supersedes=b["events"][2]["id"]), "supersedes itself"),
        (lambda b: b["events"][0]["body"].pop("title"), "title must be text"),
    ],
)
def test_damaged_bundles_name_the_problem(damage: Any, message: str) -> None:
    bundle = copy.deepcopy(sample_bundle())
    damage(bundle)
    with pytest.raises(BundleError, match=message):
        parse_bundle(bundle)


def test_markdown_export_is_readable_and_escapes_tables() -> None:
    events = sample_events()
    state = projection.fold(events[0].incident_id, events)
    text = render_markdown(state, events, ZoneInfo("Europe/Berlin"))
    assert text.startswith("# Payments | EU (drill)\n")
    assert "## Timeline (times in CET)" in text
    assert "| 2026-11-28 10:00:00 | note | bob | ~~ünïcode ✓<br>second line~~ (corrected) |" in text
    assert "Payments \\| EU" in text
    assert "- Time to detect: — (not detected yet)" in text
