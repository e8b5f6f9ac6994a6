"""A runbook followed in the incident: each step done (with the output seen), flagged
wrong, or an escalation chosen is one `runbook` event, naming the runbook's exact
version (its content hash, and its git commit when known), so the postmortem knows what
was run and the trust report knows what was used and what was contradicted.

Plain rules: the bodies, their check, the timeline line, and which flags still stand
against a runbook as it reads now."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, cast

from commander_app.core.bodies import RunbookBody
from commander_app.core.errors import ValidationError
from commander_app.core.runbook import Decision, Runbook, RunbookStep

StepOp = Literal["done", "wrong", "escalated"]
OPS: tuple[StepOp, ...] = ("done", "wrong", "escalated")

MAX_OUTPUT = 8_000  # characters of output kept in the event: a screenful or two
OUTPUT_HEAD = 6_000  # of a longer output, its start and its end are kept
MAX_NOTE = 2_000
MAX_RUNBOOK_NAME = 300
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COMMIT = re.compile(r"[0-9a-f]{7,64}")
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class RunbookVersion:
    """Which runbook, exactly as it read when the step was followed."""

    name: str  # its name in the library (the path below the folder, without .md)
    title: str
    sha256: str  # of the file's bytes
    commit: str | None = None  # the file's last git commit, when the folder is a clone
    modified: bool = False  # the file differs from that commit (edited, not committed)


def step_fingerprint(step: RunbookStep) -> str:
    """What the step says (title, commands, expected output, decisions), hashed: a flag
    on the step stands while a step of the runbook still says exactly this."""
    parts = [step.title, *step.commands, *(e.text for e in step.expect)]
    parts += [d.describe() for d in step.decisions]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def find_step(runbook: Runbook, number: int) -> RunbookStep:
    for step in runbook.steps:
        if step.number == number:
            return step
    count = len(runbook.steps)
    raise ValidationError(
        f'"{runbook.title}" has no step {number}: its steps are 1 to {count}.'
        if count
        else f'"{runbook.title}" has no steps.'
    )


def bounded_output(text: str) -> tuple[str, int]:
    """The output as kept (its start and its end when it is long) and how many
    characters were left out of the middle."""
    text = text.replace("\r\n", "\n").replace("\x00", "").strip("\n")
    if len(text) <= MAX_OUTPUT:
        return text, 0
    tail = MAX_OUTPUT - OUTPUT_HEAD
    dropped = len(text) - MAX_OUTPUT
    marker = f"\n… {dropped:,} characters left out …\n"
    return text[:OUTPUT_HEAD] + marker + text[-tail:], dropped


def _base(version: RunbookVersion, step: RunbookStep, op: StepOp) -> RunbookBody:
    body: RunbookBody = {
        "op": op,
        "runbook": version.name,
        "title": version.title,
        "sha256": version.sha256,
        "step": step.number,
        "step_title": step.title,
        "fingerprint": step_fingerprint(step),
    }
    if version.commit:
        body["commit"] = version.commit
        if version.modified:
            body["modified"] = True
    return body


def step_done_body(version: RunbookVersion, step: RunbookStep, output: str) -> RunbookBody:
    """The step was run: its commands as the runbook gave them, and what was seen."""
    body = _base(version, step, "done")
    if step.commands:
        body["commands"] = list(step.commands)
    kept, dropped = bounded_output(output)
    if kept.strip():
        body["output"] = kept
    if dropped:
        body["output_dropped"] = dropped
    return body


def step_wrong_body(
    version: RunbookVersion, step: RunbookStep, note: str, follow_up: str | None = None
) -> RunbookBody:
    """The step is wrong or outdated; `follow_up` is the id of the action to fix it."""
    text = note.strip()
    if not text:
        raise ValidationError("Say what is wrong with the step (a note), so it can be fixed.")
    if len(text) > MAX_NOTE:
        raise ValidationError(
            f"The note is {len(text):,} characters long; the limit is {MAX_NOTE:,}."
        )
    body = _base(version, step, "wrong")
    body["note"] = text
    if follow_up:
        body["follow_up"] = follow_up
    return body


def escalations(step: RunbookStep) -> list[Decision]:
    return [d for d in step.decisions if d.action == "escalate" and d.target]


def escalation_body(
    version: RunbookVersion, step: RunbookStep, to: str | None = None
) -> RunbookBody:
    """The escalation the step names was chosen: whom to call, and when the runbook
    said to. `to` picks one when the step names several (or names someone else)."""
    named = escalations(step)
    chosen = next((d for d in named if to is None or d.target == to), None)
    if chosen is None and to is None:
        raise ValidationError(
            f"Step {step.number} names no one to escalate to; say whom (--to WHO)."
        )
    whom = (to or (chosen.target if chosen else None) or "").strip()
    if not whom:
        raise ValidationError("Say whom the escalation goes to.")
    body = _base(version, step, "escalated")
    body["escalate_to"] = whom
    if chosen is not None and chosen.when:
        body["when"] = chosen.when
    return body


def check_runbook_body(body: dict[str, object]) -> None:
    """For appends and imported bundles alike: the fields every step event has, and
    each op's own."""
    op = body.get("op")
    if op not in OPS:
        raise ValidationError(f"A runbook event's op must be one of {', '.join(OPS)}.")
    for name, what, limit in (
        ("runbook", "runbook's name", MAX_RUNBOOK_NAME),
        ("title", "runbook's title", MAX_RUNBOOK_NAME),
        ("step_title", "step's title", MAX_RUNBOOK_NAME),
    ):
        value = body.get(name)
        if not isinstance(value, str) or len(value) > limit or "\x00" in value:
            raise ValidationError(f"A runbook event needs the {what} as a short text.")
    if not str(body.get("runbook", "")).strip():
        raise ValidationError("A runbook event needs the runbook's name.")
    if not isinstance(body.get("sha256"), str) or not _SHA256.fullmatch(str(body["sha256"])):
        raise ValidationError("A runbook event's version (sha256) must be 64 hex digits.")
    step = body.get("step")
    if not isinstance(step, int) or isinstance(step, bool) or step < 1:
        raise ValidationError("A runbook event's step is a number from 1.")
    fingerprint = body.get("fingerprint")
    if fingerprint is not None and not _FINGERPRINT.fullmatch(str(fingerprint)):
        raise ValidationError("A runbook event's step fingerprint must be 16 hex digits.")
    commit = body.get("commit")
    if commit is not None and not (isinstance(commit, str) and _COMMIT.fullmatch(commit)):
        raise ValidationError("A runbook event's git commit must be hex digits.")
    commands = body.get("commands")
    if commands is not None and not (
        isinstance(commands, list) and all(isinstance(c, str) for c in commands)
    ):
        raise ValidationError("A runbook event's commands must be a list of texts.")
    for name, limit in (("output", MAX_OUTPUT + 100), ("note", MAX_NOTE), ("when", 1_000)):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise ValidationError(f"A runbook event's {name} must be text of at most {limit:,}.")
    if op == "wrong" and not str(body.get("note") or "").strip():
        raise ValidationError("A step flagged wrong must say what is wrong (note).")
    if op == "escalated" and not str(body.get("escalate_to") or "").strip():
        raise ValidationError("An escalation must say whom it goes to (escalate_to).")


