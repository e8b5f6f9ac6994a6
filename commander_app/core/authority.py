"""The authority matrix: per severity, who may order a production change alone,
and who must be told. Lookups always use the incident's current severity."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from commander_app.core.errors import ValidationError
from commander_app.core.events import clean_text
from commander_app.core.model import IncidentState, Role, Severity
from commander_app.core.toml_text import load_toml

MAX_NOTE = 200
MAX_INFORM = 100


def role_label(role: str) -> str:
    """'operations_lead' -> 'operations lead'; the commander is the incident commander."""
    if role == Role.COMMANDER.value:
        return "incident commander"
    return role.replace("_", " ")


@dataclass(frozen=True)
class AuthorityRow:
    """One severity's row: any one role in `decide` decides alone; `inform` must be told."""

    severity: Severity
    decide: tuple[Role, ...] = ()
    inform: tuple[str, ...] = ()  # role names, or who else in plain words
    note: str = ""

    def holders(self, state: IncidentState) -> list[tuple[Role, str | None]]:
        """Each deciding role with the person holding it in this incident (None: nobody)."""
        return [(role, state.roles.get(role.value)) for role in self.decide]

    def authority_of(self, state: IncidentState, person: str) -> Role | None:
        """The role through which `person` may decide alone, if any."""
        wanted = person.strip().casefold()
        for role, holder in self.holders(state):
            if holder is not None and holder.strip().casefold() == wanted:
                return role
        return None

    def who_decides(self, state: IncidentState) -> str:
        """'the incident commander (alice)' or 'the service owner (nobody assigned) or …'."""
        if not self.decide:
            return "no role alone (the normal change process applies)"
        parts = [
            f"the {role_label(role.value)} ({holder or 'nobody assigned'})"
            for role, holder in self.holders(state)
        ]
        return " or ".join(parts)

    def who_is_told(self, state: IncidentState) -> str:
        parts = []
        for entry in self.inform:
            if entry in _ROLE_VALUES:
                holder = state.roles.get(entry) or "nobody assigned"
                parts.append(f"the {role_label(entry)} ({holder})")
            else:
                parts.append(entry)
        return ", ".join(parts) if parts else "nobody named"

    def describe(self, state: IncidentState) -> str:
        """The row as the checklist shows it, with today's names."""
        return (
            f"{self.severity.value}: may decide alone: {self.who_decides(state)}. "
            f"Must be told: {self.who_is_told(state)}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "decide": [role.value for role in self.decide],
            "inform": list(self.inform),
            "note": self.note,
        }


_ROLE_VALUES = frozenset(role.value for role in Role)


@dataclass(frozen=True)
class AuthorityMatrix:
    rows: Mapping[Severity, AuthorityRow] = field(default_factory=dict)

    def row(self, severity: Severity) -> AuthorityRow:
        """The row for a severity; one the matrix leaves out lets no role decide alone."""
        return self.rows.get(severity) or AuthorityRow(
            severity, note="Not in the authority matrix: escalate."
        )

    def for_incident(self, state: IncidentState) -> AuthorityRow:
        """The row for the incident's severity now (after any escalation or downgrade)."""
        return self.row(state.severity)

    def merged(self, override: AuthorityMatrix) -> AuthorityMatrix:
        """The shipped matrix with the severities `override` lists replaced."""
        return AuthorityMatrix({**self.rows, **override.rows})

    def to_dict(self) -> dict[str, Any]:
        return {severity.value: self.rows[severity].to_dict() for severity in sorted(self.rows)}

    def to_toml(self) -> str:
        """The matrix as the human-editable file it is read from."""
        lines = [
            "# Commander's authority matrix, per severity.",
            "# decide: roles, any one of whom orders a production change alone.",
            "# inform: who must be told (role names show the person holding the role).",
        ]
        for severity in sorted(self.rows):
            row = self.rows[severity]
            lines += [
                "",
                f"[{severity.value}]",
                f"decide = {_toml_list([r.value for r in row.decide])}",
                f"inform = {_toml_list(list(row.inform))}",
                f"note = {_toml_string(row.note)}",
            ]
        return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are a subset TOML reads the same way."""
    return json.dumps(text, ensure_ascii=False)


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(_toml_string(item) for item in items) + "]"


def parse_matrix(text: str, where: str = "the authority matrix") -> AuthorityMatrix:
    """Read the TOML file's text; a problem names the file, the severity and the key."""
    data = load_toml(text, where)
    return matrix_from_dict(data, where)


def matrix_from_dict(
    data: Mapping[str, Any], where: str = "the authority matrix"
) -> AuthorityMatrix:
    rows: dict[Severity, AuthorityRow] = {}
    for key, value in data.items():
        try:
            severity = Severity.parse(key)
        except ValidationError as exc:
            raise ValidationError(f"{where}: {exc}") from None
        if not isinstance(value, Mapping):
            raise ValidationError(f"{where}: [{key}] must be a table with decide and inform.")
        rows[severity] = _row(severity, value, f"{where}, {severity.value}")
    return AuthorityMatrix(rows)


def _row(severity: Severity, value: Mapping[str, Any], where: str) -> AuthorityRow:
    unknown = set(value) - {"decide", "inform", "note"}
    if unknown:
        raise ValidationError(
            f"{where}: unknown key {sorted(unknown)[0]!r}; use decide, inform and note."
        )
    decide = _texts(value.get("decide", []), f"{where}, decide")
    roles: list[Role] = []
    for name in decide:
        try:
            role = Role.parse(name)
        except ValidationError as exc:
            raise ValidationError(f"{where}, decide: {exc}") from None
        if role not in roles:
            roles.append(role)
    inform = []
    for entry in _texts(value.get("inform", []), f"{where}, inform"):
        cleaned = clean_text(entry, "name of who must be told", MAX_INFORM)
        normalised = cleaned.strip().lower().replace(" ", "_").replace("-", "_")
        inform.append(normalised if normalised in _ROLE_VALUES else cleaned)
    note = value.get("note", "")
    if not isinstance(note, str):
        raise ValidationError(f"{where}, note: must be text.")
    note = clean_text(note, "note", MAX_NOTE) if note.strip() else ""
    return AuthorityRow(severity, tuple(roles), tuple(inform), note)


def _texts(value: object, where: str) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f'{where}: must be a list of names, such as ["commander"].')
    return [v.strip() for v in value if v.strip()]
