"""After the incident: a runbook's proposed update from what its log says was run.

The edit is made by line ranges of the file as it is, never by writing the file again
from its parsed form: everything the draft does not touch (front matter, unknown keys,
comments, line ends, a BOM) stays byte for byte. Each step of the incident gets, at its
end, what a reviewer needs to fix it:

    > **Flagged in incident “Checkout 500s” (2026-12-02):** the view is pg_stat_activity

    Seen in incident “Checkout 500s” (2026-12-02), not matching the expected pattern:

    ```seen
     pool | cl_waiting
    ```

A `seen` fence is neither a command nor an expectation, so the draft never changes what
a step says: a flag stands until a person edits the step itself. `last_reviewed` is
left for the reviewer to set. When no runbook covered the failure, `new_runbook` drafts
one in the same shape from the incident's findings and actions."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from commander_app.core.errors import ValidationError
from commander_app.core.runbook import Expectation, Runbook, RunbookStep
from commander_app.core.runbook_steps import step_fingerprint

SEEN_LINES = 30  # of a long output, the draft shows its first lines
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_CODE = re.compile(r"`([^`\n]+)`")
_DOLLAR = re.compile(r"^\s*\$\s+(.+)$", re.MULTILINE)
StepOp = Literal["done", "wrong", "escalated"]


@dataclass(frozen=True)
class StepEvent:
    """One runbook event of the incident, as the draft reads it."""

    op: StepOp
    step: int
    at: str  # UTC ISO-8601
    fingerprint: str | None = None  # what the step said when it was followed
    output: str = ""
    note: str = ""
    escalate_to: str = ""


@dataclass(frozen=True)
class LoggedEntry:
    """A finding, an action or a decision of the incident's log, for a new runbook."""

    kind: str
    text: str
    at: str


@dataclass(frozen=True)
class IncidentSummary:
    id: str
    title: str
    day: str  # YYYY-MM-DD, when it was opened
    services: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()
    entries: tuple[LoggedEntry, ...] = ()

    @property
    def named(self) -> str:
        return f"incident “{self.title}” ({self.day})"


