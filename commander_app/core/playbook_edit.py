"""Changing one part of a playbook's text in place: the cadence, the rollback authority,
the checklist. The team's comments, order and every other setting are kept, so a save
from the window is a small diff in the team's git history."""

from __future__ import annotations

from typing import Any

import tomlkit
from tomlkit.items import AoT, InlineTable, Table

from commander_app.core.authority import AuthorityMatrix
from commander_app.core.cadence_policy import CadencePolicy, whole_minutes
from commander_app.core.errors import ValidationError
from commander_app.core.model import Audience, Severity
from commander_app.core.rollback_checklist import RollbackChecklist


def _document(text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except Exception as exc:  # noqa: BLE001 - tomlkit raises many kinds for bad text
        raise ValidationError(
            f"The playbook is not valid TOML ({exc}); fix it before saving from the window."
        ) from None


def _table(parent: Any, key: str) -> Any:
    """The sub-table `key` of `parent`, made when missing (as a header table)."""
    if key not in parent:
        parent[key] = tomlkit.table(is_super_table=key == "severity")
    found = parent[key]
    if not isinstance(found, (Table, InlineTable, dict)):
        raise ValidationError(f"The playbook's {key} is not a table; fix it before saving.")
    return found


def _set_minutes(table: Any, key: str, row: dict[Audience, Any]) -> None:
    """Set `key` to the row's minutes, leaving the text alone when it already says so."""
    wanted = {a.value: whole_minutes(row[a]) for a in Audience if a in row}
    if key in table and _plain(table[key]) == wanted:
        return
    inline = tomlkit.inline_table()
    inline.update(wanted)
    table[key] = inline


def _plain(value: Any) -> Any:
    return value.unwrap() if hasattr(value, "unwrap") else value


def with_cadence(text: str, policy: CadencePolicy) -> str:
    """`text` with the cadence settings and every severity's cadence set to `policy`'s."""
    doc = _document(text)
    settings = _table(doc, "cadence")
    settings["first_update_minutes"] = whole_minutes(policy.first_update)
    settings["long_after_minutes"] = whole_minutes(policy.long_after)
    settings["amber_before_minutes"] = whole_minutes(policy.amber_before)
    if policy.stakeholder_zone or "stakeholder_zone" in doc:
        doc["stakeholder_zone"] = policy.stakeholder_zone or ""
    severities = _table(doc, "severity")
    for severity in Severity:
        rule = _table(severities, severity.value)
        _set_minutes(rule, "cadence", dict(policy.intervals.get(severity, {})))
        long_row = dict(policy.long_intervals.get(severity, {}))
        if long_row:
            _set_minutes(rule, "long_cadence", long_row)
        elif "long_cadence" in rule:
            del rule["long_cadence"]
    return tomlkit.dumps(doc)


def with_authority(text: str, matrix: AuthorityMatrix) -> str:
    """`text` with each severity's rollback authority set to `matrix`'s rows."""
    doc = _document(text)
    severities = _table(doc, "severity")
    for severity in Severity:
        if severity not in matrix.rows:
            continue
        row = matrix.rows[severity]
        rollback = _table(_table(severities, severity.value), "rollback")
        _set(rollback, "decide", [role.value for role in row.decide])
        _set(rollback, "inform", list(row.inform))
        _set(rollback, "note", row.note)
    return tomlkit.dumps(doc)


def with_checklist(text: str, checklist: RollbackChecklist) -> str:
    """`text` with the rollback checklist replaced by `checklist`'s items."""
    doc = _document(text)
    rollback = _table(doc, "rollback")
    existing = rollback.get("item")
    if not isinstance(existing, AoT):
        existing = AoT([])
        rollback["item"] = existing
    while len(existing) > len(checklist.items):
        existing.pop()  # drops the item's table, keeps the others' text
    for index, item in enumerate(checklist.items):
        if index == len(existing):
            existing.append(tomlkit.table())
        entry = existing[index]
        _set(entry, "id", item.id)
        _set(entry, "text", item.text)
        _set(entry, "required", item.required)
    return tomlkit.dumps(doc)


def _set(table: Any, key: str, value: Any) -> None:
    if key not in table or _plain(table[key]) != value:
        table[key] = value


def with_header(text: str, lines: list[str]) -> str:
    """`text` with comment lines put first (what a migration did, and from where)."""
    comments = "".join(f"# {line}\n" if line else "#\n" for line in lines)
    return f"{comments}\n{text}"
