"""Every body the store writes, through each user action, is its kind's TypedDict."""

from __future__ import annotations

from datetime import timedelta

from commander_app.core.cadence_policy import CadencePolicy
from commander_app.core.clock import FixedClock
from commander_app.core.follow_ups import FollowUpRequest
from commander_app.core.model import (
    Ack,
    Afterwards,
    Audience,
    DecisionKind,
    DivergenceReview,
    FollowUpState,
    HypothesisState,
    Kind,
    Milestone,
    Outcome,
    Role,
    Severity,
    Status,
)
from commander_app.core.postmortem import FactorCategory, PostmortemState, Section
from commander_app.core.rollback import DecisionRequest
from commander_app.core.update_facts import UpdateFacts
from commander_app.store import board as board_store
from commander_app.store import cadence, handoff, rollback_files
from commander_app.store import channels as channel_store
from commander_app.store import follow_ups as follow_ups_store
from commander_app.store import outbox as outbox_store
from commander_app.store import postmortem as postmortem_store
from commander_app.store import rollback as rollback_store
from commander_app.store.incident_log import IncidentLog
from tests.support.bodies import KIND_BODIES, body_problems


def test_every_body_an_incident_gets_matches_its_kinds_type(
    log: IncidentLog, clock: FixedClock, incident_id: str
) -> None:
    def later() -> None:
        clock.advance(timedelta(minutes=1))

    log.set_severity(incident_id, Severity.SEV1, author="alice")
    log.assign_role(incident_id, Role.COMMUNICATOR, "cara", author="alice")
    log.mark_milestone(incident_id, Milestone.DETECTED, author="alice")
    log.log(incident_id, "Paged the DB team", author="alice")
    hypothesis = board_store.open_hypothesis(
        log, incident_id, "The cache is cold", owner="bob", author="alice"
    )
    board_store.assign_hypothesis(log, incident_id, hypothesis.id, "carl", author="alice")
    board_store.add_finding(
        log, incident_id, "Hit rate 2%", hypothesis_id=hypothesis.id, author="bob"
    )
    board_store.set_hypothesis_state(
        log, incident_id, hypothesis.id, HypothesisState.CONFIRMED, author="bob"
    )
    action = board_store.add_action(
        log, incident_id, "Warm the cache", owner="bob", due=clock.now(), author="alice"
    )
    board_store.update_action(log, incident_id, action.id, owner="carl", author="alice")
    board_store.complete_action(log, incident_id, action.id, author="carl")
    board_store.record_decision(
        log, incident_id, "Wait for the warm-up", options=["wait", "scale"], author="alice"
    )
    later()
    cadence.record_sent(
        log,
        incident_id,
        Audience.INTERNAL,
        "We are on it.",
        next_update_at=clock.now() + timedelta(minutes=10),
        author="cara",
        facts=UpdateFacts.of("Checkout is slow", None, ["checkout"]),
    )
    clock.advance(timedelta(minutes=12))
    cadence.snooze(
        log,
        incident_id,
        Audience.INTERNAL,
        15,
        "waiting on DB",
        author="cara",
        policy=CadencePolicy(),
    )
    channel_store.save_channel(log, "status", "statuspage", {"page_id": "p1"})
    sent, failed, cancelled = (
        outbox_store.enqueue(
            log,
            incident_id,
            Audience.CUSTOMERS,
            ["status"],
            "Checkout problems",
            f"Update {n}",
            author="cara",
            facts=UpdateFacts.of("Checkout is slow", "Pay by invoice", []),
        )[0]
        for n in range(3)
    )
    outbox_store.record_sent(log, sent.id, remote_id="u1", remote_incident_id="i1", detail="ok")
    outbox_store.record_failure(log, failed.id, "The API key was refused.", retryable=False)
    outbox_store.cancel(log, cancelled.id, author="cara")
    for item in rollback_files.load_checklist().items:
        if item.required:
            rollback_store.tick_item(log, incident_id, item.id, author="alice")
    decision = rollback_store.decide(
        log,
        incident_id,
        DecisionRequest(
            "Roll back checkout to 4811",
            DecisionKind.ROLLBACK,
            options=["roll back", "fix forward"],
            objections=["bob: the fix is close"],
            reversible=True,
            expect_minutes=10,
        ),
        author="alice",
    )
    clock.advance(timedelta(minutes=11))
    rollback_store.ask_due_outcomes(log, incident_id, author="commander")
    rollback_store.record_outcome(
        log, incident_id, decision.id, Outcome.WORKED, note="errors gone", author="alice"
    )
    change = rollback_store.log_divergence(
        log,
        incident_id,
        DecisionKind.FLAG,
        "Flag off",
        afterwards=Afterwards.REVERT,
        by="dave",
        author="alice",
    )
    rollback_store.review_divergence(
        log, incident_id, change.id, DivergenceReview.REVERTED, note="back on", author="alice"
    )
    from commander_app.store import runbook_steps, runbooks

    runbooks.refresh_index(log.conn, runbooks.shipped_folder(), clock.now())
    pool = runbooks.find_runbook(log.conn, "database-pool-exhausted")
    runbook_steps.record_done(log, incident_id, pool, 1, "cl_waiting 12", author="bob")
    runbook_steps.record_wrong(log, incident_id, pool, 2, "the view was renamed", author="bob")
    runbook_steps.record_escalation(log, incident_id, pool, 1, author="bob", to="the DBA")
    rollback_store.review_divergence(
        log, incident_id, decision.id, DivergenceReview.MADE_PERMANENT, author="alice"
    )
    handoff.offer_handoff(log, incident_id, "erin", author="alice")
    handoff.accept_handoff(log, incident_id, author="alice")
    follow_up = follow_ups_store.add_follow_up(
        log,
        incident_id,
        FollowUpRequest("Alert when checkout 500s pass 1% for 5 minutes", owner="bob"),
        author="erin",
    )
    follow_ups_store.answer(log, incident_id, follow_up.id, Ack.ACCEPTED, author="bob")
    follow_ups_store.move(
        log, incident_id, follow_up.id, FollowUpState.DONE, evidence="PR 12", author="bob"
    )
    log.set_status(incident_id, Status.RESOLVED, author="erin")
    later()
    postmortem_store.write_section(
        log, incident_id, Section.SUMMARY, "A cold cache.", author="erin"
    )
    factor = postmortem_store.add_factor(
        log, incident_id, "No alert on hit rate", FactorCategory.ALERTING_MISSING, author="erin"
    )
    postmortem_store.change_factor(
        log, incident_id, factor.id, author="erin", text="No alert on the hit rate"
    )
    postmortem_store.keep_wording(log, incident_id, "summary", "A cold cache.", author="erin")
    postmortem_store.move(log, incident_id, PostmortemState.IN_REVIEW, author="erin")

    from commander_app.store import drills

    drill = drills.start(log, "payment-failure-after-deploy", author="fay", speed=2.0)
    drills.skip(log, "alert-storm", author="fay")
    drills.delay(log, "cto-eta", 5, author="fay")
    drills.pause(log, author="fay")
    drills.resume(log, author="fay")
    drills.fire(log, "db-looks-fine", author="fay")
    drill_events = [e for e in log.events(drill.incident.id) if e.kind is Kind.DRILL]

    events = log.events(incident_id) + drill_events
    # A settled conflict needs two laptops' logs: tests/store/test_conflicts.py checks it.
    assert {e.kind for e in events} == set(Kind) - {Kind.OBSERVATION, Kind.ALERT, Kind.CONFLICT}
    assert {e.id: body_problems(e.body, KIND_BODIES[e.kind]) for e in events} == {
        e.id: [] for e in events
    }
