"""Reading a runbook's Markdown: text in, a `ParsedRunbook` out, never an exception.

The shape of a runbook file (README "Runbooks" shows a whole one)::

    ---
    service: payments-db            # required: the service it is for
    answers: [PoolExhausted, "connection pool exhausted"]  # alerts, failure modes
    owner: team-payments
    last_reviewed: 2026-09-14       # a date (YYYY-MM-DD)
    anything_else: kept as it is    # unknown keys are kept, never dropped
    ---
    # Title of the runbook (optional; else the file's name)

    Prose before the first step is an introduction.

    ## What to check                <- each level-2 heading is one step, numbered 1, 2, …

    ```sh                           <- a fenced block is a command to run (any info
    psql -c 'select 1'                 string but `expect`/`output`)
    ```

    Expect: `1 row`                 <- the output to look for: text, or /a regex/;
                                       also a fenced block labelled `expect`, or a
                                       paragraph "Expect:" right before a fenced block

    If you see `too many clients`: escalate to the DBA on call
    If you see `timeout`: continue to step 3
    Otherwise: continue to step 2   <- "escalate to WHO", "continue to step N", "stop"

The front matter is YAML read by the safe loader (no tags that build objects, no
aliases); the Markdown is read by markdown-it (CommonMark) with its front-matter
plugin, so nested fences, lists and CRLF line ends mean what CommonMark says. Only a
decision *sentence*, once markdown-it has found it, is read with a pattern.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from typing import Any, Literal

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from commander_app.core.runbook import (
    Action,
    Decision,
    Expectation,
    ParsedRunbook,
    Problem,
    Runbook,
    RunbookStep,
)

KNOWN_KEYS = ("service", "answers", "owner", "last_reviewed", "title")
EXPECT_LABELS = frozenset({"expect", "output"})
SEEN_LABEL = "seen"  # output seen in an incident, kept for the reviewer: not a command
# A decision sentence: "If you see X: THEN" / "If X: THEN" / "Otherwise: THEN".
_DECISION = re.compile(
    r"^(?:if\s+(?:you\s+see\s+)?(?P<when>.+?)|(?P<otherwise>otherwise))\s*:\s*(?P<then>.+)$",
    re.IGNORECASE,
)
_ESCALATE = re.compile(r"^escalate\s+to\s+(?P<who>.+?)\.?$", re.IGNORECASE)
_CONTINUE = re.compile(r"^(?:continue|go)\s+(?:on\s+)?to\s+step\s+(?P<n>\d{1,6})\.?$", re.I)
_STOP = re.compile(r"^(?:stop|done|the\s+runbook\s+is\s+done)\.?$", re.IGNORECASE)
_EXPECT = re.compile(r"^expect(?:ed)?(?:\s+output)?\s*:\s*", re.IGNORECASE)

_FRONT_MATTER_HELP = (
    "a runbook starts with a line `---`, then `service:`, `answers:`, `owner:` and "
    "`last_reviewed:`, then another line `---`"
)


@cache
def _markdown() -> MarkdownIt:
    """One parser per process: building one costs more than reading a runbook."""
    return MarkdownIt("commonmark").use(front_matter_plugin)


# libyaml's loader when PyYAML was built with it (about ten times faster); both are safe.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_runbook(text: str) -> ParsedRunbook:
    """The runbook in `text` (a whole file) and every problem found in it."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ParsedRunbook(None, (Problem(1, "the file is empty"),))
    try:
        tokens = _markdown().parse(text)
    except RecursionError:  # markdown-it's own limits make this unlikely
        return ParsedRunbook(None, (Problem(1, "the Markdown nests too deeply to read"),))
    if not tokens or tokens[0].type != "front_matter":
        first = text.split("\n", 1)[0].rstrip()
        if first == "---":
            message = "the front matter that starts here is never closed with a line `---`"
        else:
            message = f"there is no front matter: {_FRONT_MATTER_HELP}"
        return ParsedRunbook(None, (Problem(1, message),), text)
    front = tokens[0]
    end_line = front.map[1] if front.map else 1
    body = "\n".join(text.split("\n")[end_line:])
    problems: list[Problem] = []
    meta = _front_matter(front.content, problems)
    if meta is None:
        return ParsedRunbook(None, tuple(problems), body)
    steps, title = _steps(tokens[1:], problems)
    runbook = _runbook(meta, steps, title, problems)
    _check_steps(runbook, problems)
    return ParsedRunbook(runbook, tuple(sorted(problems, key=lambda p: p.line)), body)


# -- front matter -----------------------------------------------------------------------


