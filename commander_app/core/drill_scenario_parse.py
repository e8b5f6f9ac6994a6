"""Reading a drill scenario file: every problem with its line, not just the first.

The same shape of answer as the playbook check (`core.playbook_parse`): a problem that
blocks the file from being run, or a note about something ignored.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from commander_app.core.drill_scenario import (
    MAX_SPEED,
    DrillSetup,
    Inject,
    InjectKind,
    Scenario,
    Trigger,
    TriggerKind,
    parse_offset,
)
from commander_app.core.errors import ValidationError
from commander_app.core.model import Severity
from commander_app.core.playbook import digest
from commander_app.core.playbook_lines import KeyLines
from commander_app.core.playbook_parse import Problem, toml_problem

MAX_TEXT = 1_000
MAX_FACTS = 30
MAX_INJECTS = 200
MAX_STORM = 500
TOP_KEYS = ("summary", "setup", "inject")
SETUP_KEYS = ("title", "service", "severity", "facts", "speed")
COMMON_KEYS = ("id", "at", "trigger", "kind")
# Per kind: the fields it needs, then the ones it may have.
KIND_FIELDS: dict[InjectKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    InjectKind.ALERT_STORM: (("count", "alertname", "cause"), ("service", "text")),
    InjectKind.EXECUTIVE_ASKS: (("who", "text"), ()),
    InjectKind.FINDING_REVEALED: (("text",), ("who",)),
    InjectKind.STATUS_PAGE_DOWN: ((), ("text",)),
    InjectKind.COMMANDER_CALLED_AWAY: ((), ("text",)),
    InjectKind.RUNBOOK_DEPRECATED_TOOL: (("runbook", "step", "tool"), ("text",)),
    InjectKind.NOTE: (("text",), ("who",)),
}
_INJECT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
Path = tuple[str | int, ...]


@dataclass
class ScenarioReading:
    """What a scenario's text gives: the scenario (None when a problem blocks it) and
    every problem found, in the file's order."""

    scenario: Scenario | None
    problems: list[Problem]
    digest: str

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]


