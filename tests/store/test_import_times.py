"""A bundle's times are bounded as a typed entry's are: nothing far ahead of now (which
would resolve an incident in 30 days, or break every later read at 9999-12-31)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.bundle import parse_bundle
from commander_app.core.clock import FixedClock
from commander_app.core.errors import BundleError
from commander_app.core.times import to_iso
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.incident_log import IncidentLog


def bundle_with(log: IncidentLog, incident_id: str, when: str) -> dict:
    bundle = export_bundle(log, incident_id)
    bundle["events"][-1]["occurred_at"] = when
    return bundle


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "+30 days", "1969-12-31T00:00:00Z"])
def test_a_bundle_dated_impossibly_is_refused_and_nothing_is_written(
    log: IncidentLog, incident_id: str, clock: FixedClock, tmp_path: Path, when: str
) -> None:
    log.log(incident_id, "pool exhausted", author="a")
    if when == "+30 days":
        when = to_iso(clock.now() + timedelta(days=30))
    bundle = parse_bundle(bundle_with(log, incident_id, when))
    with IncidentLog(tmp_path / "other.db", device_id="o", clock=clock) as other:
        with pytest.raises(BundleError, match="Nothing was imported"):
            import_bundle(other, bundle)
        assert other.incidents(include_resolved=True) == []


def test_a_colleagues_clock_a_minute_ahead_is_fine(
    log: IncidentLog, incident_id: str, clock: FixedClock, tmp_path: Path
) -> None:
    log.log(incident_id, "pool exhausted", author="a")
    ahead = FixedClock(clock.now() + timedelta(minutes=1))
    with IncidentLog(tmp_path / "colleague.db", device_id="c", clock=ahead) as colleague:
        import_bundle(colleague, parse_bundle(export_bundle(log, incident_id)))
        colleague.log(incident_id, "pool resized", author="c")
        bundle = parse_bundle(export_bundle(colleague, incident_id))
    assert bundle.events[-1].recorded_at == to_iso(clock.now() + timedelta(minutes=1))
    with IncidentLog(tmp_path / "other.db", device_id="o", clock=clock) as other:
        assert import_bundle(other, bundle).added == 3
