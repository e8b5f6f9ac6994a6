"""Each event kind's body has a TypedDict (`core.bodies`): a misspelt field is a type
error, and what each builder writes is exactly what its type says."""

from __future__ import annotations

import ast
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import get_type_hints

import pytest
from mypy import api as mypy_api

from commander_app.core import bodies
from commander_app.core.board import (
    Action,
    Decision,
    Hypothesis,
    action_done_body,
    action_update_body,
    hypothesis_owner_body,
    hypothesis_state_body,
    new_action_body,
    new_decision_body,
    new_finding_body,
    new_hypothesis_body,
)
from commander_app.core.cadence import sent_body
from commander_app.core.conflict_bodies import settle_body
from commander_app.core.divergences import Divergence, divergence_body, review_body
from commander_app.core.events import (
    opened_body,
    severity_body,
    status_body,
    text_body,
    validate_body,
)
from commander_app.core.follow_ups import FollowUpRequest, ack_body, follow_up_body
from commander_app.core.follow_ups import state_body as follow_up_state_body
from commander_app.core.handoff import answer_body, offer_body
from commander_app.core.model import (
    Ack,
    Afterwards,
    Audience,
    DecisionKind,
    DivergenceReview,
    Event,
    FollowUpState,
    FollowUpType,
    HypothesisState,
    IncidentState,
    Kind,
    Outcome,
    RoleChange,
    Severity,
    Status,
)
from commander_app.core.postmortem import (
    Factor,
    FactorCategory,
    Postmortem,
    PostmortemState,
    Section,
    factor_body,
    factor_update_body,
    keep_wording_body,
    section_body,
)
from commander_app.core.postmortem import state_body as postmortem_state_body
from commander_app.core.rollback import (
    ChecklistItem,
    ChecklistState,
    RollbackChecklist,
    asked_body,
    outcome_body,
    tick_body,
)
from commander_app.core.tracker import RemoteIssue, pushed_body, remote_change_body
from commander_app.core.update_facts import UpdateFacts
from tests.support.bodies import KIND_BODIES, body_problems

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-03-02T10:00:00.000000Z"  # as `to_iso` writes it
ID = "01JN0000000000000000000000"
WHEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def type_errors(tmp_path: Path, code: str) -> list[str]:
    """mypy's complaints about `code` (strict, as the project runs it), one per line."""
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(code), encoding="utf-8")
    out, err, _ = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "--no-error-summary",
            "--hide-error-context",
            str(snippet),
        ]
    )
    assert not err, err
    return [line for line in out.splitlines() if ": error:" in line]


def test_a_misspelt_field_is_a_type_error_and_the_right_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # mypy finds commander_app from here
    errors = type_errors(
        tmp_path,
        """
        from commander_app.core.bodies import StatusBody, read_status
        from commander_app.core.model import Event


        def read(event: Event) -> str:
            body = read_status(event)
            return body["status"] if body["statsu"] else ""


        def build() -> StatusBody:
            return {"status": "resolved", "form": "monitoring"}


        def write(body: StatusBody) -> None:
            body["reopend"] = True


        def misread(event: Event) -> str:
            return read_status(event).get("statsu", "")
        """,
    )
    assert len(errors) == 4, errors
    assert ':8: error: TypedDict "StatusBody" has no key "statsu"' in errors[0]
    assert ':12: error: Extra key "form" for TypedDict "StatusBody"' in errors[1]
    assert ':16: error: TypedDict "StatusBody" has no key "reopend"' in errors[2]
    # `.get` with an unknown key is allowed by the typing rules, but its value is `object`.
    assert ":20: error: Incompatible return value type" in errors[3]


def test_every_kind_has_a_body_type() -> None:
    assert set(KIND_BODIES) == set(Kind)


def test_a_body_is_read_only_as_its_own_kind() -> None:
    event = Event(ID, ID, Kind.NOTE, {"text": "x"}, "alice", "d", AT, AT)
    with pytest.raises(TypeError, match="a note event read as a status event"):
        bodies.read_status(event)
    with pytest.raises(TypeError, match="a note event read as a board entry"):
        bodies.read_board(event)
    assert bodies.read_board(event._replace(kind=Kind.FINDING)) == {"text": "x"}


def _state(pending: str | None = None) -> IncidentState:
    return IncidentState(ID, "Checkout 500s", commander="alice", pending_handoff_to=pending)