def read_scenario(text: str, name: str) -> ScenarioReading:
    """The scenario in `text`; `name` is what the team calls it (the file's stem)."""
    fingerprint = digest(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return ScenarioReading(None, [toml_problem(str(exc))], fingerprint)
    except (RecursionError, ValueError):
        problem = Problem(None, "The file is not a scenario that can be read.")
        return ScenarioReading(None, [problem], fingerprint)
    reader = _Reader(KeyLines(text))
    scenario = reader.scenario(data, name, fingerprint)
    reader.problems.sort(key=lambda p: p.line or 0)
    blocked = any(p.blocking for p in reader.problems)
    return ScenarioReading(None if blocked else scenario, reader.problems, fingerprint)


@dataclass
class _Reader:
    lines: KeyLines
    problems: list[Problem] = field(default_factory=list)

    def problem(self, path: Path, text: str, *, blocking: bool = True) -> None:
        self.problems.append(Problem(self.lines.line(path), text, blocking))

    def unknown(self, data: Mapping[str, Any], known: tuple[str, ...], path: Path) -> None:
        where = f"{_dotted(path)}: " if path else ""
        for key in data:
            if key not in known:
                self.problem(
                    (*path, key),
                    f"{where}unknown setting '{key}' (ignored): use {', '.join(known)}.",
                    blocking=False,
                )

    def scenario(self, data: Mapping[str, Any], name: str, fingerprint: str) -> Scenario | None:
        self.unknown(data, TOP_KEYS, ())
        setup_data = data.get("setup")
        if not isinstance(setup_data, Mapping):
            self.problem(("setup",), "The scenario needs a [setup] table (title, service, ...).")
            setup = None
        else:
            setup = self.setup(setup_data)
        injects = self.injects(data.get("inject"))
        summary = self.text(data, "summary", (), needed=False)
        if setup is None:
            return None
        return Scenario(name, setup, tuple(injects), fingerprint, summary)

    # -- values -------------------------------------------------------------------

    def text(self, data: Mapping[str, Any], key: str, path: Path, *, needed: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if needed:
                self.problem(path, f'{_dotted(path)} needs {key} = "...".')
            return ""
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            self.problem(
                (*path, key),
                f"{_dotted((*path, key))} must be text of 1 to {MAX_TEXT} characters.",
            )
            return ""
        return value.strip()

    def offset(self, value: object, path: Path, label: Path) -> timedelta | None:
        try:
            return parse_offset(str(value)) if isinstance(value, str) else parse_offset("")
        except ValidationError as exc:
            self.problem(path, f"{_dotted(label)}: {exc}")
            return None

    # -- the setup ----------------------------------------------------------------

    def setup(self, data: Mapping[str, Any]) -> DrillSetup | None:
        path: Path = ("setup",)
        self.unknown(data, SETUP_KEYS, path)
        title = self.text(data, "title", path)
        service = self.text(data, "service", path)
        severity = Severity.SEV2
        try:
            severity = Severity.parse(str(data.get("severity", "")))
        except ValidationError as exc:
            self.problem((*path, "severity"), f"setup.severity: {exc}")
        facts = data.get("facts", [])
        if not isinstance(facts, list) or len(facts) > MAX_FACTS:
            self.problem(
                (*path, "facts"), f"setup.facts must be a list of up to {MAX_FACTS} texts."
            )
            facts = []
        kept = []
        for fact in facts:
            if not isinstance(fact, str) or not fact.strip() or len(fact) > MAX_TEXT:
                self.problem((*path, "facts"), "setup.facts: every fact must be a line of text.")
            else:
                kept.append(fact.strip())
        speed = data.get("speed", 1.0)
        if (
            isinstance(speed, bool)
            or not isinstance(speed, int | float)
            or not (0 < speed <= MAX_SPEED)
        ):
            self.problem(
                (*path, "speed"),
                f"setup.speed must be a number above 0 and at most {MAX_SPEED:g} "
                "(2 runs the drill twice as fast).",
            )
            speed = 1.0
        if not title or not service:
            return None
        return DrillSetup(title, service, severity, tuple(kept), float(speed))

    # -- the injects --------------------------------------------------------------

    def injects(self, data: object) -> list[Inject]:
        if data is None or data == []:
            self.problem(("inject",), "The scenario has no [[inject]]: add at least one.")
            return []
        if not isinstance(data, list) or len(data) > MAX_INJECTS:
            self.problem(("inject",), f"inject must be up to {MAX_INJECTS} [[inject]] tables.")
            return []
        injects: list[Inject] = []
        seen: set[str] = set()
        for index, item in enumerate(data):
            path: Path = ("inject", index)
            if not isinstance(item, Mapping):
                self.problem(path, f"inject {index + 1} must be an [[inject]] table.")
                continue
            named = item.get("id")
            if isinstance(named, str) and named in seen:
                self.problem((*path, "id"), f"Two injects are called '{named}': rename one.")
            seen.add(str(named))
            inject = self.inject(item, path)
            if inject is not None:
                injects.append(inject)
        return injects

    def inject(self, data: Mapping[str, Any], path: Path) -> Inject | None:
        inject_id = data.get("id")
        if not isinstance(inject_id, str) or not _INJECT_ID.match(inject_id):
            self.problem(
                (*path, "id") if "id" in data else path,
                f"{_dotted(path)} needs an id: 1 to 40 lower-case letters, digits, "
                "'-' or '_' (id = \"exec-eta\").",
            )
            inject_id = ""
        label: Path = (f"inject '{inject_id}'",) if inject_id else path
        kind = self.kind(data, path, label)
        at, trigger = self.when(data, path, label)
        if kind is None:
            return None
        needed, optional = KIND_FIELDS[kind]
        self.unknown(data, (*COMMON_KEYS, *needed, *optional), label)
        fields: dict[str, Any] = {}
        for key in (*needed, *optional):
            if key == "count":
                fields[key] = self.count(data, path, label)
            elif key in data or key in needed:
                fields[key] = self.field_text(data, key, path, label)
        if not inject_id or (at is None and trigger is None):
            return None
        line = self.lines.line(path)
        return Inject(inject_id, kind, at, trigger, line=line, **fields)

    def kind(self, data: Mapping[str, Any], path: Path, label: Path) -> InjectKind | None:
        kinds = ", ".join(k.value for k in InjectKind)
        try:
            return InjectKind(str(data.get("kind", "")).strip().lower())
        except ValueError:
            where = (*path, "kind") if "kind" in data else path
            self.problem(where, f"{_dotted(label)}: kind must be one of {kinds}.")
            return None

    def when(
        self, data: Mapping[str, Any], path: Path, label: Path
    ) -> tuple[timedelta | None, Trigger | None]:
        if ("at" in data) == ("trigger" in data):
            self.problem(
                path,
                f'{_dotted(label)} needs exactly one of at = "T+05:00" or trigger = '
                '{ hypothesis_mentions = "..." }.',
            )
            return None, None
        if "at" in data:
            return self.offset(data["at"], (*path, "at"), label), None
        return None, self.trigger(data["trigger"], (*path, "trigger"), label)

    def trigger(self, data: object, path: Path, label: Path) -> Trigger | None:
        names = ", ".join(k.value for k in TriggerKind)
        if not isinstance(data, Mapping) or len(data) != 1:
            self.problem(path, f"{_dotted(label)}: trigger must be one of {{ {names} = ... }}.")
            return None
        ((key, value),) = data.items()
        if key == TriggerKind.HYPOTHESIS_MENTIONS:
            if isinstance(value, str) and value.strip():
                return Trigger(TriggerKind.HYPOTHESIS_MENTIONS, words=value.strip())
            self.problem(path, f"{_dotted(label)}: hypothesis_mentions must be a word or phrase.")
        elif key == TriggerKind.ROLLBACK_DECIDED:
            if value is True:
                return Trigger(TriggerKind.ROLLBACK_DECIDED)
            self.problem(path, f"{_dotted(label)}: write rollback_decided = true.")
        elif key == TriggerKind.NO_FIRST_UPDATE_BY:
            by = self.offset(value, path, label)
            return Trigger(TriggerKind.NO_FIRST_UPDATE_BY, by=by) if by is not None else None
        else:
            self.problem(path, f"{_dotted(label)}: unknown trigger '{key}': use one of {names}.")
        return None

    def count(self, data: Mapping[str, Any], path: Path, label: Path) -> int:
        value = data.get("count")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_STORM:
            where = (*path, "count") if "count" in data else path
            self.problem(
                where, f"{_dotted(label)}: count must be a whole number, 1 to {MAX_STORM}."
            )
            return 0
        return value

    def field_text(self, data: Mapping[str, Any], key: str, path: Path, label: Path) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            where = (*path, key) if key in data else path
            need = "needs" if key not in data else "must have"
            self.problem(where, f'{_dotted(label)} {need} {key} = "..." (text).')
            return ""
        return value.strip()


def _dotted(path: Path) -> str:
    return ".".join(str(p + 1) if isinstance(p, int) else p for p in path)
