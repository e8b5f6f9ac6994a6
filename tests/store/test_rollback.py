"""The checklist, decisions, outcomes and the divergence register in a real log."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.authority import AuthorityMatrix, AuthorityRow
from commander_app.core.board import fold_board
from commander_app.core.bundle import parse_bundle_text
from commander_app.core.clock import FixedClock
from commander_app.core.divergences import fold_divergences
from commander_app.core.errors import ValidationError
from commander_app.core.markdown_export import render_markdown
from commander_app.core.model import (
    Afterwards,
    DecisionKind,
    DivergenceReview,
    Kind,
    Outcome,
    Role,
    Severity,
    Status,
)
from commander_app.core.rollback import ChecklistState, DecisionRequest, fold_ticks
from commander_app.store import board as board_store
from commander_app.store import environment, handoff, playbook, rollback_files
from commander_app.store import rollback as rollback_store
from commander_app.store.bundles import export_bundle
from commander_app.store.incident_log import IncidentLog
from tests.store.conftest import count
from tests.support.query_plan import read_plans

ROLLBACK = DecisionRequest(
    "Roll back checkout to 4811",
    DecisionKind.ROLLBACK,
    options=["roll back", "fix forward"],
    objections=["bob: the fix is five minutes away"],
    reversible=True,
    expect_minutes=10,
)


def tick_required(log: IncidentLog, incident_id: str) -> None:
    for item in rollback_files.load_checklist().items:
        if item.required:
            rollback_store.tick_item(log, incident_id, item.id, author="alice")


def test_ticks_are_logged_and_a_repeated_tick_writes_nothing(
    log: IncidentLog, incident_id: str
) -> None:
    event = rollback_store.tick_item(log, incident_id, "1", author="carl")
    assert event.kind is Kind.CHECKLIST
    assert event.body["item"] == "suspect-change"
    assert event.body["checked"] is True
    before = count(log)
    with pytest.raises(ValidationError, match="already ticked"):
        rollback_store.tick_item(log, incident_id, "suspect-change", author="carl")
    assert count(log) == before
    rollback_store.tick_item(log, incident_id, "1", checked=False, author="carl")
    state = rollback_store.checklist_state(log, incident_id)
    assert not state.is_ticked(state.checklist.find("1"))
    assert state.ticks["suspect-change"].by == "carl"


def test_deciding_a_rollback_needs_the_checklist_or_authority(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    before = count(log)
    with pytest.raises(ValidationError, match="5 required checklist items are not ticked"):
        rollback_store.decide(log, incident_id, ROLLBACK, author="alice")
    assert count(log) == before
    overridden = DecisionRequest(ROLLBACK.text, ROLLBACK.decision_kind, override_reason="down")
    with pytest.raises(ValidationError, match="bob does not hold that role"):
        rollback_store.decide(log, incident_id, overridden, author="bob")
    event = rollback_store.decide(log, incident_id, overridden, author="alice")  # the commander
    assert event.body["authority"]["basis"] == "override"
    tick_required(log, incident_id)
    clock.advance(timedelta(seconds=1))
    event = rollback_store.decide(log, incident_id, ROLLBACK, author="bob")
    assert event.body["authority"]["basis"] == "checklist"
    recorded = rollback_store.decisions(log, incident_id).decisions[-1]
    assert recorded.options == ["roll back", "fix forward"]
    assert recorded.objections == ["bob: the fix is five minutes away"]
    assert (recorded.reversible, recorded.expect_minutes) == (True, 10)


def test_authority_follows_the_incident_s_current_severity(
    log: IncidentLog, incident_id: str
) -> None:
    log.assign_role(incident_id, Role.SERVICE_OWNER, "bob", author="alice")
    flag = DecisionRequest("Kill flag new-checkout", DecisionKind.FLAG, override_reason="suspect")
    log.set_severity(incident_id, Severity.SEV2, author="alice")  # escalated: the IC alone
    with pytest.raises(ValidationError, match="Only the incident commander"):
        rollback_store.decide(log, incident_id, flag, author="bob")
    log.set_severity(incident_id, Severity.SEV3, author="alice")
    event = rollback_store.decide(log, incident_id, flag, author="bob")
    assert event.body["authority"]["severity"] == "SEV3"
    assert event.body["role"] == "service_owner"


def test_the_playbooks_authority_applies_and_a_broken_edit_keeps_the_last_good(
    log: IncidentLog, incident_id: str
) -> None:
    path = playbook.playbook_path()
    assert path.parent == environment.data_dir()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('name = "ours"\n[severity.SEV3.rollback]\ndecide = ["scribe"]\n', "utf-8")
    log.assign_role(incident_id, Role.SCRIBE, "sam", author="alice")
    request = DecisionRequest("Fail over", DecisionKind.FAILOVER, override_reason="region down")
    assert rollback_store.decide(log, incident_id, request, author="sam").body["role"] == "scribe"
    path.write_text("[severity.SEV3\n", encoding="utf-8")
    assert rollback_store.decide(log, incident_id, request, author="sam").body["role"] == "scribe"
    assert playbook.in_force().source == "last good"


def test_save_matrix_writes_the_playbook_and_reads_back(isolated_environment: Path) -> None:
    shipped = rollback_files.shipped_matrix()
    changed = AuthorityMatrix(
        {**shipped.rows, Severity.SEV4: AuthorityRow(Severity.SEV4, (Role.COMMANDER,))}
    )
    target = rollback_files.save_matrix(changed)
    assert target == playbook.playbook_path()
    assert rollback_files.load_matrix() == changed
    assert not list(target.parent.glob(".*.tmp"))


def test_the_outcome_is_asked_once_when_its_time_comes(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    tick_required(log, incident_id)
    decided = rollback_store.decide(log, incident_id, ROLLBACK, author="alice")
    clock.advance(timedelta(minutes=9))
    assert rollback_store.ask_due_outcomes(log, incident_id, author="alice") == []
    clock.advance(timedelta(minutes=2))
    asked = rollback_store.ask_due_outcomes(log, incident_id, author="alice")
    assert [e.body["ref"] for e in asked] == [decided.id]
    assert asked[0].body["text"].startswith("Did it work? Roll back checkout to 4811")
    # In the timeline at the time it came due, not when the window noticed.
    due = rollback_store.decisions(log, incident_id).decisions[0].outcome_due_at
    assert asked[0].occurred_at == due
    assert rollback_store.ask_due_outcomes(log, incident_id, author="alice") == []
    answer = rollback_store.record_outcome(
        log, incident_id, decided.id[:10], Outcome.FAILED, note="errors stayed", author="alice"
    )
    assert answer.body["text"] == (
        "Outcome: did not work: Roll back checkout to 4811. errors stayed"
    )
    with pytest.raises(ValidationError, match="already recorded as failed"):
        rollback_store.record_outcome(log, incident_id, decided.id, Outcome.FAILED, author="alice")
    final = rollback_store.decisions(log, incident_id).decisions[0]
    assert (final.outcome, final.outcome_note) == (Outcome.FAILED, "errors stayed")


def test_a_decision_from_before_the_record_still_folds_and_takes_an_outcome(
    log: IncidentLog, incident_id: str
) -> None:
    old = board_store.record_decision(log, incident_id, "Page the DBA", author="alice")
    rollback_store.record_outcome(log, incident_id, old.id, Outcome.WORKED, author="alice")
    board = board_store.board(log, incident_id)
    assert [d.text for d in board.decisions] == ["Page the DBA"]
    assert board.decisions[0].outcome is Outcome.WORKED
    assert rollback_store.register(log, incident_id) == []


def test_divergences_from_decisions_and_logged_through_resolve(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    tick_required(log, incident_id)
    rollback = rollback_store.decide(log, incident_id, ROLLBACK, author="alice")
    rollback_store.decide(log, incident_id, DecisionRequest("Page the DBA"), author="alice")
    scaled = rollback_store.log_divergence(
        log,
        incident_id,
        DecisionKind.SCALING,
        "Scaled checkout to 40 pods",
        afterwards=Afterwards.REVERT,
        by="kim",
        author="alice",
    )
    register = rollback_store.register(log, incident_id)
    assert [(d.id, d.change.value, d.by) for d in register] == [
        (rollback.id, "rollback", "alice"),
        (scaled.id, "scaling", "kim"),
    ]
    assert register[1].afterwards is Afterwards.REVERT
    log.set_status(incident_id, Status.MONITORING, author="alice")
    before = count(log)
    with pytest.raises(
        rollback_store.UnreviewedChanges, match="2 production changes are not"
    ) as no:
        rollback_store.resolve(log, incident_id, author="alice")
    assert [d.id for d in no.value.pending] == [rollback.id, scaled.id]
    assert count(log) == before
    assert log.incident(incident_id).status is Status.MONITORING
    rollback_store.review_divergence(
        log, incident_id, scaled.id, DivergenceReview.REVERTED, author="kim"
    )
    rollback_store.review_divergence(
        log, incident_id, rollback.id, DivergenceReview.MADE_PERMANENT, author="alice"
    )
    with pytest.raises(ValidationError, match="already reviewed as made permanent"):
        rollback_store.review_divergence(
            log, incident_id, rollback.id, DivergenceReview.MADE_PERMANENT, author="alice"
        )
    event = rollback_store.resolve(log, incident_id, author="alice")
    assert "unreviewed_changes" not in event.body
    assert log.incident(incident_id).status is Status.RESOLVED


def test_resolving_anyway_records_how_many_were_left(log: IncidentLog, incident_id: str) -> None:
    rollback_store.log_divergence(log, incident_id, DecisionKind.FLAG, "Flag off", author="alice")
    event = rollback_store.resolve(log, incident_id, author="alice", confirmed=True)
    assert event.body["unreviewed_changes"] == 1
    assert log.incident(incident_id).status is Status.RESOLVED


def test_briefing_and_exports_carry_decisions_checklist_and_changes(
    log: IncidentLog, incident_id: str
) -> None:
    rollback_store.tick_item(log, incident_id, "1", author="alice")
    overridden = DecisionRequest(
        "Roll back checkout to 4811",
        DecisionKind.ROLLBACK,
        expect_minutes=10,
        override_reason="checkout down for everyone",
    )
    decided = rollback_store.decide(log, incident_id, overridden, author="alice")
    rollback_store.log_divergence(
        log, incident_id, DecisionKind.CONFIG, "Pool size 50", author="kim"
    )
    briefing = handoff.briefing(log, incident_id, local_zone=environment.local_zone())
    assert "Production changes (2, 2 NOT reviewed)" in briefing
    assert "rollback by alice: Roll back checkout to 4811 (NOT reviewed)" in briefing
    assert "effect expected by" in briefing

    bundle = export_bundle(log, incident_id)
    assert [d["id"] for d in bundle["decisions"]] == [decided.id]
    assert bundle["decisions"][0]["authority"]["override_reason"] == "checkout down for everyone"
    assert [c["id"] for c in bundle["checklist"]] == ["suspect-change"]
    assert [d["change"] for d in bundle["divergences"]] == ["rollback", "config"]
    parsed = parse_bundle_text(json.dumps(bundle))  # the new events pass an import's checks
    assert len(parsed.events) == count(log)

    text = render_markdown(
        log.incident(incident_id), log.events(incident_id), environment.local_zone()
    )
    assert "  - Authority: SEV3 matrix" in text
    assert "checklist overridden: checkout down for everyone" in text
    assert "## Rollback checklist" in text
    assert "- [x] The suspect change is identified" in text
    assert "config by kim: Pool size 50 (afterwards: undecided; **NOT REVIEWED**)" in text


def test_the_rollback_view_read_through_its_index_is_the_fold_of_every_event(
    log: IncidentLog, incident_id: str, clock: FixedClock
) -> None:
    tick_required(log, incident_id)
    rollback = rollback_store.decide(log, incident_id, ROLLBACK, author="alice")
    rollback_store.tick_item(log, incident_id, "1", author="carl")
    flag = rollback_store.log_divergence(
        log, incident_id, DecisionKind.FLAG, "Flag off", author="bob"
    )
    body = {"text": "Flag checkout-v2 off", "change": "flag", "afterwards": "revert"}
    log.append(incident_id, Kind.DIVERGENCE, body, author="bob", supersedes=flag.id)
    wrong = board_store.record_decision(log, incident_id, "Page the DBA", author="alice")
    log.log(incident_id, "that was a note, not a decision", author="alice", supersedes=wrong.id)
    clock.advance(timedelta(minutes=11))
    rollback_store.record_outcome(log, incident_id, rollback.id, Outcome.WORKED, author="alice")
    rollback_store.review_divergence(
        log, incident_id, flag.id, DivergenceReview.REVERTED, author="bob"
    )
    checklist = rollback_files.load_checklist()
    ticks, board, register = rollback_store.rollback_view(log, incident_id, checklist)
    events = log.events(incident_id)
    assert ticks == ChecklistState(checklist, fold_ticks(events))
    assert board == fold_board(e for e in events if e.kind is Kind.DECISION)
    assert register == fold_divergences(events)
    assert [t.by for t in ticks.ticks.values()] == ["carl"]
    assert [(d.text, d.outcome) for d in board.decisions] == [
        (ROLLBACK.text, Outcome.WORKED),
        ("Page the DBA", None),  # this panel has always read decisions only
    ]
    assert [(d.text, d.review) for d in register] == [
        (ROLLBACK.text, None),
        ("Flag checkout-v2 off", DivergenceReview.REVERTED),
    ]


def test_the_rollback_panel_reads_only_its_events_through_its_index(
    log: IncidentLog, incident_id: str
) -> None:
    (plan,) = read_plans(log.conn, lambda: rollback_store.rollback_entries(log, incident_id))
    assert "events_rollback" in plan