def runbook_event_text(body: Mapping[str, object]) -> str:
    """The timeline's line: 'Runbook database/pool-exhausted step 2 (Find who holds the
    connections) done: <output>'."""
    shown = cast(RunbookBody, body)
    where = f"Runbook {shown['runbook']} step {shown['step']} ({shown['step_title']})"
    op = shown["op"]
    if op == "wrong":
        return f"{where} flagged wrong: {shown.get('note', '')}"
    if op == "escalated":
        when = f" ({shown['when']})" if shown.get("when") else ""
        return f"{where}: escalated to {shown.get('escalate_to', '')}{when}"
    output = str(shown.get("output") or "").strip()
    return f"{where} done" + (f"; output seen:\n{output}" if output else "")


@dataclass(frozen=True)
class StepFlag:
    """A step flagged wrong, as the log holds it."""

    event_id: str
    incident_id: str
    runbook: str
    step: int
    step_title: str
    fingerprint: str | None
    note: str
    at: str  # when it was flagged


def standing_flags(flags: Iterable[StepFlag], runbook: Runbook) -> list[StepFlag]:
    """The flags not yet answered by an edit: a step of the runbook still says exactly
    what the flagged step said. A flag from before fingerprints existed stands while a
    step of its number is there."""
    current = {step_fingerprint(step) for step in runbook.steps}
    numbers = {step.number for step in runbook.steps}
    return [
        flag
        for flag in flags
        if (flag.fingerprint in current if flag.fingerprint else flag.step in numbers)
    ]
