"""Update templates: the shipped ones (package resources) and the user's (the database).

Each write is one user action and one transaction. A template is tried against
a realistic and a sparse sample incident before it is saved, so a broken one
is refused with the render error and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from functools import cache
from importlib import resources

from commander_app.core.errors import ValidationError
from commander_app.core.model import Audience, Status
from commander_app.core.template_catalog import (
    TemplateInfo,
    choose_template,
    clean_audience,
    clean_phase,
    clean_template_name,
    find,
    first_message,
    merged,
    shipped_info,
)
from commander_app.core.templates import RenderedUpdate, TemplateError, check, render
from commander_app.core.times import to_iso
from commander_app.core.update_context import sample_context, text_zone_for, update_context
from commander_app.store.board import board
from commander_app.store.cadence import comms_events
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.store.postmortem import postmortem

RESOURCES = "commander_app.resources"
MAX_BODY = 20_000


def shipped_templates() -> dict[str, TemplateInfo]:
    """The templates Commander ships, by name."""
    return dict(_read_shipped())


@cache
def _read_shipped() -> dict[str, TemplateInfo]:
    """Read once per process: the package's files do not change while it runs."""
    folder = resources.files(RESOURCES).joinpath("templates")
    found = {}
    for entry in folder.iterdir():
        if entry.is_file() and entry.name.endswith(".txt"):
            name = entry.name.removesuffix(".txt")
            found[name] = shipped_info(name, entry.read_text(encoding="utf-8"))
    return dict(sorted(found.items()))


def _user_templates(log: IncidentLog) -> list[TemplateInfo]:
    rows = log.conn.execute(
        "SELECT name, audience, phase, body, updated_at FROM templates WHERE deleted = 0"
    )
    return [TemplateInfo(n, a, p, b, "custom", u) for n, a, p, b, u in rows]


def list_templates(log: IncidentLog) -> list[TemplateInfo]:
    """Every template by name: shipped ones, the user's own, and overrides of shipped ones."""
    return merged(shipped_templates().values(), _user_templates(log))


def get_template(log: IncidentLog, name: str) -> TemplateInfo:
    return find({t.name: t for t in list_templates(log)}, name)


def save_template(
    log: IncidentLog, name: str, body: str, audience: str, phase: str | None
) -> TemplateInfo:
    """Create or change a user template; with a shipped template's name, override it."""
    name = clean_template_name(name)
    audience = clean_audience(audience)
    phase = clean_phase(phase)
    body = _checked_body(name, body)
    with write_transaction(log.conn):
        _write(log, name, body, audience, phase)
    return get_template(log, name)


def duplicate_template(log: IncidentLog, name: str, new_name: str) -> TemplateInfo:
    """A copy under a new name, to edit without touching the original."""
    original = get_template(log, name)
    new_name = clean_template_name(new_name)
    with write_transaction(log.conn):
        if any(t.name == new_name for t in list_templates(log)):
            raise ValidationError(f"There is already a template '{new_name}'; choose another name.")
        _write(log, new_name, original.body, original.audience, original.phase)
    return get_template(log, new_name)


def delete_template(log: IncidentLog, name: str) -> TemplateInfo | None:
    """Remove a user template. Removing an override brings the shipped one back
    (returned); a shipped template itself cannot be removed."""
    template = get_template(log, name)
    if template.origin == "shipped":
        raise ValidationError(
            f"'{template.name}' is a shipped template and cannot be removed. "
            "Save your own version under its name to change it."
        )
    with write_transaction(log.conn):
        log.conn.execute(
            "UPDATE templates SET deleted = 1, updated_at = ? WHERE name = ?",
            [to_iso(log.clock.now()), template.name],
        )
    return shipped_templates().get(template.name)


def pick_template(log: IncidentLog, audience: str, phase: str, first: bool = False) -> TemplateInfo:
    """The template for this audience and phase; `first` for the first message to it."""
    return choose_template(
        list_templates(log), Audience.parse(audience), Status.parse(phase), first=first
    )


def template_for(
    log: IncidentLog, incident_id: str, audience: str, *, first: bool | None = None
) -> TemplateInfo:
    """The template an update to `audience` uses now (`choose_template`); whether it is
    the first message is read from the log unless `first` says so."""
    state = log.incident(incident_id)
    wanted = Audience.parse(audience)
    if first is None:
        first = first_message(comms_events(log, incident_id), wanted)
    return choose_template(list_templates(log), wanted, state.status, first=first)


def draft(
    log: IncidentLog,
    incident_id: str,
    audience: str,
    *,
    template: str | None = None,
    now: datetime,
    next_update_due: datetime | None = None,
    first: bool | None = None,
    stakeholder_zone: tzinfo = UTC,
    local_zone: tzinfo = UTC,
    workaround: str | None = None,
    affected_services: Sequence[str] = (),
    impact: str | None = None,
) -> RenderedUpdate:
    """The update for `audience` filled from the incident as of `now`: the named
    template, else `template_for` (audience, phase, and whether it is the first)."""
    state = log.incident(incident_id)
    if template is not None:
        chosen = get_template(log, template)
    else:
        chosen = template_for(log, incident_id, audience, first=first)
    context = update_context(
        state,
        board(log, incident_id),
        now,
        stakeholder_zone=stakeholder_zone,
        local_zone=local_zone,
        next_update_due=next_update_due,
        workaround=workaround,
        affected_services=affected_services,
        impact=impact,
        text_zone=text_zone_for(
            Audience.parse(audience), readers=stakeholder_zone, team=local_zone
        ),
        postmortem=postmortem(log, incident_id),
    )
    return render(chosen.body, context, name=chosen.name)


def _checked_body(name: str, body: str) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ValidationError(f"The template '{name}' is empty.")
    if len(body) > MAX_BODY:
        raise ValidationError(
            f"The template '{name}' is {len(body):,} characters long; the limit is {MAX_BODY:,}."
        )
    check(body, name=name)
    render(body, sample_context(), name=name)
    try:
        render(body, sample_context(sparse=True), name=name)
    except TemplateError as exc:
        raise TemplateError(
            f"{exc} (This happens for an incident where little is known yet; test optional "
            "values with {% if ... %}.)",
            template=exc.template,
            line=exc.line,
        ) from None
    return body


def _write(log: IncidentLog, name: str, body: str, audience: str, phase: str | None) -> None:
    log.conn.execute(
        "INSERT INTO templates (name, audience, phase, body, updated_at, deleted) "
        "VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (name) DO UPDATE SET audience = excluded.audience, "
        "phase = excluded.phase, body = excluded.body, updated_at = excluded.updated_at, "
        "deleted = 0",
        [name, audience, phase, body, to_iso(log.clock.now())],
    )
