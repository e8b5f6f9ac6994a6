"""Filling a stakeholder-update template: Jinja2 text, sandboxed, with strict placeholders.

A template is plain text with `{{ placeholders }}` and `{% if %}` / `{% for %}`
blocks (Jinja2 syntax; the placeholders are `update_context.CONTEXT_HELP`).
Its first line may be `Subject: ...`: that line becomes the update's subject
(an email subject, a status-page incident name) and the rest its body.

A template from a colleague cannot run code or read files, and a placeholder
that does not exist is an error naming it and its line, never a silent blank.
A line holding only block tags (`{% if impact %}`, `{% endfor %}`) leaves no
trace in the message; a line of text that ends with one keeps its line break.
The rendered body is tidied for sending: trailing spaces dropped, runs of
blank lines (left by sections a sparse incident skips) cut to one. Besides
Jinja2's filters there is `sentence`: `{{ impact | sentence }}` ends the text
with a full stop unless it already ends with . ! or ?.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from jinja2 import TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.exceptions import TemplateError as JinjaTemplateError

from commander_app.core.errors import ValidationError
from commander_app.core.template_sandbox import MAX_OUTPUT, Refused, UpdateSandbox

SUBJECT_PREFIX = "Subject:"
_TEMPLATE_FILE = "<template>"  # the file name Jinja gives code compiled from a string

_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
_NO_ATTRIBUTE = re.compile(r"^'(.+?)' has no attribute '([^']+)'$")
_UNSAFE_ATTRIBUTE = re.compile(r"^access to attribute '([^']+)' of '([^']+)' object is unsafe")

_TAGS_ONLY = re.compile(r"^[ \t]*(\{%.*?%\}[ \t]*)+$")
_LAST_TAG_END = re.compile(r"(?<![-+])%\}([ \t]*)$")

_NOT_ALLOWED: dict[type[nodes.Node], str] = {
    nodes.Include: "include another template",
    nodes.Import: "import another template",
    nodes.FromImport: "import from another template",
    nodes.Extends: "extend another template",
}


@dataclass(frozen=True)
class RenderedUpdate:
    subject: str | None  # from a first line `Subject: ...`, if the template has one
    body: str  # ends with one newline

    def as_text(self) -> str:
        """As a person reads and edits it: `Subject: ...`, a blank line, the body."""
        return f"{SUBJECT_PREFIX} {self.subject}\n\n{self.body}" if self.subject else self.body

    @classmethod
    def from_text(cls, text: str) -> RenderedUpdate:
        """The edited text (a draft, a file from `commander draft`) back into its parts."""
        lines = text.splitlines()
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None or not lines[first].lower().startswith(SUBJECT_PREFIX.lower()):
            return cls(None, text)
        subject = lines[first][len(SUBJECT_PREFIX) :].strip() or None
        return cls(subject, "\n".join(lines[first + 1 :]).strip() + "\n")


class TemplateError(ValidationError):
    """A template that cannot be filled: a mistake, an unknown placeholder, a refusal."""

    def __init__(self, message: str, *, template: str, line: int | None = None) -> None:
        super().__init__(" ".join(message.split()))  # one line, whatever Jinja said
        self.template = template
        self.line = line


def check(source: str, *, name: str) -> None:
    """Refuse a template that does not parse or reaches for other templates."""
    _parse(UpdateSandbox(), source, name)


def render(source: str, context: Mapping[str, Any], *, name: str) -> RenderedUpdate:
    """Fill the template `source` (called `name` in messages) with `context`."""
    sandbox = UpdateSandbox()
    tree = sandbox.guard(_parse(sandbox, source, name))
    try:
        template = sandbox.from_string(tree)
    except TemplateSyntaxError as exc:  # an unknown filter or test is found when compiling
        raise _mistake(name, exc) from None
    try:
        text = template.render(dict(context))
    except Refused as exc:
        line = _template_line(exc.__traceback__)
        raise _refusal(name, exc.doing, line) from None
    except RecursionError as exc:
        line = _template_line(exc.__traceback__)
        raise _refusal(name, "run calls too deep inside each other", line) from None
    except SecurityError as exc:
        line = _template_line(exc.__traceback__)
        raise _refusal(name, _security_doing(str(exc)), line) from None
    except UndefinedError as exc:
        raise _undefined(name, source, context, str(exc), exc.__traceback__) from None
    except (JinjaTemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        line = _template_line(exc.__traceback__)
        reason = str(exc).rstrip(".")
        raise TemplateError(
            f"The template '{name}' fails{_on(line)}: {reason}.", template=name, line=line
        ) from None
    return _split_subject(text, name)


def _parse(sandbox: UpdateSandbox, source: str, name: str) -> nodes.Template:
    try:
        tree = sandbox.parse(_keep_line_breaks(source), name=name)
    except TemplateSyntaxError as exc:
        raise _mistake(name, exc) from None
    for kind, doing in _NOT_ALLOWED.items():
        for node in tree.find_all(kind):
            raise _refusal(name, doing, node.lineno)
    return tree


def _keep_line_breaks(source: str) -> str:
    """`+%}` on a block tag that ends a line of text, so that line keeps its break
    (trim_blocks would join it to the next); the line numbers do not change."""
    lines = source.split("\n")
    for number, line in enumerate(lines):
        if not _TAGS_ONLY.match(line):
            lines[number] = _LAST_TAG_END.sub(r"+%}\1", line)
    return "\n".join(lines)


def _mistake(name: str, exc: TemplateSyntaxError) -> TemplateError:
    message = (exc.message or "it cannot be read").rstrip(".")
    return TemplateError(
        f"The template '{name}' has a mistake{_on(exc.lineno)}: {message}.",
        template=name,
        line=exc.lineno,
    )


def _refusal(name: str, doing: str, line: int | None) -> TemplateError:
    return TemplateError(
        f"The template '{name}'{_on(line)} tries to {doing}, which templates may not do.",
        template=name,
        line=line,
    )


def _security_doing(message: str) -> str:
    unsafe = _UNSAFE_ATTRIBUTE.match(message)
    if unsafe:
        attribute, owner = unsafe.groups()
        if attribute.startswith("_"):
            return f"reach the hidden '{attribute}' of a {owner} value"
        return f"change a {owner} value with '{attribute}'"
    return f"do something unsafe ({message.rstrip('.')})"


def _undefined(
    name: str,
    source: str,
    context: Mapping[str, Any],
    message: str,
    traceback: TracebackType | None,
) -> TemplateError:
    missing = _UNDEFINED_NAME.match(message)
    if missing:
        placeholder = missing.group(1)
        line = _template_line(traceback) or _line_mentioning(source, placeholder)
        close = difflib.get_close_matches(placeholder, [str(k) for k in context], n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return TemplateError(
            f"The template '{name}' uses the placeholder '{placeholder}'{_on(line)}, "
            f"but there is no such placeholder.{hint}",
            template=name,
            line=line,
        )
    no_field = _NO_ATTRIBUTE.match(message)
    line = _template_line(traceback)
    if no_field:
        owner, field_name = no_field.groups()
        line = line or _line_mentioning(source, field_name)
        return TemplateError(
            f"The template '{name}' asks for '{field_name}'{_on(line)}, "
            f"but a {owner.removesuffix(' object')} value has no such field.",
            template=name,
            line=line,
        )
    reason = message.rstrip(".")
    return TemplateError(f"The template '{name}'{_on(line)}: {reason}.", template=name, line=line)


def _template_line(traceback: TracebackType | None) -> int | None:
    """The template line the innermost template frame of a render error was running."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == _TEMPLATE_FILE:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _line_mentioning(source: str, word: str) -> int | None:
    pattern = re.compile(rf"(?<![\w.]){re.escape(word)}(?!\w)")
    for number, line in enumerate(source.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def _on(line: int | None) -> str:
    return f" on line {line}" if line else ""


def _split_subject(text: str, name: str) -> RenderedUpdate:
    lines = [line.rstrip() for line in text.splitlines()]
    subject = None
    first = next((i for i, line in enumerate(lines) if line), None)
    if first is not None and lines[first].lower().startswith(SUBJECT_PREFIX.lower()):
        subject = lines[first][len(SUBJECT_PREFIX) :].strip() or None
        lines = lines[first + 1 :]
    body = _tidy(lines)
    if not body.strip():
        raise TemplateError(
            f"The template '{name}' gives an empty message for this incident.", template=name
        )
    if len(body) > MAX_OUTPUT:
        raise _refusal(name, f"write more than {MAX_OUTPUT:,} characters", None)
    return RenderedUpdate(subject, body)


def _tidy(lines: list[str]) -> str:
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept) + "\n"
