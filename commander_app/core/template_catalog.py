"""Which update templates exist and which one an update uses.

Commander ships one template per audience and phase, plus the first message,
the executive summary and the handoff briefing. A user's template with the
same name overrides a shipped one without replacing it: removing the override
brings the shipped text back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import Audience, Status

ANY_AUDIENCE = "all"  # a template written to suit every audience (no internal names)
FIRST_PHASE = "first"  # the first message, sent within minutes of the incident call
PHASES = (*(s.value for s in Status), FIRST_PHASE)

FIRST_UPDATE = "first-update"
# Shipped templates that are not named "<audience>-<phase>".
SHIPPED_KINDS: dict[str, tuple[str, str | None]] = {
    FIRST_UPDATE: (ANY_AUDIENCE, FIRST_PHASE),
    "executive-summary": (Audience.EXECUTIVES.value, None),
    "handoff-briefing": (Audience.INTERNAL.value, None),
}

Origin = Literal["shipped", "custom", "override"]
MAX_NAME = 60
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    audience: str  # internal, executives, customers, or "all"
    phase: str | None  # a status, "first", or None for any time
    body: str
    origin: Origin  # shipped; custom (the user's own); override (the user's, over a shipped one)
    updated_at: str | None = None  # UTC ISO-8601; None for shipped text


def clean_template_name(name: object) -> str:
    text = str(name).strip().lower() if name is not None else ""
    if not text:
        raise ValidationError("The template needs a name.")
    if len(text) > MAX_NAME or not _NAME.match(text):
        raise ValidationError(
            f"'{name}' cannot be a template name: use lowercase letters, digits and "
            f"hyphens, at most {MAX_NAME} characters (for example customers-outage)."
        )
    return text


def clean_audience(audience: object) -> str:
    if str(audience).strip().lower() == ANY_AUDIENCE:
        return ANY_AUDIENCE
    return Audience.parse(audience).value


def clean_phase(phase: object) -> str | None:
    if phase is None or not str(phase).strip():
        return None
    text = str(phase).strip().lower()
    if text not in PHASES:
        raise ValidationError(
            f"Unknown phase '{phase}': use one of {', '.join(PHASES)}, or none for any time."
        )
    return text


def shipped_info(name: str, body: str) -> TemplateInfo:
    """A shipped file's template: its audience and phase come from its name."""
    if name in SHIPPED_KINDS:
        audience, phase = SHIPPED_KINDS[name]
    else:
        audience, _, phase = name.partition("-")
    return TemplateInfo(name, audience, phase, body, "shipped")


def merged(shipped: Iterable[TemplateInfo], user: Iterable[TemplateInfo]) -> list[TemplateInfo]:
    """Shipped and user templates by name; a user template stands over a shipped one."""
    by_name = {t.name: t for t in shipped}
    for template in user:
        origin: Origin = "override" if template.name in by_name else "custom"
        by_name[template.name] = TemplateInfo(
            template.name,
            template.audience,
            template.phase,
            template.body,
            origin,
            template.updated_at,
        )
    return [by_name[name] for name in sorted(by_name)]


def pick(
    templates: Iterable[TemplateInfo], audience: Audience, phase: Status, *, first: bool = False
) -> TemplateInfo:
    """The template for this audience and phase (or the first message, when `first`).

    The standard name wins ("customers-identified", "first-update"), then a
    template for exactly this audience, then one for all audiences.
    """
    wanted = FIRST_PHASE if first else phase.value
    fitting = [t for t in templates if t.phase == wanted and t.audience in (audience, ANY_AUDIENCE)]
    standard = FIRST_UPDATE if first else f"{audience.value}-{phase.value}"
    fitting.sort(key=lambda t: (t.name != standard, t.audience != audience.value, t.name))
    if not fitting:
        what = "first update" if first else f"'{phase.value}' update"
        raise NotFoundError(
            f"There is no {what} template for {audience.value}. Add one, or name one "
            "with --template."
        )
    return fitting[0]


def find(templates: Mapping[str, TemplateInfo], name: str) -> TemplateInfo:
    try:
        return templates[clean_template_name(name)]
    except KeyError:
        raise NotFoundError(
            f"There is no template '{name}'. `commander templates list` shows them all."
        ) from None