class _Meta:
    def __init__(self, data: dict[str, Any], lines: dict[str, int]) -> None:
        self.data, self.lines = data, lines

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)


def _front_matter(content: str, problems: list[Problem]) -> _Meta | None:
    """The front matter's mapping, or None (with the problem) when it is unusable."""
    try:
        loader = _SafeLoader(content)
        try:
            node = loader.get_single_node()
            alias = _alias_line(node)
            if alias is not None:  # one value used many times: a way to build a YAML bomb
                problems.append(
                    Problem(alias, "the front matter uses a YAML alias (*name): write the value")
                )
                return None
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 1
        problems.append(Problem(line, _yaml_words(exc)))
        return None
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        problems.append(Problem(1, f"the front matter cannot be read as YAML: {exc}"))
        return None
    if data is None:
        problems.append(Problem(1, f"the front matter is empty: {_FRONT_MATTER_HELP}"))
        return None
    if not isinstance(data, dict):
        problems.append(
            Problem(2, "the front matter must be `key: value` lines, not a list or a bare value")
        )
        return None
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines.setdefault(str(key_node.value), key_node.start_mark.line + 2)
    return _Meta({str(k): v for k, v in data.items()}, lines)


def _alias_line(root: yaml.Node | None) -> int | None:
    """The file line of the first node met twice (an alias), if any."""
    seen: set[int] = set()
    pending = [(root, 0)] if root is not None else []
    while pending:
        node, line = pending.pop()  # line: of the key or item that holds the node
        if id(node) in seen:
            return line + 2
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending += [(item, line) for item in reversed(node.value)]
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                at = int(key.start_mark.line)
                pending += [(value, at), (key, at)]
    return None


