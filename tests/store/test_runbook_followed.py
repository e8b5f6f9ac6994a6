"""What the Runbooks tab reads of an incident's log: each step of a runbook done (with
the output seen), flagged wrong or escalated, newest first per op and only this
incident's; and which indexed runbook an alert's runbook_url names."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from commander_app.core.clock import FixedClock
from commander_app.store import runbooks
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_steps import (
    FollowedStep,
    followed_steps,
    record_done,
    record_escalation,
    record_wrong,
)
from commander_app.store.runbook_suggestions import linked_runbook


def test_the_steps_followed_in_one_incident_newest_output_kept(
    log: IncidentLog, clock: FixedClock
) -> None:
    runbooks.refresh_index(log.conn, runbooks.shipped_folder(), clock.now())
    pool = runbooks.find_runbook(log.conn, "database-pool-exhausted")
    disk = runbooks.find_runbook(log.conn, "disk-full")
    incident = log.open_incident("Checkout 500s", author="ann").id
    other = log.open_incident("Another one", author="ann").id
    clock.advance(timedelta(minutes=1))
    record_done(log, incident, pool, 1, "cl_waiting 12", author="bob")
    clock.advance(timedelta(minutes=1))
    record_done(log, incident, pool, 1, "cl_waiting 40", author="bob")
    record_wrong(log, incident, pool, 2, "the view was renamed", author="bob")
    record_escalation(log, incident, pool, 2, author="bob")
    record_done(log, incident, disk, 1, "", author="bob")
    record_done(log, other, pool, 3, "t", author="bob")
    seen = followed_steps(log.conn, incident, "database-pool-exhausted")
    assert sorted(seen) == [1, 2]
    assert seen[1].output == "cl_waiting 40"
    assert seen[1].done_at is not None
    assert seen[2] == FollowedStep(
        wrong_note="the view was renamed",
        escalated_to="the payments DBA on call (PagerDuty: payments-dba)",
    )
    assert followed_steps(log.conn, other, "database-pool-exhausted").keys() == {3}


def test_a_runbook_url_names_the_indexed_runbook_or_none(tmp_path: Path) -> None:
    with IncidentLog(tmp_path / "log.db", device_id="d") as log:
        runbooks.refresh_index(log.conn, runbooks.shipped_folder(), log.clock.now())
        found = linked_runbook(log.conn, "https://git.example/rb/blob/main/disk-full.md")
        assert found is not None
        assert found.name == "disk-full"
        assert linked_runbook(log.conn, "https://wiki.example/pages/5xx") is None
        assert linked_runbook(log.conn, "  ") is None