@dataclass(frozen=True)
class RunbookDraft:
    name: str
    before: str  # the file's text as read
    after: str  # the proposed text
    base_sha256: str  # of the file's bytes the draft was made from ("" for a new file)
    summary: tuple[str, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """A unified diff for review, with the digest it applies to in its header."""
        base = f"a/{self.name}.md" if self.base_sha256 else "/dev/null"
        header = f"{base}\tsha256 {self.base_sha256}" if self.base_sha256 else base
        lines = difflib.unified_diff(
            _lines(self.before), _lines(self.after), header, f"b/{self.name}.md"
        )
        return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _newline(text: str) -> str:
    found = re.search(r"\r\n|\r|\n", text)
    return found.group() if found else "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fence(text: str, label: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return [f"{ticks}{label}", *text.split("\n"), ticks]


def _shown_output(output: str) -> str:
    lines = output.replace("\r\n", "\n").strip("\n").split("\n")
    if len(lines) <= SEEN_LINES:
        return "\n".join(lines)
    more = len(lines) - SEEN_LINES
    return "\n".join([*lines[:SEEN_LINES], f"… {more} more line{'s' if more != 1 else ''}"])


def matches(expect: Sequence[Expectation], output: str) -> bool:
    """Whether the output seen is what the step expects: a pattern found in it, or the
    expected text in it (spacing aside). No expectation: nothing to match."""
    if not expect:
        return False
    flat = _one_line(output)
    for expectation in expect:
        if expectation.is_pattern:
            try:
                if re.search(expectation.text, output, re.MULTILINE) is None:
                    return False
            except re.error:
                return False
        elif _one_line(expectation.text) not in flat:
            return False
    return True


def _step_of(runbook: Runbook, event: StepEvent) -> RunbookStep | None:
    """The step as the runbook reads now: by what it said, else by its number."""
    if event.fingerprint:
        for step in runbook.steps:
            if step_fingerprint(step) == event.fingerprint:
                return step
    return next((s for s in runbook.steps if s.number == event.step), None)


def _block(step: RunbookStep, events: list[StepEvent], named: str) -> tuple[list[str], list[str]]:
    """The lines added under one step, and the summary's words for them."""
    lines: list[str] = []
    said: list[str] = []
    latest: dict[StepOp, StepEvent] = {e.op: e for e in events}  # the newest of each op
    flag = latest.get("wrong")
    if flag is not None:
        lines += [f"> **Flagged in {named}:** {_one_line(flag.note)}", ""]
        said.append(f"step {step.number} flagged wrong: {_one_line(flag.note)}")
    escalation = latest.get("escalated")
    if escalation is not None:
        lines += [f"> **Escalated in {named}** to {_one_line(escalation.escalate_to)}.", ""]
        said.append(f"step {step.number} escalated to {escalation.escalate_to}")
    done = latest.get("done")
    if done is not None and done.output.strip():
        if not matches(step.expect, done.output):
            if not step.expect:
                why, told = "the step expects nothing yet", "the step expected nothing"
            elif any(e.is_pattern for e in step.expect):
                why = told = "not matching the expected pattern"
            else:
                why, told = "to compare with what the step expects", "not the expected text"
            lines += [f"Seen in {named}, {why}:", "", *_fence(_shown_output(done.output), "seen")]
            lines.append("")
            said.append(f"step {step.number} done; the output seen added ({told})")
        else:
            said.append(f"step {step.number} done; output as expected")
    elif done is not None:
        said.append(f"step {step.number} done")
    return lines, said


def _step_ends(lines: list[str], runbook: Runbook) -> dict[int, int]:
    """Each step's last line that is not blank (0-based index), by step number."""
    starts = [s.line - 1 for s in runbook.steps] + [len(lines)]
    ends: dict[int, int] = {}
    for step, start, stop in zip(runbook.steps, starts, starts[1:], strict=False):
        last = stop - 1
        while last > start and not lines[last].strip():
            last -= 1
        ends[step.number] = last
    return ends


def draft_update(
    name: str,
    text: str,
    base_sha256: str,
    runbook: Runbook,
    incident: IncidentSummary,
    events: Sequence[StepEvent],
) -> RunbookDraft:
    """`text` is the file as read now and `runbook` what it parses to; `events` the
    incident's runbook events of it, oldest first."""
    by_step: dict[int, list[StepEvent]] = {}
    unmatched: list[int] = []
    for event in events:
        step = _step_of(runbook, event)
        if step is None:
            unmatched.append(event.step)
            continue
        by_step.setdefault(step.number, []).append(event)
    lines = _lines(text)
    newline = _newline(text)
    ends = _step_ends(lines, runbook)
    summary: list[str] = []
    inserts: list[tuple[int, list[str]]] = []
    for number in sorted(by_step):
        step = next(s for s in runbook.steps if s.number == number)
        added, said = _block(step, by_step[number], incident.named)
        summary += said
        if added:
            inserts.append((ends[number], added))
    for number in sorted(set(unmatched)):
        summary.append(f"step {number} of the version followed is no longer in the runbook")
    for at, added in sorted(inserts, reverse=True):
        follows = lines[at + 1] if at + 1 < len(lines) else None
        if not lines[at].endswith(("\n", "\r")):
            lines[at] += newline
        block = ["", *added] if added[-1] == "" else ["", *added, ""]
        if follows is not None and not follows.strip():
            block = block[:-1]  # the blank line that follows already separates
        elif follows is None:
            block = block[:-1]
        lines[at + 1 : at + 1] = [line + newline for line in block]
    after = "".join(lines)
    _check_steps_kept(runbook, after)
    if not summary:
        summary.append("no step of it was followed in the incident")
    return RunbookDraft(name, text, after, base_sha256, tuple(summary))


def _check_steps_kept(runbook: Runbook, after: str) -> None:
    """The draft adds notes only: if the file parses to other steps afterwards (a fence
    left open at the end swallows what is added), it is not offered."""
    from commander_app.core.runbook_parse import parse_runbook

    parsed = parse_runbook(after).runbook
    kept = parsed is not None and [step_fingerprint(s) for s in parsed.steps] == [
        step_fingerprint(s) for s in runbook.steps
    ]
    if not kept:
        raise ValidationError(
            "The runbook's steps would read differently with the notes added (is a fenced "
            "block at its end never closed?): fix the file, then draft again."
        )


def update_summary(failure_mode: str, said: Sequence[str]) -> str:
    """The follow-up's text: what to do, and what the draft holds."""
    return f"Update the runbook for {failure_mode} (30 minutes): " + "; ".join(said)


# -- a new runbook ----------------------------------------------------------------------


def _commands(text: str) -> list[str]:
    found = [m.strip() for m in _DOLLAR.findall(text)]
    found += [c.strip() for c in _CODE.findall(text) if " " in c.strip()]
    return list(dict.fromkeys(c for c in found if c))


def _words(text: str) -> str:
    """The entry without its commands: what to check."""
    plain = _DOLLAR.sub("", _CODE.sub(lambda m: m.group(1) if " " not in m.group(1) else "", text))
    return _one_line(plain).strip(" :;,-") or _one_line(text)


def _heading(text: str) -> str:
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return first if len(first) <= 80 else first[:79].rstrip() + "…"


def _yaml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_runbook(incident: IncidentSummary, newline: str = "\n") -> RunbookDraft:
    """A runbook drafted from the incident's findings, actions and decisions, in the
    library's shape; `owner` and `last_reviewed` are left for the reviewer."""
    entries = [e for e in incident.entries if e.text.strip()]
    if not entries:
        raise ValidationError(
            f"The {incident.named} logged no finding, action or decision to draft a runbook from."
        )
    service = incident.services[0] if incident.services else ""
    answers = [*incident.alerts, incident.title]
    lines = [
        "---",
        f"service: {_yaml_text(service)}" + ("" if service else "  # which service? required"),
        "answers: [" + ", ".join(_yaml_text(a) for a in dict.fromkeys(answers)) + "]",
        "owner:",
        "last_reviewed:",
        "---",
        f"# {_one_line(incident.title)}",
        "",
        f"Drafted from {incident.named}, {incident.id}: review every step before "
        "anyone relies on it.",
    ]
    count = len(entries)
    for number, entry in enumerate(entries, start=1):
        words = _words(entry.text)
        lines += ["", f"## {_heading(words)}", ""]
        if words != _heading(words):
            lines += [words, ""]
        commands = _commands(entry.text)
        for command in commands:
            lines += [*_fence(command, "sh"), ""]
        if not commands:
            lines += ["<!-- the command that shows it was not logged: add it -->", ""]
        later = f"continue to step {number + 1}" if number < count else "stop"
        if entry.kind == "finding":
            lines += [f"Expect: {words}", ""]
            owner = f"the owner of {service}" if service else "the service's owner"
            lines += [f"If you see it: {later}", f"Otherwise: escalate to {owner}"]
        else:
            lines.append(f"Otherwise: {later}")
    after = newline.join(lines) + newline
    said = [f"a new runbook of {count} step{'s' if count != 1 else ''} from the {incident.named}"]
    return RunbookDraft(_slug(incident.title), "", after, "", tuple(said))


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "new-runbook"
