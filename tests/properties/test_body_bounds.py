"""An imported event's body is bounded, whatever fields it carries.

A bundle may carry fields a kind does not know (a newer Commander's, a
hand-edited file's): they are kept, but only within the body's bounds, and a
bundle with one event over them is refused whole (a 100 MB event was accepted).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from commander_app.core.bundle import parse_bundle, parse_bundle_text
from commander_app.core.clock import FixedClock
from commander_app.core.errors import BundleError
from commander_app.core.events import MAX_BODY, MAX_BODY_DEPTH, MAX_BODY_VALUES, MAX_TEXT
from commander_app.core.model import Severity
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.incident_log import IncidentLog

# Slow: property trials (Hypothesis) over event bodies.
# CI runs them like every test; `-m 'not slow'` leaves them out of a quick run.
pytestmark = pytest.mark.slow

START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
STORED_LIMIT = 100_000  # bytes of one stored body of plain text: the bound plus JSON's marks

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Sample:
    def __init__(self, directory: Path) -> None:
        clock = FixedClock(START)
        self.empty = directory / "empty.db"
        with _open(directory / "source.db", clock) as log:
            incident = log.open_incident("Checkout failing", severity=Severity.SEV2, author="Ada")
            for text in ("p99 up", "deploy 4f2c", "rolled back"):
                log.log(incident.id, text, author="Ada")
            self.bundle = export_bundle(log, incident.id)
        with _open(self.empty, clock):
            pass


@contextlib.contextmanager
def _open(path: Path, clock: FixedClock | None = None) -> Iterator[IncidentLog]:
    with IncidentLog(path, device_id="device-test", clock=clock or FixedClock(START)) as log:
        yield log


@contextlib.contextmanager
def _copy_of(template: Path) -> Iterator[IncidentLog]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / template.name
        shutil.copyfile(template, path)
        with _open(path) as log:
            yield log


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return Sample(tmp_path_factory.mktemp("bounds"))


def _nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"in": value}
    return value


# One event gets extra fields of a planned shape: many keys, a long text, deep nesting.
PLANS = st.fixed_dictionaries(
    {
        "event": st.integers(min_value=0, max_value=3),
        "keys": st.sampled_from([0, 1, 10, 500, MAX_BODY_VALUES - 5, MAX_BODY_VALUES + 1, 5_000]),
        "key_text": st.sampled_from([0, 10, 60, 200]),
        "text": st.sampled_from([0, 100, 15_000, MAX_TEXT, MAX_TEXT + 1, 70_000, 1_000_000]),
        "texts": st.sampled_from([1, 2, 3, 5]),
        "depth": st.sampled_from([0, 2, MAX_BODY_DEPTH - 1, MAX_BODY_DEPTH, 50]),
    }
)


def _extra(plan: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {f"k{i}": i for i in range(plan["keys"])}
    extra |= {f"t{i}": "x" * plan["text"] for i in range(plan["texts"])}
    extra["deep"] = _nested(plan["depth"], "leaf")
    if plan["key_text"]:
        extra["n" * plan["key_text"]] = True
    return extra


def _within_bound(plan: dict[str, Any]) -> bool:
    """Comfortably inside every bound: such extra fields must be kept."""
    return (
        plan["keys"] <= 500
        and plan["key_text"] <= 60
        and plan["text"] <= 15_000
        and plan["text"] * plan["texts"] <= MAX_BODY // 2
        and plan["depth"] <= MAX_BODY_DEPTH - 2
    )


@PROPERTY
@given(plan=PLANS)
def test_nothing_over_the_bound_is_stored_and_such_a_bundle_is_refused_whole(
    sample: Sample, plan: dict[str, Any]
) -> None:
    bundle = json.loads(json.dumps(sample.bundle))
    for entry in bundle["events"]:  # as an older Commander wrote them: the bounds, not the
        entry.pop("chain", None)  # chain, are what this edit must meet
    bundle["events"][plan["event"]]["body"] |= _extra(plan)
    with _copy_of(sample.empty) as log:
        try:
            import_bundle(log, parse_bundle(bundle))
        except BundleError as exc:
            event("refused")
            message = str(exc)
        else:
            message = None
        if message is not None:
            assert f"Event {plan['event'] + 1} of the bundle" in message
            assert "too large" in message
            assert not _within_bound(plan), f"a body inside the bound was refused: {message}"
            assert log.conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0
            return
        event("kept")
        rows = log.conn.execute("SELECT length(CAST(body AS BLOB)), body FROM events").fetchall()
        assert len(rows) == len(bundle["events"])
        for size, body in rows:
            assert size <= STORED_LIMIT
            assert _depth(json.loads(body)) <= MAX_BODY_DEPTH
        assert plan["text"] <= MAX_TEXT
        assert plan["keys"] <= MAX_BODY_VALUES


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def test_a_hundred_megabyte_event_is_refused_with_its_number_and_the_limit(
    sample: Sample,
) -> None:
    bundle = json.loads(json.dumps(sample.bundle))
    bundle["events"][2]["body"]["padding"] = "x" * 100_000_000
    text = json.dumps(bundle)
    with pytest.raises(BundleError) as caught:
        parse_bundle_text(text)
    assert str(caught.value).startswith("Event 3 of the bundle is invalid: The 'note' event")
    assert f"the limit is {MAX_TEXT:,}" in str(caught.value)
