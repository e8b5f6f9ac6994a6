"""A body checked at run time against its kind's TypedDict (`core.bodies`): the fields
it must have, no field the type does not name, and each value of the declared type."""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from commander_app.core import bodies
from commander_app.core.model import Kind

KIND_BODIES: dict[Kind, Any] = {
    Kind.INCIDENT: bodies.IncidentBody,
    Kind.NOTE: bodies.TextBody,
    Kind.OBSERVATION: bodies.TextBody,
    Kind.HYPOTHESIS: bodies.HypothesisBody,
    Kind.FINDING: bodies.FindingBody,
    Kind.DECISION: bodies.DecisionBody,
    Kind.ACTION: bodies.ActionBody,
    Kind.ALERT: bodies.TextBody,
    Kind.COMMS: bodies.CommsBody,
    Kind.ROLE: bodies.RoleBody,
    Kind.STATUS: bodies.StatusBody,
    Kind.SEVERITY: bodies.SeverityBody,
    Kind.MILESTONE: bodies.MilestoneBody,
    Kind.CHECKLIST: bodies.ChecklistBody,
    Kind.DIVERGENCE: bodies.DivergenceBody,
    Kind.POSTMORTEM: bodies.PostmortemBody,
    Kind.RUNBOOK: bodies.RunbookBody,
    Kind.DRILL: bodies.DrillBody,
    Kind.CONFLICT: bodies.ConflictBody,
}


def body_problems(body: Mapping[str, object], shape: Any) -> list[str]:
    """What in `body` does not match the TypedDict `shape`; empty when it all does."""
    hints = get_type_hints(shape)
    problems = [f"missing {key!r}" for key in sorted(shape.__required_keys__ - body.keys())]
    problems += [f"unknown field {key!r}" for key in sorted(body.keys() - hints.keys())]
    problems += [
        f"{key!r} is {value!r}, not {hints[key]}"
        for key, value in body.items()
        if key in hints and not fits(value, hints[key])
    ]
    return problems


def fits(value: object, hint: Any) -> bool:
    origin, args = get_origin(hint), get_args(hint)
    if hint is type(None):
        return value is None
    if origin in (Union, types.UnionType):
        return any(fits(value, arg) for arg in args)
    if origin is Literal:
        return any(value == arg and type(value) is type(arg) for arg in args)
    if is_typeddict(hint):
        return isinstance(value, dict) and not body_problems(value, hint)
    if origin is list:
        return isinstance(value, list) and all(fits(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            fits(k, args[0]) and fits(v, args[1]) for k, v in value.items()
        )
    if hint is bool:
        return type(value) is bool
    if hint is int:
        return type(value) is int
    if hint is float:
        return type(value) in (int, float)
    if hint is str:
        return type(value) is str
    raise AssertionError(f"no rule for {hint}")
