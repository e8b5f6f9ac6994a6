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

from commander_app.core.bodies import read_comms
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import Audience, CommsAction, Event, Kind, Status

ANY_AUDIENCE = "all"  # a template written to suit every audience (no internal names)
FIRST_PHASE = "first"  # the first message, sent within minutes of the incident call
PHASES = (*(s.value for s in Status), FIRST_PHASE)

FIRST_UPDATE = "first-update"  # the public acknowledgement: customers only
CUSTOMER_SUMMARY = "customer-summary"  # the public summary of the postmortem
# Shipped templates that are not named "<audience>-<phase>".
SHIPPED_KINDS: dict[str, tuple[str, str | None]] = {
    FIRST_UPDATE: (Audience.CUSTOMERS.value, FIRST_PHASE),
    "executive-summary": (Audience.EXECUTIVES.value, None),
    "handoff-briefing": (Audience.INTERNAL.value, None),
    # After the incident: what customers are told, drafted from the postmortem.
    CUSTOMER_SUMMARY: (Audience.CUSTOMERS.value, None),
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


def choose_template(
    templates: Iterable[TemplateInfo], audience: Audience, phase: Status, *, first: bool
) -> TemplateInfo:
    """The template an update to `audience` uses now: the one rule the window, the
    terminal and the tests share.

    The template follows the audience and the incident's phase. A "first" template
    (the short acknowledgement) is used only for the first message to an audience
    while the incident is still being investigated: once the cause is identified,
    even a first message says so. A first template is never used for another
    audience than its own: executives never get the customers' acknowledgement.
    The standard name wins ("customers-identified", "first-update"), then a
    template for exactly this audience, then one for all audiences.
    """
    candidates = list(templates)
    if first and phase is Status.INVESTIGATING:
        opening = _fitting(candidates, audience, FIRST_PHASE, FIRST_UPDATE)
        if opening:
            return opening[0]
    fitting = _fitting(candidates, audience, phase.value, f"{audience.value}-{phase.value}")
    if not fitting:
        raise NotFoundError(
            f"There is no '{phase.value}' update template for {audience.value}. Add one, "
            "or name one with --template."
        )
    return fitting[0]


def _fitting(
    templates: list[TemplateInfo], audience: Audience, phase: str, standard: str
) -> list[TemplateInfo]:
    fitting = [t for t in templates if t.phase == phase and t.audience in (audience, ANY_AUDIENCE)]
    fitting.sort(key=lambda t: (t.name != standard, t.audience != audience.value, t.name))
    return fitting


def first_message(comms: Iterable[Event], audience: Audience) -> bool:
    """True while no update to `audience` has been queued or sent (corrected ones aside)."""
    events = [e for e in comms if e.kind is Kind.COMMS]
    voided = {e.supersedes for e in events if e.supersedes}
    went_out = (CommsAction.QUEUED.value, CommsAction.SENT.value)
    return not any(
        e.id not in voided
        and (body := read_comms(e)).get("audience") == audience.value
        and body.get("action") in went_out
        for e in events
    )


def find(templates: Mapping[str, TemplateInfo], name: str) -> TemplateInfo:
    try:
        return templates[clean_template_name(name)]
    except KeyError:
        raise NotFoundError(
            f"There is no template '{name}'. `commander templates list` shows them all."
        ) from None
