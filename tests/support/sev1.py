"""A realistic SEV1 for the window's layout tests and the README's screenshots.

Payments fail after a deploy at 02:47 Berlin time; 44 minutes later the pool exhaustion
is confirmed, a rollback waits for its "did it work?", the communicator sent one
internal update and every audience is overdue.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commander_app.core.clock import FixedClock
from commander_app.core.model import (
    Audience,
    DecisionKind,
    HypothesisState,
    Kind,
    Milestone,
    Role,
    Severity,
    Status,
)
from commander_app.core.rollback import DecisionRequest
from commander_app.store import board, cadence, rollback
from commander_app.store.incident_log import IncidentLog

START = datetime(2026, 11, 28, 1, 47, tzinfo=UTC)  # 02:47 in Berlin


def scripted_sev1(log: IncidentLog, clock: FixedClock) -> str:
    def at(minutes: int) -> None:
        clock.set(START + timedelta(minutes=minutes))

    at(0)
    incident = log.open_incident(
        "Payments failing at checkout after deploy 4811",
        severity=Severity.SEV1,
        commander="alice",
        author="alice",
    ).id
    at(1)
    log.assign_role(incident, Role.COMMUNICATOR, "carol", author="alice")
    log.log(
        incident,
        "38 % of card payments fail with 502 from payments-api",
        author="dan",
        kind=Kind.OBSERVATION,
    )
    at(2)
    log.mark_milestone(
        incident, Milestone.IMPACT_STARTED, author="alice", at=START - timedelta(minutes=4)
    )
    log.assign_role(incident, Role.SCRIBE, "erin", author="alice")
    at(4)
    cadence.record_sent(
        log, incident, Audience.INTERNAL, "Investigating failed card payments.", author="carol"
    )
    at(6)
    pool = board.open_hypothesis(
        log,
        incident,
        "Connection pool exhausted on payments-db since deploy 4811",
        owner="bob",
        author="alice",
    ).id
    dns = board.open_hypothesis(
        log, incident, "DNS flapping for the card processor's endpoint", owner="dan", author="dan"
    ).id
    board.open_hypothesis(
        log, incident, "Card processor degraded on their side", owner="frank", author="frank"
    )
    at(9)
    board.add_finding(
        log,
        incident,
        "pg_stat_activity: 200 of 200 connections busy",
        hypothesis_id=pool,
        author="bob",
    )
    board.add_finding(
        log, incident, "Resolver answers stable over 10 min", hypothesis_id=dns, author="dan"
    )
    board.set_hypothesis_state(log, incident, dns, HypothesisState.REFUTED, author="dan")
    at(12)
    log.set_status(incident, Status.IDENTIFIED, author="alice")
    board.set_hypothesis_state(log, incident, pool, HypothesisState.CONFIRMED, author="alice")
    board.add_action(
        log,
        incident,
        "Raise pool alert threshold review",
        owner="bob",
        author="alice",
        due=START + timedelta(minutes=60),
    )
    at(14)
    for item in ("1", "2"):
        rollback.tick_item(log, incident, item, author="alice")
    at(16)
    rollback.decide(
        log,
        incident,
        DecisionRequest(
            "Roll back payments-api to release 4810",
            DecisionKind.ROLLBACK,
            options=["roll back", "raise the pool size", "fix forward"],
            objections=["bob: the migration in 4811 may not roll back cleanly"],
            reversible=True,
            expect_minutes=10,
            override_reason="card payments failing for 38 % of customers",
        ),
        author="alice",
    )
    at(44)
    return incident
