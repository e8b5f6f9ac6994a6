"""The drill report on a hand-computed drill: a real log, a fixed clock, the shipped
playbook (SEV1: anyone commands; commander, communicator and scribe required)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.alerts import AlertTriage
from commander_app.core.clock import FixedClock
from commander_app.core.errors import NotFoundError
from commander_app.core.model import Audience, Kind, Role
from commander_app.store import alerts, board, cadence, drills, handoff
from commander_app.store.drill_report import find_break, propose_break, read_drill_report
from commander_app.store.incident_log import IncidentLog
from tests.store.test_drills import SCENARIO


@pytest.fixture
def drill(log: IncidentLog, clock: FixedClock, tmp_path: Path) -> str:
    """T+0 start; T+2 alice commands; T+3 carol communicates; T+4 the storm and the
    CTO's question fire; T+5 a group is triaged and the status page goes down; two
    hypotheses on the pool, one owned; T+7 executives are updated; T+10 the commander is
    called away, T+11 a handoff offered and never accepted."""
    path = tmp_path / "payments.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    start = clock.now()
    incident = drills.start(log, str(path), author="fay").incident.id

    def at(minutes: int) -> None:
        clock.set(start + timedelta(minutes=minutes))

    at(2)
    log.assign_role(incident, Role.COMMANDER, "alice", author="alice")
    at(3)
    log.assign_role(incident, Role.COMMUNICATOR, "carol", author="alice")
    at(4)
    drills.tick(log, author="fay")
    at(5)
    group = alerts.find_group(log, incident, "PaymentProviderTLS")
    alerts.triage(log, incident, group, AlertTriage.CAUSE, hypothesis=None, author="erin")
    drills.tick(log, author="fay")
    board.open_hypothesis(log, incident, "Database connection pool exhausted", owner="dana",
                          author="dana")  # fmt: skip
    board.open_hypothesis(log, incident, "Database connection pool exhausted after deploy",
                          author="priya")  # fmt: skip
    at(7)
    cadence.record_sent(log, incident, Audience.EXECUTIVES, "We are on it.", author="carol")
    at(10)
    drills.tick(log, author="fay")
    at(11)
    handoff.offer_handoff(log, incident, "bob", author="alice")
    at(12)
    return incident


def test_the_report_measures_the_drill_against_the_playbook(log: IncidentLog, drill: str) -> None:
    report = read_drill_report(log, drill)
    measures = {m.label: (m.value, m.ok) for m in report.measures}
    assert measures["Time to an incident commander"] == ("2m 00s (alice)", True)
    assert measures["Time to a communicator"] == ("3m 00s", True)
    assert measures["Hypotheses with an owner"] == ("1 of 2", False)
    assert measures["Duplicate investigations"] == ("1", False)
    assert measures["Handoffs acknowledged"] == ("0 of 1", False)
    assert measures["Rollback authority rule"] == ("no rollback decided", None)
    assert measures["First update to executives"][0].startswith("7m 00s")
    injects = {i.inject_id: i for i in report.injects}
    assert injects["storm"].fired_after == timedelta(minutes=4)
    assert injects["storm"].handled_after == timedelta(minutes=1)
    assert injects["cto"].handled_after == timedelta(minutes=3)
    assert injects["status-down"].handled_after is None  # customers were never told
    assert injects["away"].answer == "no a handoff of command accepted after it"
    assert injects["cdn"].fired_after is None  # nobody mentioned the CDN
    broke = [b.what for b in report.breaks]
    assert "The playbook requires a scribe for SEV1; nobody held the role." in broke
    assert "1 of 2 hypotheses had no owner." in broke
    assert any(b.startswith("Two people chased the same thing") for b in broke)
    assert "1 handoff of command was offered and never acknowledged." in broke
    assert any(
        b.startswith("Inject status-down (status page down) was not answered") for b in broke
    )
    assert not any("Inject storm" in b or "Inject cto" in b for b in broke)


def test_a_break_becomes_a_process_follow_up_of_the_drill(log: IncidentLog, drill: str) -> None:
    report = read_drill_report(log, drill)
    scribe = next(n for n, b in enumerate(report.breaks, 1) if "scribe" in b.what)
    event = propose_break(log, drill, find_break(report, scribe), author="fay")
    assert event.kind is Kind.ACTION
    assert event.body["type"] == "process"
    assert str(event.body["text"]).startswith("Define in the playbook who takes the scribe role")
    for found in report.breaks:  # every mend reads as a commitment the follow-up check takes
        propose_break(log, drill, found, author="fay")
    with pytest.raises(NotFoundError, match="there is no number 99"):
        find_break(report, 99)
