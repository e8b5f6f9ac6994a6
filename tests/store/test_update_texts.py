"""The texts stakeholders receive, rendered from the shipped templates for each
audience and phase of one realistic SEV1, and checked as they would be read."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from commander_app.core.clock import FixedClock
from commander_app.core.model import HypothesisState, Milestone, Role, Severity, Status
from commander_app.store import board
from commander_app.store.incident_log import IncidentLog
from commander_app.store.templates import draft

TEAM = ZoneInfo("Asia/Kathmandu")  # +05:45, as the window was tried
READERS = ZoneInfo("Europe/Berlin")
AUDIENCES = ("internal", "executives", "customers")
PHASES = ("investigating", "identified", "monitoring", "resolved")
SECONDS = re.compile(r"\d+m \d\ds|\d+h \d\dm|\d+s\b")


def payments_incident(log: IncidentLog, clock: FixedClock) -> dict[str, dict[str, str]]:
    """14:00 UTC: a SEV1 is called, impact since 13:57. The texts each audience would
    get in each phase, keyed by phase then audience."""
    start = clock.now()
    incident = log.open_incident("Payments failing after deploy 4812", severity=Severity.SEV1,
                                 commander="alice", author="alice").id  # fmt: skip
    log.mark_milestone(incident, Milestone.IMPACT_STARTED, author="alice",
                       at=start - timedelta(minutes=3))  # fmt: skip
    log.assign_role(incident, Role.COMMUNICATOR, "bram", author="alice")
    cause = board.open_hypothesis(log, incident, "Deploy 4812 broke card tokenisation",
                                          owner="chen", author="alice").id  # fmt: skip
    texts = {"investigating": drafts(log, incident, clock, first=True)}
    clock.advance(timedelta(minutes=19, seconds=20))
    board.set_hypothesis_state(log, incident, cause, HypothesisState.CONFIRMED,
                                       author="alice")  # fmt: skip
    log.set_status(incident, Status.IDENTIFIED, author="alice")
    texts["identified"] = drafts(log, incident, clock, first=True)
    clock.advance(timedelta(minutes=15, seconds=40))  # 14:35
    log.mark_milestone(incident, Milestone.MITIGATED, author="alice")
    log.set_status(incident, Status.MONITORING, author="alice")
    texts["monitoring"] = drafts(log, incident, clock, first=False)
    clock.advance(timedelta(minutes=35, seconds=10))  # 15:10:10
    log.set_status(incident, Status.RESOLVED, author="alice")
    texts["resolved"] = drafts(log, incident, clock, first=False)
    return texts


def drafts(log: IncidentLog, incident: str, clock: FixedClock, *, first: bool) -> dict[str, str]:
    now = clock.now()
    return {
        audience: draft(
            log,
            incident,
            audience,
            now=now,
            first=first,
            next_update_due=now + timedelta(minutes=20),
            stakeholder_zone=READERS,
            local_zone=TEAM,
            impact="38 % of payments fail at the last step",
            workaround="Pay with PayPal",
            affected_services=["payments"],
        ).as_text()
        for audience in AUDIENCES
    }


@pytest.fixture
def texts(log: IncidentLog, clock: FixedClock) -> dict[str, dict[str, str]]:
    return payments_incident(log, clock)


def test_durations_are_whole_minutes(texts: dict[str, dict[str, str]]) -> None:
    for phase in PHASES:
        for audience in AUDIENCES:
            text = texts[phase][audience]
            assert not SECONDS.search(text), f"{audience} {phase}: {text}"
    assert "started 19:42 +0545 (22 min ago)" in texts["identified"]["internal"]
    assert "resolved after 1 h 13 min" in texts["resolved"]["internal"]


def test_internal_texts_use_the_teams_zone_the_others_the_readers_each_labelled(
    texts: dict[str, dict[str, str]],
) -> None:
    internal, executives = texts["identified"]["internal"], texts["identified"]["executives"]
    assert "Next update 20:24 +0545." in internal  # 14:39 UTC, as the window shows it
    assert "UTC" not in internal
    assert "started 14:57 CET (22 min ago)" in executives
    assert "Next update by 15:39 CET." in executives
    assert "We will post the next update by 15:39 CET." in texts["identified"]["customers"]


def test_customers_hear_how_long_the_impact_lasted_not_when_someone_clicked_resolve(
    texts: dict[str, dict[str, str]],
) -> None:
    resolved = texts["resolved"]["customers"]
    assert "It started at 14:57 CET and lasted 38 min, until 15:35 CET." in resolved
    assert "1 h 13 min" not in resolved
    assert (
        "Customer impact lasted 38 min (from 14:57 CET to 15:35 CET)."
        in texts["resolved"]["executives"]
    )
