"""Reading a playbook file: every problem with its line, not just the first.

A problem is blocking when the file cannot be used as it is (not TOML, a value of
the wrong shape, an unknown severity); the others are gaps the team should close
(a severity without a commander rule, a cadence for an audience nobody reads).
What a file leaves out comes from the defaults it is read over (the shipped
playbook), so a short team file is a whole playbook.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, cast

from commander_app.core.authority import AuthorityMatrix, AuthorityRow, matrix_from_dict
from commander_app.core.cadence_policy import (
    MAX_AMBER_MINUTES,
    MAX_FIRST_UPDATE_MINUTES,
    MAX_INTERVAL_MINUTES,
    MAX_LONG_AFTER_MINUTES,
    CadencePolicy,
)
from commander_app.core.errors import ValidationError
from commander_app.core.model import Audience, Role, Severity
from commander_app.core.playbook import (
    ANYONE,
    FORMAT,
    ROTA,
    AudienceList,
    Playbook,
    PostmortemRule,
    RotaShift,
    SeverityQuestion,
    SeverityRule,
    Version,
    digest,
)
from commander_app.core.playbook_lines import KeyLines
from commander_app.core.rollback_checklist import RollbackChecklist, checklist_from_items

MAX_NAME = 120
MAX_TEXT = 300
MAX_NAMES = 200
MAX_SHIFTS = 2000
MAX_QUESTIONS = 20
MAX_DAYS = 365
TOP_KEYS = (
    "name",
    "format",
    "stakeholder_zone",
    "cadence",
    "severity",
    "question",
    "audience",
    "rota",
    "rollback",
    "deprecated_tools",
)
SEVERITY_KEYS = (
    "means",
    "commander",
    "roles",
    "postmortem",
    "postmortem_days",
    "follow_up_days",
    "cadence",
    "long_cadence",
    "rollback",
)
POSTMORTEM_RULES: tuple[PostmortemRule, ...] = ("required", "optional", "none")
ZoneLookup = Callable[[str], tzinfo | None]  # a zone name to its zone; None: unknown
_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class Problem:
    line: int | None
    text: str
    blocking: bool = True

    def describe(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.text}"


@dataclass
class Reading:
    """What a playbook's text gives: the playbook (None when a problem blocks it),
    every problem found, and the version (its name and the text's digest)."""

    playbook: Playbook | None
    problems: list[Problem]
    version: Version

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def gaps(self) -> list[Problem]:
        return [p for p in self.problems if not p.blocking]


def builtin_defaults() -> Playbook:
    """Commander's own rules, for a shipped playbook that leaves something out."""
    return Playbook(
        name="Commander's defaults",
        cadence=CadencePolicy(),
        authority=AuthorityMatrix({}),
        checklist=RollbackChecklist(()),
        severities={s: SeverityRule(s) for s in Severity},
    )


def read_playbook(
    text: str, defaults: Playbook | None = None, zones: ZoneLookup | None = None
) -> Reading:
    """The playbook in `text`, read over `defaults` (Commander's own when None); `zones`
    resolves time zone names (the store's; without it only UTC is known)."""
    base = defaults or builtin_defaults()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return _unreadable(text, toml_problem(str(exc)))
    except RecursionError:
        return _unreadable(text, Problem(None, "The file is nested too deeply to be a playbook."))
    except ValueError:
        return _unreadable(text, Problem(None, "The file holds a number too long to read."))
    reader = _Reader(KeyLines(text), base, zones or _utc_only)
    playbook = reader.playbook(data)
    name = playbook.name if playbook else _text_or(data.get("name"), base.name)
    reader.problems.sort(key=lambda p: p.line or 0)  # in the file's order, whole-file first
    blocked = any(p.blocking for p in reader.problems)
    return Reading(None if blocked else playbook, reader.problems, Version(name, digest(text)))


def _unreadable(text: str, problem: Problem) -> Reading:
    return Reading(None, [problem], Version("unreadable", digest(text)))


def toml_problem(message: str) -> Problem:
    found = _TOML_AT.search(message)
    line = int(found.group(1)) if found else None
    words = _TOML_AT.sub("", message).strip().rstrip(".")
    return Problem(line, f"This is not valid TOML: {words}.")


def _text_or(value: object, default: str) -> str:
    return value.strip()[:MAX_NAME] if isinstance(value, str) and value.strip() else default


@dataclass
class _Reader:
    lines: KeyLines
    base: Playbook
    zone: ZoneLookup
    problems: list[Problem] = field(default_factory=list)

    def problem(self, path: tuple[str | int, ...], text: str, *, blocking: bool = True) -> None:
        self.problems.append(Problem(self.lines.line(path), text, blocking))

    def table(
        self, data: Mapping[str, Any], key: str, path: tuple[str | int, ...]
    ) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, Mapping):
            self.problem((*path, key), f"{_dotted((*path, key))} must be a table.")
            return {}
        return dict(value)

    # -- the whole file -------------------------------------------------------------

    def playbook(self, data: Mapping[str, Any]) -> Playbook | None:
        for key in data:
            if key not in TOP_KEYS:
                self.problem(
                    (key,),
                    f"Unknown setting '{key}' (ignored): use {', '.join(TOP_KEYS)}.",
                    blocking=False,
                )
        fmt = data.get("format", FORMAT)
        if fmt != FORMAT:
            self.problem(("format",), f"format {fmt!r} is not one this Commander reads ({FORMAT}).")
            return None
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem(
                ("name",), 'The playbook has no name: add name = "..." at the top.', blocking=False
            )
        severities_data = self.table(data, "severity", ())
        severities = self.severities(severities_data)
        questions = self.questions(data.get("question", []))
        audiences = self.audiences(self.table(data, "audience", ()))
        rota = self.rota(self.table(data, "rota", ()))
        cadence = self.cadence(data, severities_data)
        authority = self.authority(severities_data)
        checklist = self.checklist(self.table(data, "rollback", ()))
        tools = self.tools(self.table(data, "deprecated_tools", ()))
        playbook = Playbook(
            name=_text_or(name, self.base.name),
            cadence=cadence,
            authority=authority,
            checklist=checklist,
            severities=severities,
            questions=questions,
            audiences=audiences,
            rota=rota,
            deprecated_tools=tools,
        )
        self.gaps(playbook, severities_data, data)
        return playbook

    # -- severities -----------------------------------------------------------------

    def severities(self, data: Mapping[str, Any]) -> dict[Severity, SeverityRule]:
        rules = dict(self.base.severities)
        for key, value in data.items():
            path: tuple[str | int, ...] = ("severity", key)
            severity = self.severity_key(key, path)
            if severity is None:
                continue
            if not isinstance(value, Mapping):
                self.problem(path, f"[severity.{key}] must be a table.")
                continue
            for unknown in sorted(set(value) - set(SEVERITY_KEYS)):
                self.problem(
                    (*path, unknown),
                    f"severity.{key}: unknown setting '{unknown}' (ignored): use "
                    f"{', '.join(SEVERITY_KEYS)}.",
                    blocking=False,
                )
            rules[severity] = self.rule(severity, value, path, rules.get(severity))
        return rules

    def severity_key(self, key: str, path: tuple[str | int, ...]) -> Severity | None:
        try:
            return Severity.parse(key)
        except ValidationError as exc:
            self.problem(path, str(exc))
            return None

    def rule(
        self,
        severity: Severity,
        value: Mapping[str, Any],
        path: tuple[str | int, ...],
        base: SeverityRule | None,
    ) -> SeverityRule:
        rule = base or SeverityRule(severity)
        means = self.text(value.get("means", rule.means), (*path, "means"), "means")
        commanders = rule.commanders
        if "commander" in value:
            commanders = self.names(value["commander"], (*path, "commander"), allow_rota=True)
        roles = self.roles(value.get("roles"), (*path, "roles"), rule.roles)
        postmortem = value.get("postmortem", rule.postmortem)
        if postmortem not in POSTMORTEM_RULES:
            self.problem(
                (*path, "postmortem"),
                f"severity.{severity.value}.postmortem must be one of "
                f"{', '.join(POSTMORTEM_RULES)}, not {postmortem!r}.",
            )
            postmortem = rule.postmortem
        return replace(
            rule,
            means=means,
            commanders=commanders,
            roles=roles,
            postmortem=cast(PostmortemRule, postmortem),
            postmortem_days=self.days(value, "postmortem_days", path, rule.postmortem_days),
            follow_up_days=self.days(value, "follow_up_days", path, rule.follow_up_days),
        )

    def days(
        self, value: Mapping[str, Any], key: str, path: tuple[str | int, ...], default: int | None
    ) -> int | None:
        if key not in value:
            return default
        days = value[key]
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
            self.problem(
                (*path, key),
                f"{_dotted((*path, key))} must be whole days from 1 to {MAX_DAYS}, not {days!r}.",
            )
            return default
        return days

    def roles(
        self, value: object, path: tuple[str | int, ...], default: tuple[Role, ...]
    ) -> tuple[Role, ...]:
        if value is None:
            return default
        roles: list[Role] = []
        for name in self.names(value, path):
            try:
                role = Role.parse(name)
            except ValidationError as exc:
                self.problem(path, f"{_dotted(path)}: {exc}")
                continue
            if role not in roles:
                roles.append(role)
        return tuple(roles)

    def names(
        self, value: object, path: tuple[str | int, ...], *, allow_rota: bool = False
    ) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(path, f'{_dotted(path)} must be a list of names, such as ["alice"].')
            return ()
        if len(value) > MAX_NAMES:
            self.problem(path, f"{_dotted(path)} lists {len(value)} names; at most {MAX_NAMES}.")
            value = value[:MAX_NAMES]
        names: list[str] = []
        for raw in value:
            name = " ".join(raw.split())[:MAX_NAME]
            if not name:
                continue
            if allow_rota and name.lower() in (ROTA, ANYONE):
                name = name.lower()
            if name not in names:
                names.append(name)
        return tuple(names)

    def text(self, value: object, path: tuple[str | int, ...], label: str) -> str:
        if not isinstance(value, str):
            self.problem(path, f"{_dotted(path)} must be text.")
            return ""
        cleaned = " ".join(value.split())
        if len(cleaned) > MAX_TEXT:
            self.problem(path, f"{label} is longer than {MAX_TEXT} characters.", blocking=False)
        return cleaned[:MAX_TEXT]

    # -- cadence --------------------------------------------------------------------

    def cadence(self, data: Mapping[str, Any], severities: Mapping[str, Any]) -> CadencePolicy:
        base = self.base.cadence
        settings = self.table(data, "cadence", ())
        known = ("first_update_minutes", "long_after_minutes", "amber_before_minutes")
        for unknown in sorted(set(settings) - set(known)):
            self.problem(
                ("cadence", unknown),
                f"cadence: unknown setting '{unknown}' (ignored): "
                f"use {', '.join(known)}; each severity's cadence is under "
                "[severity.SEVn].",
                blocking=False,
            )
        intervals = {s: dict(row) for s, row in base.intervals.items()}
        long_intervals = {s: dict(row) for s, row in base.long_intervals.items()}
        for key, value in severities.items():
            severity = _quiet_severity(key)
            if severity is None or not isinstance(value, Mapping):
                continue
            path = ("severity", key)
            if "cadence" in value:
                intervals[severity] = self.minutes_row(value["cadence"], (*path, "cadence"))
                long_intervals.pop(severity, None)
            if "long_cadence" in value:
                long_row = self.minutes_row(value["long_cadence"], (*path, "long_cadence"))
                for audience in list(long_row):
                    if audience not in intervals.get(severity, {}):
                        self.problem(
                            (*path, "long_cadence", audience.value),
                            f"severity.{key}.long_cadence.{audience.value}: "
                            f"{audience.value} has no cadence at {severity.value}, so "
                            "no long-incident one either.",
                        )
                        del long_row[audience]
                long_intervals[severity] = long_row
        return CadencePolicy(
            intervals=intervals,
            long_intervals={s: row for s, row in long_intervals.items() if row},
            first_update=self.minutes(
                settings, "first_update_minutes", base.first_update, 1, MAX_FIRST_UPDATE_MINUTES
            ),
            long_after=self.minutes(
                settings, "long_after_minutes", base.long_after, 1, MAX_LONG_AFTER_MINUTES
            ),
            amber_before=self.minutes(
                settings, "amber_before_minutes", base.amber_before, 0, MAX_AMBER_MINUTES
            ),
            stakeholder_zone=self.zone_name(data),
        )

    def zone_name(self, data: Mapping[str, Any]) -> str | None:
        value = data.get("stakeholder_zone", self.base.cadence.stakeholder_zone)
        if value is None or value == "":
            return None
        if not isinstance(value, str) or self.known_zone(value) is None:
            self.problem(
                ("stakeholder_zone",),
                f"stakeholder_zone: {value!r} is not a time "
                "zone name such as Europe/Berlin or UTC.",
            )
            return None
        return value.strip()

    def known_zone(self, name: str) -> tzinfo | None:
        text = name.strip()
        if not text or len(text) > 64 or " " in text:
            return None
        return self.zone(text)

    def minutes_row(self, value: object, path: tuple[str, ...]) -> dict[Audience, timedelta]:
        if not isinstance(value, Mapping):
            self.problem(
                path,
                f"{_dotted(path)} must map audiences to minutes, such as "
                "{ internal = 30, executives = 60 }.",
            )
            return {}
        row: dict[Audience, timedelta] = {}
        for key in value:
            try:
                audience = Audience.parse(key)
            except ValidationError as exc:
                self.problem((*path, key), f"{_dotted(path)}: {exc}")
                continue
            span = self.minutes(value, key, None, 1, MAX_INTERVAL_MINUTES, (*path,))
            if span is not None:
                row[audience] = span
        return row

    def minutes(
        self,
        data: Mapping[str, Any],
        key: str,
        default: timedelta | None,
        low: int,
        high: int,
        path: tuple[str, ...] = ("cadence",),
    ) -> Any:
        if key not in data:
            return default
        value = data[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.problem(
                (*path, key),
                f"{_dotted((*path, key))} must be whole minutes from "
                f"{low} to {high}, not {value!r}.",
            )
            return default
        return timedelta(minutes=value)

    # -- rollback -------------------------------------------------------------------

    def authority(self, severities: Mapping[str, Any]) -> AuthorityMatrix:
        rows: dict[Severity, AuthorityRow] = dict(self.base.authority.rows)
        for key, value in severities.items():
            severity = _quiet_severity(key)
            if severity is None or not isinstance(value, Mapping) or "rollback" not in value:
                continue
            path = ("severity", key, "rollback")
            try:
                matrix = matrix_from_dict({key: value["rollback"]}, f"severity.{key}.rollback")
            except ValidationError as exc:
                self.problem(path, str(exc))
                continue
            rows[severity] = matrix.row(severity)
        return AuthorityMatrix(rows)

    def checklist(self, rollback: Mapping[str, Any]) -> RollbackChecklist:
        for unknown in sorted(set(rollback) - {"item"}):
            self.problem(
                ("rollback", unknown),
                f"rollback: unknown setting '{unknown}' "
                "(ignored): the checklist is [[rollback.item]] tables.",
                blocking=False,
            )
        if "item" not in rollback:
            return self.base.checklist
        try:
            return checklist_from_items(rollback["item"], "The rollback checklist")
        except ValidationError as exc:
            number = re.search(r"item (\d+)", str(exc))
            path: tuple[str | int, ...] = ("rollback", "item")
            if number:
                path = (*path, int(number.group(1)) - 1)
            self.problem(path, str(exc))
            return self.base.checklist

    # -- questions, audiences, rota, tools ------------------------------------------

    def questions(self, raw: object) -> tuple[SeverityQuestion, ...]:
        if raw == []:
            return self.base.questions
        if not isinstance(raw, list):
            self.problem(("question",), "question must be [[question]] tables with ask and yes.")
            return self.base.questions
        questions: list[SeverityQuestion] = []
        for index, entry in enumerate(raw[:MAX_QUESTIONS]):
            path: tuple[str | int, ...] = ("question", index)
            if not isinstance(entry, Mapping):
                self.problem(path, f"question {index + 1} must be a table with ask and yes.")
                continue
            ask = self.text(entry.get("ask"), (*path, "ask"), "A question")
            if not ask:
                self.problem((*path, "ask"), f'question {index + 1} has no ask = "...".')
                continue
            try:
                severity = Severity.parse(entry.get("yes"))
            except ValidationError as exc:
                self.problem((*path, "yes"), f"question {index + 1}, yes: {exc}")
                continue
            questions.append(SeverityQuestion(ask, severity))
        if len(raw) > MAX_QUESTIONS:
            self.problem(
                ("question", MAX_QUESTIONS),
                f"At most {MAX_QUESTIONS} questions: a severity is decided in a minute.",
                blocking=False,
            )
        return tuple(questions)

    def audiences(self, data: Mapping[str, Any]) -> dict[Audience, AudienceList]:
        lists = dict(self.base.audiences)
        for key, value in data.items():
            path: tuple[str | int, ...] = ("audience", key)
            try:
                audience = Audience.parse(key)
            except ValidationError as exc:
                self.problem(path, f"audience: {exc}")
                continue
            if not isinstance(value, Mapping):
                self.problem(path, f"[audience.{key}] must be a table with recipients.")
                continue
            recipients = self.names(value.get("recipients", []), (*path, "recipients"))
            by_service: dict[str, tuple[str, ...]] = {}
            services = value.get("by_service", {})
            if not isinstance(services, Mapping):
                self.problem(
                    (*path, "by_service"),
                    f"audience.{key}.by_service must map a service to a list of names.",
                )
                services = {}
            for service, names in services.items():
                by_service[str(service).strip().lower()] = self.names(
                    names, (*path, "by_service", service)
                )
            lists[audience] = AudienceList(recipients, by_service)
        return lists

    def rota(self, data: Mapping[str, Any]) -> tuple[RotaShift, ...]:
        if not data:
            return self.base.rota
        zone_name = data.get("zone", "UTC")
        zone = self.known_zone(zone_name) if isinstance(zone_name, str) else None
        if zone is None:
            self.problem(
                ("rota", "zone"),
                f"rota.zone: {zone_name!r} is not a time zone name such as Europe/Berlin or UTC.",
            )
            zone = UTC
        raw = data.get("shift", [])
        if not isinstance(raw, list):
            self.problem(
                ("rota", "shift"),
                "The rota's shifts are [[rota.shift]] tables with person and from.",
            )
            return ()
        shifts: list[RotaShift] = []
        for index, entry in enumerate(raw[:MAX_SHIFTS]):
            path: tuple[str | int, ...] = ("rota", "shift", index)
            shift = self.shift(entry, path, zone, index)
            if shift is not None:
                shifts.append(shift)
        return tuple(sorted(shifts, key=lambda s: s.starts))

    def shift(
        self, entry: object, path: tuple[str | int, ...], zone: tzinfo, index: int
    ) -> RotaShift | None:
        if not isinstance(entry, Mapping):
            self.problem(path, f"shift {index + 1} must be a table with person and from.")
            return None
        person = entry.get("person")
        if not isinstance(person, str) or not person.strip():
            self.problem((*path, "person"), f"shift {index + 1} names no person.")
            return None
        starts = entry.get("from")
        if not isinstance(starts, datetime):
            self.problem(
                (*path, "from"),
                f"shift {index + 1}: from must be a date and time "
                "such as 2026-12-01T09:00:00 (no quotes).",
            )
            return None
        if starts.tzinfo is None:
            starts = starts.replace(tzinfo=zone)
        return RotaShift(" ".join(person.split())[:MAX_NAME], starts)

    def tools(self, data: Mapping[str, Any]) -> dict[str, str]:
        if not data:
            return dict(self.base.deprecated_tools)
        tools: dict[str, str] = {}
        for tool, replacement in data.items():
            if not isinstance(replacement, str):
                self.problem(
                    ("deprecated_tools", tool),
                    f'deprecated_tools.{tool} must be the replacement as text ("" for none).',
                )
                continue
            tools[str(tool).strip()] = replacement.strip()[:MAX_NAME]
        return tools

    # -- gaps: a usable playbook that leaves a responder without an answer ---------

    def gaps(
        self, playbook: Playbook, severities: Mapping[str, Any], data: Mapping[str, Any]
    ) -> None:
        for severity in Severity:
            rule = playbook.rule(severity)
            path: tuple[str | int, ...] = ("severity", severity.value)
            if not rule.has_commander_rule:
                self.problem(
                    path,
                    f"{severity.value} has no commander rule: say who may be "
                    f'incident commander (commander = ["name", ...], "rota" or "anyone").',
                    blocking=False,
                )
            if rule.commanders and ROTA in rule.commanders and not playbook.rota:
                self.problem(
                    (*path, "commander"),
                    f"{severity.value} names the rota as "
                    "commander, but the rota has no shifts ([[rota.shift]]).",
                    blocking=False,
                )
            if rule.postmortem == "required" and not rule.postmortem_days:
                self.problem(
                    (*path, "postmortem"),
                    f"{severity.value} requires a postmortem "
                    "but gives no deadline (postmortem_days).",
                    blocking=False,
                )
            for audience in playbook.cadence.intervals.get(severity, {}):
                if not playbook.audiences.get(audience, AudienceList()).recipients:
                    self.problem(
                        (*path, "cadence", audience.value),
                        f"{severity.value} has "
                        f"a cadence for {audience.value}, but no recipients are "
                        f"listed for {audience.value} ([audience.{audience.value}] "
                        "recipients).",
                        blocking=False,
                    )
        if not playbook.questions:
            self.problem(
                ("question",),
                "No severity questions: add [[question]] tables (ask, "
                "yes) so a new commander can pick a severity.",
                blocking=False,
            )


def _quiet_severity(key: str) -> Severity | None:
    try:
        return Severity.parse(key)
    except ValidationError:
        return None


def _utc_only(name: str) -> tzinfo | None:
    return UTC if name.upper() == "UTC" else None


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p + 1) if isinstance(p, int) else p for p in path)
