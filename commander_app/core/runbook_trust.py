"""Whether a runbook deserves trust at 2 a.m., in words: how long since it was reviewed,
whether anyone touched it after its service's last incident, and whether it still tells
people to run tools the team has retired. The store gathers the facts; the clock is
given, so the rules are tested at fixed times."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from commander_app.core.errors import ValidationError
from commander_app.core.runbook import Runbook
from commander_app.core.toml_text import load_toml

STALE_AFTER_DAYS = 180
DEPRECATED_TOOLS_FILE = "deprecated-tools.toml"

FlagKind = Literal[
    "stale", "no-review-date", "future-review-date", "behind-incident", "deprecated", "flagged"
]


@dataclass(frozen=True)
class GitChange:
    """The last commit that changed the file."""

    when: datetime
    author: str


@dataclass(frozen=True)
class LastIncident:
    incident_id: str
    title: str
    at: datetime  # when it opened


@dataclass(frozen=True)
class TrustFacts:
    runbook: Runbook
    git: GitChange | None = None
    file_changed: datetime | None = None  # the file's mtime: trusted only outside git
    last_incident: LastIncident | None = None
    uses: int | None = None  # incidents that followed a step of it; None: not counted
    flagged: tuple[tuple[int, str], ...] = ()  # steps flagged wrong and not fixed: (step, note)


@dataclass(frozen=True)
class TrustFlag:
    kind: FlagKind
    message: str


@dataclass(frozen=True)
class TrustLine:
    flags: tuple[TrustFlag, ...]
    facts: tuple[str, ...] = field(default=())

    @property
    def trusted(self) -> bool:
        return not self.flags

    def summary(self) -> str:
        shown = [f.message for f in self.flags] or ["no warning"]
        return "; ".join([*shown, *self.facts])


def _word(tool: str) -> re.Pattern[str]:
    """The tool as a word of a command: `ssh` in `ssh db1`, not in `sshd` or `git-ssh`."""
    return re.compile(rf"(?<![\w-]){re.escape(tool)}(?![\w-])")


def deprecated_mentions(runbook: Runbook, tools: dict[str, str]) -> list[tuple[int, str, str]]:
    """(step number, tool, replacement) for each retired tool a step's command runs."""
    found = []
    patterns = {tool: _word(tool) for tool in tools}
    for number, command in runbook.commands():
        for tool, pattern in patterns.items():
            if pattern.search(command) and (number, tool, tools[tool]) not in found:
                found.append((number, tool, tools[tool]))
    return found


def parse_deprecated_tools(text: str, where: str) -> dict[str, str]:
    """`deprecated-tools.toml`: `tool = "its replacement"` lines, under `[tools]` or at
    the top; the replacement may be empty when there is none."""
    data = load_toml(text, where)
    table = data.get("tools", data)
    if not isinstance(table, dict):
        raise ValidationError(f'{where}: `tools` must be a table of `tool = "replacement"`.')
    tools = {}
    for tool, replacement in table.items():
        if not isinstance(replacement, str):
            raise ValidationError(
                f'{where}: the replacement for {tool!r} must be text, e.g. {tool} = "new-tool".'
            )
        if tool.strip():
            tools[tool.strip()] = replacement.strip()
    return tools


def _days(days: int) -> str:
    return "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"


def trust_line(
    facts: TrustFacts,
    deprecated: dict[str, str],
    now: datetime,
    stale_after_days: int = STALE_AFTER_DAYS,
) -> TrustLine:
    runbook = facts.runbook
    today = now.astimezone(UTC).date()
    flags: list[TrustFlag] = []
    shown: list[str] = []
    reviewed = runbook.last_reviewed
    if reviewed is None:
        flags.append(TrustFlag("no-review-date", "no review date (add `last_reviewed:`)"))
    elif reviewed > today:
        flags.append(TrustFlag("future-review-date", f"last_reviewed {reviewed} is in the future"))
    else:
        age = (today - reviewed).days
        if age > stale_after_days:
            flags.append(
                TrustFlag(
                    "stale",
                    f"stale: last reviewed {_days(age)} (more than {stale_after_days} days)",
                )
            )
        else:
            shown.append(f"reviewed {_days(age)}")
    if facts.git is not None:
        shown.append(f"last changed {facts.git.when.date()} by {facts.git.author} (git)")
    behind = _behind_incident(facts)
    if behind is not None:
        flags.append(behind)
    elif facts.last_incident is not None:
        shown.append(f"updated since the last {runbook.service} incident")
    elif runbook.service:
        shown.append(f"no {runbook.service} incident in this log")
    for number, tool, replacement in deprecated_mentions(runbook, deprecated):
        instead = f" (use {replacement})" if replacement else ""
        flags.append(TrustFlag("deprecated", f"step {number} runs deprecated {tool}{instead}"))
    for number, note in facts.flagged:
        flags.append(TrustFlag("flagged", f"step {number} flagged wrong, not fixed: {note}"))
    if facts.uses is None:
        shown.append("no use recorded")
    elif facts.uses == 0:
        shown.append("never used in an incident or drill")
    else:
        shown.append(f"used in {facts.uses} incident{'s' if facts.uses != 1 else ''}")
    return TrustLine(tuple(flags), tuple(shown))


def _behind_incident(facts: TrustFacts) -> TrustFlag | None:
    """A flag when nothing shows the runbook was looked at after its service's last
    incident: a review dated that day or later, or a change (git's, else the file's)."""
    incident = facts.last_incident
    if incident is None:
        return None
    touched: list[date] = []
    if facts.runbook.last_reviewed is not None:
        touched.append(facts.runbook.last_reviewed)
    changed = facts.git.when if facts.git is not None else facts.file_changed
    if changed is not None and changed >= incident.at:
        return None
    opened = incident.at.astimezone(UTC).date()
    if any(day >= opened for day in touched):
        return None
    return TrustFlag(
        "behind-incident",
        f"not updated since the last {facts.runbook.service} incident "
        f'("{incident.title}", {opened})',
    )