def _yaml_words(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "it is not valid YAML"
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in problem:
        return (
            "the front matter asks YAML to build an object (a `!!` tag), which Commander "
            "refuses: write plain text, lists and dates"
        )
    return f"the front matter is not valid YAML: {problem}"


def _runbook(meta: _Meta, steps: list[RunbookStep], title: str, problems: list[Problem]) -> Runbook:
    data = meta.data
    service = data.get("service")
    if service is None or (isinstance(service, str) and not service.strip()):
        problems.append(Problem(1, "the front matter names no service: add `service: NAME`"))
        service = ""
    elif not isinstance(service, str | int | float):
        problems.append(Problem(meta.line("service"), "`service` must be a name"))
        service = ""
    answers = data.get("answers", [])
    if isinstance(answers, str | int | float):
        answers = [answers]
    if not isinstance(answers, list) or not all(isinstance(a, str | int | float) for a in answers):
        problems.append(
            Problem(
                meta.line("answers"), "`answers` must be a list of alert names or failure modes"
            )
        )
        answers = []
    owner = data.get("owner")
    if owner is not None and not isinstance(owner, str | int | float):
        problems.append(Problem(meta.line("owner"), "`owner` must be a name"))
        owner = None
    reviewed = _date(data.get("last_reviewed"))
    if reviewed is False:
        problems.append(
            Problem(meta.line("last_reviewed"), "`last_reviewed` must be a date: YYYY-MM-DD")
        )
    front_title = data.get("title")
    return Runbook(
        title=title or (str(front_title).strip() if front_title else ""),
        service=str(service).strip(),
        answers=tuple(str(a).strip() for a in answers if str(a).strip()),
        owner=str(owner).strip() if owner is not None else None,
        last_reviewed=reviewed or None,
        steps=tuple(steps),
        extra={k: _plain_value(v) for k, v in data.items() if k not in KNOWN_KEYS},
    )


def _date(value: object) -> date | Literal[False] | None:
    """A date, None when absent, False when it is not one."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return False
    return False


def _plain_value(value: object) -> Any:
    """A front-matter value as JSON keeps it: dates as ISO text."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# -- steps ------------------------------------------------------------------------------


class _StepDraft:
    def __init__(self, number: int, title: str, line: int) -> None:
        self.number, self.title, self.line = number, title, line
        self.commands: list[str] = []
        self.expect: list[Expectation] = []
        self.decisions: list[Decision] = []
        self.notes: list[str] = []
        self.expect_next_fence = False

    def done(self) -> RunbookStep:
        return RunbookStep(
            self.number,
            self.title,
            self.line,
            tuple(self.commands),
            tuple(self.expect),
            tuple(self.decisions),
            "\n\n".join(self.notes),
        )


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1


def _plain(token: Token) -> str:
    """An inline token's text as a reader sees it: code spans without their backticks."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def _steps(tokens: list[Token], problems: list[Problem]) -> tuple[list[RunbookStep], str]:
    steps: list[RunbookStep] = []
    title = ""
    step: _StepDraft | None = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = _plain(tokens[index + 1]).strip() if index + 1 < len(tokens) else ""
            if token.tag == "h1" and not title and step is None:
                title = heading
            elif token.tag == "h2":
                if step is not None:
                    steps.append(step.done())
                step = _StepDraft(len(steps) + 1, heading, _line(token))
            elif step is not None and heading:
                step.notes.append(heading)
        elif step is None:
            continue
        elif token.type in ("fence", "code_block"):
            _fence(step, token, problems)
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open":
            _paragraph(step, token, problems)
    if step is not None:
        steps.append(step.done())
    return steps, title


def _fence(step: _StepDraft, token: Token, problems: list[Problem]) -> None:
    label = token.info.strip().split(" ", 1)[0].lower() if token.info else ""
    content = token.content.rstrip("\n")
    if label == SEEN_LABEL and not step.expect_next_fence:
        pass
    elif label in EXPECT_LABELS or step.expect_next_fence:
        step.expect.append(_expectation(content, _line(token) + 1, problems))
    elif content.strip():
        step.commands.append(content)
    step.expect_next_fence = False


def _paragraph(step: _StepDraft, token: Token, problems: list[Problem]) -> None:
    step.expect_next_fence = False
    text = _plain(token)
    first = _line(token)
    expect = _EXPECT.match(text)
    if expect:
        rest = _pattern_source(token.content) or text[expect.end() :].strip()
        if rest:
            step.expect.append(_expectation(rest, first, problems))
        else:
            step.expect_next_fence = True
        return
    prose: list[str] = []
    for offset, line in enumerate(text.split("\n")):
        decision = _decision(line.strip(), first + offset, problems)
        if decision is not None:
            step.decisions.append(decision)
        elif line.strip():
            prose.append(line.strip())
    if prose:
        step.notes.append(" ".join(prose))


def _pattern_source(source: str) -> str | None:
    """A `/regex/` after "Expect:" exactly as typed: Markdown reads a backslash and `|` in a
    paragraph as a bare `|`, and a pattern must keep its backslashes."""
    found = _EXPECT.match(source)
    rest = source[found.end() :].strip() if found else ""
    if len(rest) > 2 and rest[0] == rest[-1] == "`":
        rest = rest.strip("`").strip()
    return rest if len(rest) > 2 and rest[0] == rest[-1] == "/" else None


def _expectation(text: str, line: int, problems: list[Problem]) -> Expectation:
    stripped = text.strip()
    if len(stripped) > 2 and stripped.startswith("/") and stripped.endswith("/"):
        pattern = stripped[1:-1]
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError) as exc:
            problems.append(Problem(line, f"the expected pattern /{pattern}/ is not valid: {exc}"))
        return Expectation(pattern, True, line)
    return Expectation(text, False, line)


def _decision(line: str, number: int, problems: list[Problem]) -> Decision | None:
    match = _DECISION.match(line)
    if match is None:
        return None
    when = None if match["otherwise"] else match["when"].strip()
    then = match["then"].strip()
    action: Action
    if (found := _ESCALATE.match(then)) is not None:
        action, target = "escalate", found["who"].strip()
    elif (found := _CONTINUE.match(then)) is not None:
        action, target = "continue", str(int(found["n"]))
    elif _STOP.match(then):
        action, target = "stop", None
    else:
        # "Otherwise:" is always meant as a decision; "If X: escalate…" is one misspelt.
        if when is None or re.match(r"^(escalate|continue|go)\b", then, re.IGNORECASE):
            problems.append(Problem(number, _DECISION_HELP))
        return None
    return Decision(when, action, target, number)


_DECISION_HELP = "a decision must end in `escalate to WHO`, `continue to step N` or `stop`"


def _check_steps(runbook: Runbook, problems: list[Problem]) -> None:
    if not runbook.steps:
        problems.append(Problem(1, "there are no steps: each step is a `## ` heading"))
    count = len(runbook.steps)
    for step in runbook.steps:
        if not step.commands and not step.decisions:
            problems.append(
                Problem(
                    step.line,
                    f"step {step.number} ({step.title or 'untitled'}) has no command and no "
                    "decision: add the command to run, or when to escalate",
                )
            )
        for decision in step.decisions:
            target = decision.step
            if target is not None and not 1 <= target <= count:
                problems.append(
                    Problem(
                        decision.line,
                        f"step {step.number} says continue to step {target}, but the runbook "
                        f"has {count} step{'s' if count != 1 else ''}",
                    )
                )
