"""`commander conflicts`: two laptops' logs merged, the conflict listed and settled."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from commander_app.core.bundle import parse_bundle
from commander_app.core.clock import FixedClock, SystemClock
from commander_app.core.model import Role
from commander_app.store import conflicts as conflict_store
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.incident_log import IncidentLog
from tests.conftest import fails, ok


def _two_commanders(tmp_path: Path, clock: FixedClock) -> tuple[Path, Path, str, str, str]:
    """Alice's and Bob's laptops, each naming a commander while apart, then merged."""
    first, second = tmp_path / "alice.db", tmp_path / "bob.db"
    with (
        IncidentLog(first, device_id="laptop-alice", clock=clock) as a,
        IncidentLog(second, device_id="laptop-bob", clock=clock) as b,
    ):
        incident = a.open_incident("Checkout 500s", commander="alice", author="alice")
        clock.advance(timedelta(seconds=1))
        import_bundle(b, parse_bundle(export_bundle(a, incident.id)))
        ann = a.assign_role(incident.id, Role.COMMANDER, "ann", author="alice")
        clock.advance(timedelta(seconds=1))
        bob = b.assign_role(incident.id, Role.COMMANDER, "bob", author="bob")
        import_bundle(b, parse_bundle(export_bundle(a, incident.id)))
        import_bundle(a, parse_bundle(export_bundle(b, incident.id)))
    return first, second, incident.id, ann.id, bob.id


def test_conflicts_are_listed_with_both_sides_and_settled_by_key(
    tmp_path: Path, clock: FixedClock
) -> None:
    first, second, incident_id, ann, bob = _two_commanders(tmp_path, clock)
    listed = ok("conflicts", db=first)
    assert listed.startswith("Checkout 500s: 1 conflict to settle.")
    assert "Two commanders: ann as commander (alice on laptop-alice" in listed
    assert f"keep {ann}: ann as commander" in listed
    assert f"keep {bob}: bob as commander" in listed
    (conflict,) = json.loads(ok("conflicts", "--json", "--incident", incident_id, db=first))[
        "conflicts"
    ]
    assert conflict["kind"] == "role"
    assert [s["device_id"] for s in conflict["sides"]] == ["laptop-alice", "laptop-bob"]

    refusal = fails("conflicts", "settle", conflict["key"], "--keep", incident_id, db=first)
    assert "Keep one of the conflict's sides" in refusal
    assert "no conflict 'nope'" in fails("conflicts", "settle", "nope", "--keep", bob, db=first)
    settled = ok(
        "conflicts", "settle", conflict["key"], "--keep", bob, "--reason", "bob is on the bridge",
        "--author", "alice", "--incident", incident_id, db=first,
    )  # fmt: skip
    assert settled == (
        "Checkout 500s: Conflict settled: bob is the commander. — bob is on the bridge\n"
    )
    assert ok("conflicts", db=first) == "Checkout 500s: no conflicts between laptops.\n"
    # The settlement is an entry like any other: shown, exported, searched, checked.
    assert "Conflict settled: bob is the commander." in ok("show", incident_id, db=first)
    assert "Conflict settled: bob is the commander." in ok(
        "export", incident_id, "--format", "md", db=first
    )
    assert "bob is the commander" in ok("search", "bridge", db=first)
    assert ok("check", db=first) == f"{first}: ok\n"

    now = SystemClock()  # the settlement was written at the real time, as the CLI does
    with (
        IncidentLog(first, device_id="laptop-alice", clock=now) as a,
        IncidentLog(second, device_id="laptop-bob", clock=now) as b,
    ):
        assert a.incident(incident_id).commander == "bob"
        assert conflict_store.count(b, incident_id) == 1
        import_bundle(b, parse_bundle(export_bundle(a, incident_id)))
        assert conflict_store.count(b, incident_id) == 0
    assert "no conflicts" in ok("conflicts", db=second)
