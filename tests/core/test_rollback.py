"""The authority matrix, the rollback checklist and the decide rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commander_app.core import projection
from commander_app.core.authority import AuthorityMatrix, parse_matrix
from commander_app.core.board import fold_board
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.events import validate_body
from commander_app.core.model import DecisionKind, Event, IncidentState, Kind, Outcome, Severity
from commander_app.core.rollback import (
    ChecklistState,
    DecisionRequest,
    Tick,
    decision_body,
    fold_ticks,
    outcomes_due,
    parse_checklist,
    tick_body,
)
from commander_app.core.times import to_iso

T0 = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
INCIDENT = "01JDQ0000000000000000000AA"

MATRIX = parse_matrix(
    """
[SEV1]
decide = ["commander"]
inform = ["communicator", "the CTO"]
[SEV2]
decide = ["commander"]
[SEV3]
decide = ["service_owner", "commander"]
inform = ["communicator"]
[SEV4]
decide = []
note = "Normal change process."
"""
)

CHECKLIST = parse_checklist(
    """
[[item]]
id = "suspect-change"
text = "Suspect change identified"
[[item]]
id = "mechanism"
text = "Rollback mechanism known"
[[item]]
id = "communicator"
text = "The communicator knows"
required = false
"""
)


def incident(severity: Severity = Severity.SEV2, **roles: str) -> IncidentState:
    state = IncidentState(INCIDENT, title="Checkout 500s", severity=severity)
    state.roles = dict(roles)
    return state


def ticked(*item_ids: str) -> ChecklistState:
    at = to_iso(T0)
    return ChecklistState(CHECKLIST, {i: Tick(i, True, "alice", at) for i in item_ids})


def decide(
    state: IncidentState,
    checklist: ChecklistState,
    author: str = "alice",
    kind: DecisionKind = DecisionKind.ROLLBACK,
    override: str | None = None,
) -> dict[str, object]:
    request = DecisionRequest("Roll back to 4811", kind, override_reason=override)
    body = decision_body(
        request,
        state=state,
        checklist=checklist,
        row=MATRIX.for_incident(state),
        author=author,
    )
    return validate_body(Kind.DECISION, body)


# -- the matrix ------------------------------------------------------------------------


def test_each_severity_has_its_row_with_the_names_holding_the_roles() -> None:
    state = incident(Severity.SEV3, commander="alice", service_owner="bob", communicator="dana")
    row = MATRIX.for_incident(state)
    assert row.describe(state) == (
        "SEV3: may decide alone: the service owner (bob) or the incident commander (alice). "
        "Must be told: the communicator (dana)."
    )
    sev1 = MATRIX.row(Severity.SEV1)
    assert sev1.who_is_told(state) == "the communicator (dana), the CTO"
    assert MATRIX.row(Severity.SEV4).who_decides(state).startswith("no role alone")
    assert MATRIX.row(Severity.SEV2).authority_of(state, "Bob") is None
    assert MATRIX.row(Severity.SEV3).authority_of(state, " Bob ") is not None


def test_the_lookup_follows_a_severity_change() -> None:
    def event(n: int, kind: Kind, body: dict[str, object]) -> Event:
        at = to_iso(T0 + timedelta(minutes=n))
        return Event(f"01JDQ00000000000000000000{n}", INCIDENT, kind, body, "a", "d", at, at)

    events = [
        event(1, Kind.INCIDENT, {"action": "opened", "title": "x", "severity": "SEV2"}),
        event(2, Kind.ROLE, {"role": "service_owner", "person": "bob"}),
    ]
    before = projection.fold(INCIDENT, events)
    assert MATRIX.for_incident(before).authority_of(before, "bob") is None
    events.append(event(3, Kind.SEVERITY, {"severity": "SEV3", "from": "SEV2"}))
    after = projection.fold(INCIDENT, events)
    assert MATRIX.for_incident(after).severity is Severity.SEV3
    assert MATRIX.for_incident(after).authority_of(after, "bob") is not None


def test_an_override_file_replaces_only_the_severities_it_lists() -> None:
    override = parse_matrix('[SEV2]\ndecide = ["operations lead"]\ninform = ["scribe"]\n')
    merged = MATRIX.merged(override)
    assert [r.value for r in merged.row(Severity.SEV2).decide] == ["operations_lead"]
    assert merged.row(Severity.SEV2).inform == ("scribe",)
    assert merged.row(Severity.SEV3) == MATRIX.row(Severity.SEV3)
    assert parse_matrix(merged.to_toml()) == merged  # what is saved reads back the same


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("[SEV2]\ndecide = ['boss']\n", "Unknown role 'boss'"),
        ("[SEV9]\ndecide = []\n", "Unknown severity 'SEV9'"),
        ("[SEV2]\ndecides = []\n", "unknown key 'decides'"),
        ("[SEV2\n", "not valid TOML"),
        ("[SEV2]\ndecide = 3\n", "must be a list of names"),
    ],
)
def test_a_matrix_that_cannot_be_used_is_refused_with_the_reason(text: str, complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        parse_matrix(text, "authority.toml")


def test_a_severity_left_out_of_the_matrix_lets_nobody_decide_alone() -> None:
    assert AuthorityMatrix({}).row(Severity.SEV1).decide == ()


# -- the checklist ---------------------------------------------------------------------


def test_items_are_found_by_number_id_or_unique_prefix() -> None:
    assert CHECKLIST.find("2").id == "mechanism"
    assert CHECKLIST.find("suspect-change").id == "suspect-change"
    assert CHECKLIST.find("comm").id == "communicator"
    with pytest.raises(NotFoundError, match="items 1 to 3"):
        CHECKLIST.find("4")
    with pytest.raises(NotFoundError, match="no checklist item 'nope'"):
        CHECKLIST.find("nope")


def test_a_checklist_file_is_checked() -> None:
    with pytest.raises(ValidationError, match="used twice"):
        parse_checklist('[[item]]\nid = "a"\ntext = "x"\n[[item]]\nid = "a"\ntext = "y"\n')
    with pytest.raises(ValidationError, match="has no items"):
        parse_checklist("title = 'x'\n")
    with pytest.raises(ValidationError, match="item 1: the id"):
        parse_checklist('[[item]]\nid = "Not An Id"\ntext = "x"\n')


def test_ticking_twice_is_refused_and_unticking_is_recorded() -> None:
    item = CHECKLIST.find("1")
    body = tick_body(ticked(), item, True)
    assert body["checked"] is True
    assert body["text"] == "Ticked checklist item 1: Suspect change identified"
    with pytest.raises(ValidationError, match="already ticked"):
        tick_body(ticked("suspect-change"), item, True)
    assert tick_body(ticked("suspect-change"), item, False)["checked"] is False
    with pytest.raises(ValidationError, match="not ticked"):
        tick_body(ticked(), item, False)


def test_the_latest_tick_of_each_item_stands() -> None:
    def tick(n: int, checked: bool) -> Event:
        at = to_iso(T0 + timedelta(minutes=n))
        body = {"text": "t", "item": "mechanism", "checked": checked}
        return Event(
            f"01JDQ00000000000000000000{n}", INCIDENT, Kind.CHECKLIST, body, "a", "d", at, at
        )

    assert fold_ticks([tick(1, True), tick(2, False)])["mechanism"].checked is False
    assert fold_ticks([tick(2, False), tick(1, True)])["mechanism"].checked is False
    assert fold_ticks([tick(1, True)])["mechanism"].checked is True


def test_a_decided_change_starts_a_fresh_checklist_but_exports_keep_every_tick() -> None:
    def event(n: int, kind: Kind, body: dict[str, object]) -> Event:
        at = to_iso(T0 + timedelta(minutes=n))
        return Event(f"01JDQ00000000000000000000{n}", INCIDENT, kind, body, "a", "d", at, at)

    tick = event(1, Kind.CHECKLIST, {"text": "t", "item": "mechanism", "checked": True})
    other = event(2, Kind.DECISION, {"text": "Page payments", "decision_kind": "other"})
    assert fold_ticks([tick, other])["mechanism"].checked is True  # not a change
    rollback = event(3, Kind.DECISION, {"text": "Roll back", "decision_kind": "rollback"})
    outcome = event(4, Kind.DECISION, {"text": "worked", "ref": rollback.id, "outcome": "worked"})
    assert fold_ticks([tick, rollback, outcome]) == {}
    kept = fold_ticks([tick, rollback], fresh_after_changes=False)
    assert kept["mechanism"].checked is True
    again = event(5, Kind.CHECKLIST, {"text": "t", "item": "suspect-change", "checked": True})
    assert set(fold_ticks([tick, rollback, again])) == {"suspect-change"}


# -- the decide rules ---------------------------------------------------------------------


def test_a_production_change_waits_for_the_required_items() -> None:
    state = incident(commander="alice")
    with pytest.raises(ValidationError) as refused:
        decide(state, ticked("suspect-change", "communicator"))
    message = str(refused.value)
    assert "1 required checklist item is not ticked: 2 Rollback mechanism known" in message
    assert "the incident commander (alice) may decide now with an override" in message
    body = decide(state, ticked("suspect-change", "mechanism"))  # optional items may wait
    assert body["authority"]["basis"] == "checklist"  # type: ignore[index]
    assert body["role"] == "commander"


def test_only_the_holder_of_authority_may_override_and_only_with_a_reason() -> None:
    state = incident(commander="alice", service_owner="bob")
    with pytest.raises(ValidationError, match=r"Only the incident commander \(alice\) may"):
        decide(state, ticked(), author="bob", override="checkout is down")
    with pytest.raises(ValidationError, match="needs its reason"):
        decide(state, ticked(), author="alice", override="   ")
    body = decide(state, ticked(), author="Alice", override="checkout is down for everyone")
    assert body["authority"] == {
        "severity": "SEV2",
        "may_decide": ["commander"],
        "holders": {"commander": "alice"},
        "inform": [],
        "basis": "override",
        "override_reason": "checkout is down for everyone",
    }


def test_at_sev3_the_service_owner_may_override_too_and_at_sev4_nobody() -> None:
    state = incident(Severity.SEV3, commander="alice", service_owner="bob")
    body = decide(state, ticked(), author="bob", override="flag is the suspect")
    assert body["role"] == "service_owner"
    sev4 = incident(Severity.SEV4, commander="alice")
    with pytest.raises(ValidationError, match="At SEV4 no role may override"):
        decide(sev4, ticked(), author="alice", override="urgent")


def test_nobody_assigned_means_nobody_may_override() -> None:
    with pytest.raises(ValidationError, match="incident commander \\(nobody assigned\\)"):
        decide(incident(), ticked(), author="alice", override="urgent")


def test_other_decisions_are_not_gated_and_cannot_override() -> None:
    body = decide(incident(), ticked(), kind=DecisionKind.OTHER)
    assert "authority" not in body
    with pytest.raises(ValidationError, match="production changes only"):
        decide(incident(), ticked(), kind=DecisionKind.OTHER, override="x")


# -- "did it work?" ------------------------------------------------------------------------


def test_the_outcome_is_due_at_the_decision_time_plus_the_expected_minutes() -> None:
    decided = to_iso(T0)
    body = {"text": "Roll back", "decision_kind": "rollback", "expect_minutes": 10}
    decision = Event(
        "01JDQ0000000000000000000D1", INCIDENT, Kind.DECISION, body, "alice", "d", decided, decided
    )
    board = fold_board([decision])
    assert board.decisions[0].outcome_due_at == to_iso(T0 + timedelta(minutes=10))
    assert outcomes_due(board, T0 + timedelta(minutes=9, seconds=59)) == []
    assert [d.id for d in outcomes_due(board, T0 + timedelta(minutes=10))] == [decision.id]
    answered_at = to_iso(T0 + timedelta(minutes=11))
    answer = Event(
        "01JDQ0000000000000000000D2",
        INCIDENT,
        Kind.DECISION,
        {"text": "Outcome", "ref": decision.id, "outcome": "worked"},
        "alice",
        "d",
        answered_at,
        answered_at,
    )
    board = fold_board([decision, answer])
    assert board.decisions[0].outcome is Outcome.WORKED
    assert outcomes_due(board, T0 + timedelta(hours=1)) == []
    assert len(board.decisions) == 1  # the answer is not a decision of its own


def test_an_old_decision_still_folds_without_a_record() -> None:
    at = to_iso(T0)
    old = Event(
        "01JDQ0000000000000000000D1",
        INCIDENT,
        Kind.DECISION,
        {"text": "Roll back", "options": ["a", "b"], "reversible": False},
        "alice",
        "d",
        at,
        at,
    )
    decision = fold_board([old]).decisions[0]
    assert (decision.decision_kind, decision.authority, decision.outcome_due_at) == (
        None,
        None,
        None,
    )
    assert not decision.is_change
