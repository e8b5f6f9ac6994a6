"""The placeholders an update template can use, from the incident's state and board."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from commander_app.core.board import Action, Board, Decision, Finding, Hypothesis
from commander_app.core.model import (
    FollowUpState,
    HypothesisState,
    IncidentState,
    Severity,
    Status,
)
from commander_app.core.times import to_iso
from commander_app.core.update_context import CONTEXT_HELP, sample_context, update_context

NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def at(minutes_ago: int) -> str:
    return to_iso(NOW - timedelta(minutes=minutes_ago))


def state(**changes: Any) -> IncidentState:
    fields: dict[str, Any] = {
        "id": "01INCIDENT",
        "title": "Checkout failing",
        "severity": Severity.SEV1,
        "status": Status.IDENTIFIED,
        "commander": "alice",
        "opened_at": at(65),
    }
    return IncidentState(**{**fields, **changes})


def context(incident: IncidentState, board: Board | None = None, **options: Any) -> dict[str, Any]:
    chosen: dict[str, Any] = {
        "stakeholder_zone": BERLIN,
        "local_zone": UTC,
        "next_update_due": None,
        "workaround": None,
        "affected_services": (),
        "impact": None,
        **options,
    }
    return update_context(incident, board or Board(), NOW, **chosen)


def test_every_documented_placeholder_is_given_and_nothing_else() -> None:
    assert {name for name, _ in CONTEXT_HELP} == set(context(state()))
    assert all(meaning.strip() for _, meaning in CONTEXT_HELP)


def test_the_incident_basics_and_times_in_both_zones() -> None:
    filled = context(
        state(),
        next_update_due=NOW + timedelta(minutes=30),
        affected_services=["checkout", " payments ", "search", ""],
        impact="Card payments fail",
        workaround="Pay with PayPal",
    )
    assert filled["title"] == "Checkout failing"
    assert filled["severity"] == "SEV1"
    assert (filled["status"], filled["phase"]) == ("Identified", "identified")
    assert filled["started_at_utc"] == "12:55 UTC"
    assert filled["started_at_local"] == "13:55 CET"
    assert filled["elapsed"] == "1 h 05 min"
    assert filled["next_update_utc"] == "14:30 UTC"
    assert filled["next_update_local"] == "15:30 CET"
    assert filled["next_update_team"] == "14:30 UTC"
    assert filled["affected_services"] == ["checkout", "payments", "search"]
    assert filled["affected_services_text"] == "checkout, payments and search"
    assert (filled["impact"], filled["workaround"]) == ("Card payments fail", "Pay with PayPal")
    assert (filled["commander"], filled["communicator"]) == ("alice", None)
    assert filled["is_drill"] is False


def test_impact_start_is_preferred_and_other_days_show_the_date() -> None:
    filled = context(state(impact_started_at=to_iso(NOW - timedelta(hours=20))))
    assert filled["started_at_utc"] == "2026-11-27 18:00 UTC"
    assert filled["elapsed"] == "20 h 00 min"


def test_a_resolved_incident_says_how_long_it_lasted() -> None:
    filled = context(state(status=Status.RESOLVED, resolved_at=at(5)))
    assert filled["elapsed"] == "1 h 00 min"
    assert filled["phase"] == "resolved"


def test_missing_values_are_none_not_empty_text() -> None:
    filled = context(state(commander=None), workaround="  ", impact="")
    for name in (
        "workaround",
        "impact",
        "commander",
        "leading_hypothesis",
        "leading_hypothesis_owner",
        "next_update_utc",
        "next_update_local",
        "affected_services_text",
    ):
        assert filled[name] is None, name
    assert filled["latest_findings"] == filled["decisions"] == filled["actions_in_progress"] == []


def hypothesis(hid: str, minutes_ago: int, **changes: Any) -> Hypothesis:
    return Hypothesis(hid, f"hypothesis {hid}", changes.pop("owner", None), "bob", at(minutes_ago),
                      state_changed_at=at(minutes_ago), **changes)  # fmt: skip


def test_the_leading_hypothesis_is_the_confirmed_one() -> None:
    confirmed = hypothesis(
        "H1", 50, owner="chen", state=HypothesisState.CONFIRMED, confirmed_at=at(20)
    )
    board = Board(hypotheses=[confirmed, hypothesis("H2", 10)])
    filled = context(state(), board)
    assert filled["leading_hypothesis"] == "hypothesis H1"
    assert filled["leading_hypothesis_owner"] == "chen"
    assert filled["leading_hypothesis_confirmed"] is True


def test_without_a_confirmed_one_the_newest_open_hypothesis_leads() -> None:
    refuted = hypothesis("H3", 5, state=HypothesisState.REFUTED)
    board = Board(hypotheses=[hypothesis("H1", 50), hypothesis("H2", 30), refuted])
    filled = context(state(), board)
    assert filled["leading_hypothesis"] == "hypothesis H2"
    assert filled["leading_hypothesis_confirmed"] is False


def test_findings_and_decisions_newest_first_at_most_three() -> None:
    linked = hypothesis("H1", 60)
    linked.findings = [Finding("F1", "pool full", "bob", at(40), "H1")]
    board = Board(
        hypotheses=[linked],
        findings=[Finding(f"F{i}", f"finding {i}", "bob", at(50 - i * 5)) for i in range(2, 6)],
        decisions=[Decision(f"D{i}", f"decision {i}", "alice", at(50 - i)) for i in range(5)],
    )
    filled = context(state(), board)
    assert filled["latest_findings"] == ["finding 5", "finding 4", "finding 3"]
    assert filled["decisions"] == ["decision 4", "decision 3", "decision 2"]


def test_actions_in_progress_name_their_owner() -> None:
    board = Board(
        actions=[
            Action("A1", "Roll back", "chen", at(-10), "alice", at(30)),
            Action("A2", "Raise pool size\nto 200", None, None, "alice", at(20)),
            Action("A3", "Page DBA", "dana", None, "alice", at(25), at(1), FollowUpState.DONE),
        ]
    )
    filled = context(state(), board)
    assert filled["actions_in_progress"] == ["Roll back (chen)", "Raise pool size (no owner)"]


def test_the_samples_are_a_realistic_and_a_sparse_incident() -> None:
    full, sparse = sample_context(), sample_context(sparse=True)
    assert set(full) == set(sparse) == {name for name, _ in CONTEXT_HELP}
    assert full["leading_hypothesis"]
    assert full["workaround"]
    assert full["next_update_utc"]
    assert sparse["leading_hypothesis"] is sparse["workaround"] is sparse["next_update_utc"] is None


def test_the_postmortem_placeholders_quote_it_and_promise_only_what_customers_get() -> None:

    from commander_app.core.model import FollowUpState, FollowUpType
    from commander_app.core.postmortem import (
        Factor,
        FactorCategory,
        Postmortem,
        PostmortemState,
        Section,
        Version,
    )

    when = "2026-11-28T14:00:00Z"

    def item(number: str, text: str, kind: FollowUpType, done: FollowUpState) -> Action:
        return Action(number, text, "kim", None, "ada", when, follow_up=True, type=kind,
                      state=done)  # fmt: skip

    board = Board(
        actions=[
            item("A1", "Add a canary stage", FollowUpType.PREVENT, FollowUpState.OPEN),
            item("A2", "Alert on pool use", FollowUpType.DETECT, FollowUpState.DONE),
            item("A3", "Review the rota", FollowUpType.PROCESS, FollowUpState.OPEN),
            item("A4", "Add a resize runbook", FollowUpType.MITIGATE, FollowUpState.WONT),
            Action("A5", "Roll back release 42", "kim", None, "ada", when),  # a task, not one
        ]
    )
    pm = Postmortem(
        "I1",
        state=PostmortemState.IN_REVIEW,
        started_at=when,
        sections={Section.SUMMARY: [Version("Too few connections.", "ada", when, "E1")]},
        factors=[
            Factor("C1", "No load test", FactorCategory.DEPLOY_SAFETY, "ada", when),
            Factor("C2", "Friday deploys", FactorCategory.DEPLOY_SAFETY, "ada", when),
            Factor("C3", "Gone", FactorCategory.CAPACITY, "ada", when, removed=True),
        ],
    )
    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    filled = update_context(
        state(), board, now, stakeholder_zone=UTC, local_zone=UTC, next_update_due=None,
        workaround=None, affected_services=(), impact=None, postmortem=pm,
    )  # fmt: skip
    assert filled["what_happened"] == "Too few connections."
    assert filled["customer_impact"] is None  # not written: empty, never ""
    assert filled["what_we_are_changing"] == ["Add a canary stage", "Alert on pool use (done)"]
    assert filled["contributing_factor_kinds"] == ["deploy safety"]
    assert filled["postmortem_state"] == "in review"
    without = update_context(
        state(), board, now, stakeholder_zone=UTC, local_zone=UTC, next_update_due=None,
        workaround=None, affected_services=(), impact=None,
    )  # fmt: skip
    assert without["what_happened"] is None
    assert without["postmortem_state"] is None
