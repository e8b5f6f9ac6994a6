import json
from pathlib import Path

import pytest

from commander_app.core.bundle import parse_bundle, parse_bundle_text
from commander_app.core.clock import FixedClock
from commander_app.core.errors import BundleError
from commander_app.core.model import Kind, Status
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.health import check_log
from commander_app.store.incident_log import IncidentLog


def _count(log: IncidentLog) -> int:
    return int(log.conn.execute("SELECT count(*) FROM events").fetchone()[0])


@pytest.fixture
def other(tmp_path: Path, clock: FixedClock) -> IncidentLog:
    return IncidentLog(tmp_path / "laptop2.db", device_id="laptop2", clock=clock)


def test_import_merges_by_id_and_twice_changes_nothing(
    log: IncidentLog, other: IncidentLog
) -> None:
    incident = log.open_incident("Payments down", author="a")
    log.log(incident.id, "card auth errors ✓", kind=Kind.OBSERVATION, author="a")
    log.set_status(incident.id, Status.IDENTIFIED, author="a")
    bundle = parse_bundle_text(json.dumps(export_bundle(log, incident.id)))
    first = import_bundle(other, bundle)
    assert (first.added, first.already_present, first.title) == (3, 0, "Payments down")
    snapshot = other.incident(incident.id)
    second = import_bundle(other, bundle)
    assert (second.added, second.already_present) == (0, 3)
    assert other.incident(incident.id) == snapshot
    assert other.events(incident.id) == log.events(incident.id)
    assert check_log(other) == []


def test_two_laptops_logs_merge_by_union(log: IncidentLog, other: IncidentLog) -> None:
    incident = log.open_incident("Shared", author="a")
    import_bundle(other, parse_bundle(export_bundle(log, incident.id)))
    log.log(incident.id, "from laptop one", author="a")
    other.log(incident.id, "from laptop two", author="b")
    import_bundle(other, parse_bundle(export_bundle(log, incident.id)))
    import_bundle(log, parse_bundle(export_bundle(other, incident.id)))
    assert log.events(incident.id) == other.events(incident.id)
    assert log.incident(incident.id) == other.incident(incident.id)
    assert log.incident(incident.id).event_count == 3


def test_an_altered_bundle_is_rejected_whole(log: IncidentLog, other: IncidentLog) -> None:
    incident = log.open_incident("x", author="a")
    log.log(incident.id, "original", author="a")
    data = export_bundle(log, incident.id)
    import_bundle(other, parse_bundle(data))
    before = _count(other)
    for entry in data["events"]:
        entry.pop("chain")  # as an older Commander wrote bundles: no links to give it away
    data["events"][1]["body"]["text"] = "rewritten history"
    data["events"].append(dict(data["events"][1], id="01JZZZZZZZZZZZZZZZZZZZZZZZ"))
    with pytest.raises(BundleError, match="differs from the one already in this log"):
        import_bundle(other, parse_bundle(data))
    assert _count(other) == before


def test_a_bundle_without_its_start_needs_a_known_incident(
    log: IncidentLog, other: IncidentLog
) -> None:
    incident = log.open_incident("x", author="a")
    log.log(incident.id, "later entry", author="a")
    data = export_bundle(log, incident.id)
    data["events"] = data["events"][1:]
    with pytest.raises(BundleError, match="does not contain the start"):
        import_bundle(other, parse_bundle(data))
    assert _count(other) == 0


def test_a_dangling_correction_is_rejected(log: IncidentLog, other: IncidentLog) -> None:
    incident = log.open_incident("x", author="a")
    wrong = log.log(incident.id, "wrong", author="a")
    log.log(incident.id, "right", author="a", supersedes=wrong.id)
    data = export_bundle(log, incident.id)
    data["events"] = [e for e in data["events"] if e["id"] != wrong.id]
    with pytest.raises(BundleError, match="corrects an event"):
        import_bundle(other, parse_bundle(data))
    assert _count(other) == 0