def _built() -> list[tuple[Kind, object]]:
    """One body from each builder in core, with its kind."""
    hypothesis = Hypothesis(ID, "The cache is cold", "bob", "alice", AT)
    action = Action(ID, "Roll back", "bob", None, "alice", AT)
    follow_up = Action(ID, "Add an alert", "bob", AT, "alice", AT, follow_up=True)
    decision = Decision(ID, "Roll back", "alice", AT, expect_minutes=10)
    divergence = Divergence(ID, DecisionKind.FLAG, "Flag off", "alice", AT)
    pm = Postmortem(ID)
    factor = Factor(ID, "No alert on 500s", FactorCategory.ALERTING_MISSING, "alice", AT)
    checklist = RollbackChecklist((ChecklistItem("suspect-change", "The change is known"),))
    issue = RemoteIssue("github", "gh", "acme/ops#12", "https://github.com/acme/ops/issues/12")
    closed = RemoteIssue(
        "github", "gh", "acme/ops#12", issue.url, state="closed", state_reason="completed"
    )
    sent = sent_body(Audience.INTERNAL, "On it", sent_at=WHEN, next_update_at=WHEN.replace(hour=11))
    request = FollowUpRequest(
        "Alert on checkout 500s within 5 min",
        owner="bob",
        type=FollowUpType.DETECT,
        factor=ID,
        symptom=True,
        class_owner="carol",
        twin=ID,
        override="it is measurable",
    )
    return [
        (Kind.INCIDENT, opened_body("Checkout 500s", Severity.SEV2, True, "alice")),
        (Kind.STATUS, status_body(Status.RESOLVED, Status.INVESTIGATING)),
        (Kind.SEVERITY, severity_body(Severity.SEV2, Severity.SEV1)),
        (Kind.NOTE, text_body(Kind.NOTE, "Paged the DB team")),
        (Kind.HYPOTHESIS, new_hypothesis_body("The cache is cold", "bob")),
        (Kind.HYPOTHESIS, hypothesis_state_body(hypothesis, HypothesisState.CONFIRMED)),
        (Kind.HYPOTHESIS, hypothesis_owner_body(hypothesis, "carol")),
        (Kind.FINDING, new_finding_body("Hit rate 2%")),
        (Kind.ACTION, new_action_body("Roll back", "bob", AT)),
        (Kind.ACTION, action_done_body(action)),
        (Kind.ACTION, action_update_body(action, "carol", AT)),
        (Kind.ACTION, follow_up_body(request, Severity.SEV2, WHEN, ["vague"])),
        (Kind.ACTION, ack_body(follow_up, Ack.DECLINED, "bob", "not my team")),
        (Kind.ACTION, follow_up_state_body(follow_up, FollowUpState.DONE, evidence="PR 12")),
        (Kind.ACTION, follow_up_state_body(follow_up, FollowUpState.WONT, reason="moot")),
        (Kind.ACTION, pushed_body(follow_up, issue)),
        (Kind.ACTION, remote_change_body(follow_up, issue, closed)),
        (Kind.DECISION, new_decision_body("Roll back", ["roll back", "wait"], True)),
        (Kind.DECISION, outcome_body(decision, Outcome.WORKED, "errors gone")),
        (Kind.DECISION, asked_body(decision)),
        (Kind.CHECKLIST, tick_body(ChecklistState(checklist), checklist.items[0], True)),
        (
            Kind.DIVERGENCE,
            divergence_body(DecisionKind.FLAG, "Flag off", afterwards=Afterwards.REVERT, by="dave"),
        ),
        (Kind.DIVERGENCE, review_body(divergence, DivergenceReview.REVERTED, "back on")),
        (Kind.POSTMORTEM, section_body(pm, Section.SUMMARY, "What happened")),
        (Kind.POSTMORTEM, factor_body(pm, "No alert on 500s", FactorCategory.ALERTING_MISSING)),
        (
            Kind.POSTMORTEM,
            factor_update_body(
                pm, factor, content="No 500s alert", removed=True, symptom_reason="enough"
            ),
        ),
        (Kind.POSTMORTEM, keep_wording_body("summary", "Bob broke it", "quoted")),
        (Kind.POSTMORTEM, postmortem_state_body(pm, PostmortemState.IN_REVIEW)),
        (Kind.ROLE, offer_body(_state(), "carol", "Briefing")),
        (Kind.ROLE, answer_body(_state("bob"), RoleChange.HANDOFF_ACCEPTED, "alice")),
        (Kind.COMMS, sent),
        (Kind.COMMS, {**sent, **UpdateFacts.of("Slow pages", None, ["checkout"]).body_fields()}),
        (Kind.CONFLICT, settle_body("role-0123456789", ID, "Kept alice as commander")),
        (
            Kind.CONFLICT,
            settle_body(
                "status-page-0123456789",
                ID,
                "Kept remote incident p1",
                reason="p2 resolved by hand",
                channel="status",
                remote_incident_id="p1",
            ),
        ),
    ]


