"""The team's playbook: how this team runs an incident response, in one file.

Severities with the questions that decide them and, per severity, who may command,
the roles required, the update cadence, who may roll back without escalating, the
postmortem and follow-up deadlines; the stakeholder lists per audience; the on-call
rota; the rollback checklist; the tools the team has retired. Plain data; the file
is read by `playbook_parse` and edited in place by `playbook_edit`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from commander_app.core.authority import AuthorityMatrix
from commander_app.core.cadence_policy import CadencePolicy
from commander_app.core.model import Audience, Role, Severity
from commander_app.core.rollback_checklist import RollbackChecklist

FORMAT = 1
ROTA = "rota"  # `commander = "rota"`: whoever the on-call rota names at the time
ANYONE = "anyone"  # `commander = "anyone"`: any responder who takes it
DIGEST_LENGTH = 12
DOUBT_GUIDANCE = "When in doubt, pick the higher severity: lowering it later costs nothing."
PostmortemRule = Literal["required", "optional", "none"]


@dataclass(frozen=True)
class SeverityRule:
    """What one severity means and what it asks of the response."""

    severity: Severity
    means: str = ""
    commanders: tuple[str, ...] = ()  # names; (ROTA,) for the on-call rota
    roles: tuple[Role, ...] = (Role.COMMANDER,)
    postmortem: PostmortemRule = "optional"
    postmortem_days: int | None = None
    follow_up_days: int | None = None

    @property
    def has_commander_rule(self) -> bool:
        return bool(self.commanders)

    def commander_text(self) -> str:
        if not self.commanders:
            return "not said"
        return ", ".join(_LABELS.get(c, c) for c in self.commanders)


_LABELS = {ROTA: "whoever is on call (the rota)", ANYONE: "any responder who takes it"}


@dataclass(frozen=True)
class SeverityQuestion:
    """A yes/no question; a yes means at least `severity`."""

    ask: str
    severity: Severity


@dataclass(frozen=True)
class AudienceList:
    """Who hears an audience's updates, with extra readers for incidents of a service."""

    recipients: tuple[str, ...] = ()
    by_service: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def for_services(self, services: Sequence[str]) -> tuple[str, ...]:
        names = list(self.recipients)
        for service in services:
            for name in self.by_service.get(service.strip().lower(), ()):
                if name not in names:
                    names.append(name)
        return tuple(names)


@dataclass(frozen=True)
class RotaShift:
    person: str
    starts: datetime  # aware


@dataclass(frozen=True)
class Playbook:
    name: str
    cadence: CadencePolicy
    authority: AuthorityMatrix
    checklist: RollbackChecklist
    severities: Mapping[Severity, SeverityRule]
    questions: tuple[SeverityQuestion, ...] = ()
    audiences: Mapping[Audience, AudienceList] = field(default_factory=dict)
    rota: tuple[RotaShift, ...] = ()
    deprecated_tools: Mapping[str, str] = field(default_factory=dict)

    def rule(self, severity: Severity) -> SeverityRule:
        return self.severities.get(severity) or SeverityRule(severity)

    def recipients(self, audience: Audience, services: Sequence[str] = ()) -> tuple[str, ...]:
        return self.audiences.get(audience, AudienceList()).for_services(services)

    def on_call(self, now: datetime) -> RotaShift | None:
        """The rota's shift in force at `now`: the latest that has started."""
        started = [shift for shift in self.rota if shift.starts <= now]
        return max(started, key=lambda s: s.starts) if started else None

    def next_hand_over(self, now: datetime) -> RotaShift | None:
        later = [shift for shift in self.rota if shift.starts > now]
        return min(later, key=lambda s: s.starts) if later else None

    def commanders_for(self, severity: Severity, now: datetime) -> tuple[str, ...]:
        """The names who may command at `severity` now (the rota resolved)."""
        names: list[str] = []
        for name in self.rule(severity).commanders:
            if name == ROTA:
                shift = self.on_call(now)
                if shift is not None and shift.person not in names:
                    names.append(shift.person)
            elif name != ANYONE and name not in names:
                names.append(name)
        return tuple(names)

    def follow_up_due(self, severity: Severity, opened: datetime) -> datetime | None:
        days = self.rule(severity).follow_up_days
        return opened + timedelta(days=days) if days else None

    def postmortem_due(self, severity: Severity, resolved: datetime) -> datetime | None:
        rule = self.rule(severity)
        if rule.postmortem != "required" or not rule.postmortem_days:
            return None
        return resolved + timedelta(days=rule.postmortem_days)


@dataclass(frozen=True)
class Verdict:
    """The severity the answers give, and why."""

    severity: Severity
    reason: str


def severity_from_answers(
    questions: Sequence[SeverityQuestion], answers: Mapping[int, bool]
) -> Verdict | None:
    """The highest severity a yes answer calls for; the lowest severity when every
    question was answered no; None while some question is unanswered and no yes yet."""
    yeses = [(questions[i], i) for i, yes in sorted(answers.items()) if yes]
    if yeses:
        question, _ = min(yeses, key=lambda pair: (_rank(pair[0].severity), pair[1]))
        return Verdict(question.severity, f"yes to “{question.ask}”")
    if questions and len(answers) >= len(questions):
        lowest = max(Severity, key=_rank)
        return Verdict(lowest, "no to every question")
    return None


def _rank(severity: Severity) -> int:
    return list(Severity).index(severity)


@dataclass(frozen=True)
class Version:
    """Which playbook was in force: its name and a digest of its exact text."""

    name: str
    digest: str

    def describe(self) -> str:
        return f"“{self.name}” ({self.digest})"


def digest(text: str) -> str:
    """A short fingerprint of the file's text (line endings do not count)."""
    normal = "\n".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


_PARTS: tuple[tuple[str, str], ...] = (
    ("name", "name"),
    ("cadence", "update cadence"),
    ("authority", "rollback authority"),
    ("checklist", "rollback checklist"),
    ("severities", "severity rules"),
    ("questions", "severity questions"),
    ("audiences", "stakeholder lists"),
    ("rota", "on-call rota"),
    ("deprecated_tools", "deprecated tools"),
)


def changed_parts(before: Playbook, after: Playbook) -> list[str]:
    """The parts of the playbook that differ, in the words a reader uses."""
    return [label for attr, label in _PARTS if getattr(before, attr) != getattr(after, attr)]
