"""A runbook as Commander holds it: front matter, numbered steps, and the problems found
in its file. Plain data, kept as JSON in the runbook index; parsing is in
`core.runbook_parse`, the trust rules in `core.runbook_trust`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

Action = Literal["escalate", "continue", "stop"]


@dataclass(frozen=True)
class Problem:
    """Something wrong with a runbook's file, at a line (1-based) of that file."""

    line: int
    message: str


@dataclass(frozen=True)
class Decision:
    """ "If you see X: escalate to Y", "Otherwise: continue to step N": `when` is X, None
    for "Otherwise"; `target` is whom to escalate to, or the step number as text."""

    when: str | None
    action: Action
    target: str | None
    line: int

    @property
    def step(self) -> int | None:
        return int(self.target) if self.action == "continue" and self.target else None

    def describe(self) -> str:
        then = {
            "escalate": f"escalate to {self.target}",
            "continue": f"continue to step {self.target}",
            "stop": "stop: the runbook is done",
        }[self.action]
        return f"If you see {self.when}: {then}" if self.when else f"Otherwise: {then}"


@dataclass(frozen=True)
class Expectation:
    """The output to look for: plain text, or a regular expression written `/…/`."""

    text: str
    is_pattern: bool
    line: int


@dataclass(frozen=True)
class RunbookStep:
    number: int  # 1-based, in the order of the file's `## ` headings
    title: str  # what to check
    line: int
    commands: tuple[str, ...] = ()
    expect: tuple[Expectation, ...] = ()
    decisions: tuple[Decision, ...] = ()
    notes: str = ""  # any other prose under the heading


@dataclass(frozen=True)
class Runbook:
    title: str
    service: str
    answers: tuple[str, ...]  # failure modes and alert names it answers
    owner: str | None
    last_reviewed: date | None
    steps: tuple[RunbookStep, ...]
    extra: dict[str, Any] = field(default_factory=dict)  # unknown front matter, kept

    def commands(self) -> list[tuple[int, str]]:
        """Every command with its step's number."""
        return [(s.number, c) for s in self.steps for c in s.commands]


@dataclass(frozen=True)
class ParsedRunbook:
    """What one file gave: the runbook (None when its front matter is unusable), the
    problems found, and the text searched (the file below its front matter)."""

    runbook: Runbook | None
    problems: tuple[Problem, ...]
    body: str = ""

    @property
    def ok(self) -> bool:
        return self.runbook is not None and not self.problems


def runbook_to_json(runbook: Runbook) -> str:
    """By hand, not `asdict`: its deep copies were a third of indexing 2,000 runbooks."""
    data = {
        "title": runbook.title,
        "service": runbook.service,
        "answers": list(runbook.answers),
        "owner": runbook.owner,
        "last_reviewed": runbook.last_reviewed.isoformat() if runbook.last_reviewed else None,
        "steps": [
            {
                "number": s.number,
                "title": s.title,
                "line": s.line,
                "commands": list(s.commands),
                "expect": [vars(e) for e in s.expect],
                "decisions": [vars(d) for d in s.decisions],
                "notes": s.notes,
            }
            for s in runbook.steps
        ],
        "extra": runbook.extra,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def runbook_from_json(text: str) -> Runbook:
    data = json.loads(text)
    reviewed = data.get("last_reviewed")
    return Runbook(
        title=data["title"],
        service=data["service"],
        answers=tuple(data["answers"]),
        owner=data.get("owner"),
        last_reviewed=date.fromisoformat(reviewed) if reviewed else None,
        steps=tuple(
            RunbookStep(
                number=s["number"],
                title=s["title"],
                line=s["line"],
                commands=tuple(s["commands"]),
                expect=tuple(Expectation(**e) for e in s["expect"]),
                decisions=tuple(Decision(**d) for d in s["decisions"]),
                notes=s.get("notes", ""),
            )
            for s in data["steps"]
        ),
        extra=data.get("extra", {}),
    )


def problems_to_json(problems: tuple[Problem, ...] | list[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems], ensure_ascii=False)


def problems_from_json(text: str) -> tuple[Problem, ...]:
    return tuple(Problem(**p) for p in json.loads(text))