@pytest.mark.parametrize(
    ("kind", "body"),
    [pytest.param(kind, body, id=f"{n}-{kind.value}") for n, (kind, body) in enumerate(_built())],
)
def test_what_each_builder_writes_is_its_kinds_type(kind: Kind, body: dict[str, object]) -> None:
    assert body_problems(body, KIND_BODIES[kind]) == []
    assert validate_body(kind, body) == body  # and the log takes it as it is


def test_the_check_finds_a_misspelt_missing_or_mistyped_field() -> None:
    assert body_problems({"statsu": "resolved"}, bodies.StatusBody) == [
        "missing 'status'",
        "unknown field 'statsu'",
    ]
    assert body_problems({"text": "x", "options": "a, b"}, bodies.DecisionBody) == [
        "'options' is 'a, b', not list[str] | None"
    ]


# -- `.get` with a misspelt key passes mypy, so the tests read the code for it ----------


def _body_type(node: ast.expr | None) -> set[str] | None:
    """The fields of the body type an annotation, accessor call or cast names, if any."""
    if isinstance(node, ast.Name) and node.id.endswith("Body") and hasattr(bodies, node.id):
        shape = getattr(bodies, node.id)
        return set(shape.__required_keys__ | shape.__optional_keys__)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name == "cast" and node.args:
            return _body_type(node.args[0])
        if name.startswith("read_") and hasattr(bodies, name):
            shape = get_type_hints(getattr(bodies, name))["return"]
            return set(shape.__required_keys__ | shape.__optional_keys__)
    return None


def misspelt_fields(source: str) -> list[tuple[int, str]]:
    """(line, field) for each `x["field"]` or `x.get("field")` where `x` holds a typed
    body (an annotated parameter or variable, a `read_*` accessor's result, a cast) and
    its type has no such field."""
    found: list[tuple[int, str]] = []
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, ast.FunctionDef):
            continue
        typed: dict[str, set[str]] = {}
        args = [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
        bindings = [(a.arg, _body_type(a.annotation)) for a in args]
        for node in ast.walk(func):
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                bindings.append((node.targets[0].id, _body_type(node.value)))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                bindings.append((node.target.id, _body_type(node.annotation)))
            elif isinstance(node, ast.NamedExpr):
                bindings.append((node.target.id, _body_type(node.value)))
        for name, fields in bindings:
            if fields is not None:
                typed[name] = typed.get(name, set()) | fields
        for node in ast.walk(func):
            key: ast.expr | None = None
            holder: ast.expr | None = None
            if isinstance(node, ast.Subscript):
                holder, key = node.value, node.slice
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get", "pop", "setdefault")
                and node.args
            ):
                holder, key = node.func.value, node.args[0]
            if isinstance(holder, ast.NamedExpr):
                holder = holder.value
            fields = typed.get(holder.id) if isinstance(holder, ast.Name) else _body_type(holder)
            if (
                fields is not None
                and isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and key.value not in fields
            ):
                found.append((node.lineno, key.value))
    return found


def test_the_code_reading_typed_bodies_names_only_their_fields() -> None:
    sources = sorted((ROOT / "commander_app").glob("**/*.py"))
    found = {
        f"{path.relative_to(ROOT)}:{line}: {field}"
        for path in sources
        for line, field in misspelt_fields(path.read_text(encoding="utf-8"))
    }
    assert found == set()


def test_the_reading_check_finds_a_misspelt_get() -> None:
    source = textwrap.dedent(
        """
        def fold(event, other):
            body = read_status(event)
            if body.get("statsu") or body.get("from"):
                pass
            role: RoleBody = other
            return role["persno"], (comms := read_comms(event)).get("audeince")


        def text(event):
            return read_finding(event)["txet"], read_finding(event)["text"]
        """
    )
    assert misspelt_fields(source) == [(4, "statsu"), (7, "persno"), (7, "audeince"), (11, "txet")]
