"""The per-incident table (`core.incident_table`) read from the log: the incidents
projection, the kept figures, each opening's import marks, and whether a deployment
caused the incident (from its import, its postmortem or a rollback that worked).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from commander_app.core.errors import ValidationError
from commander_app.core.incident_table import IncidentRecord
from commander_app.core.model import DecisionKind, Kind, Outcome, Severity
from commander_app.core.postmortem import FactorCategory
from commander_app.store import incident_figures
from commander_app.store.incident_filters import incident_filter
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import STATE_EVENTS_SQL

if TYPE_CHECKING:
    from commander_app.core.cadence_policy import CadencePolicy

_COLUMNS = (
    "id, title, severity, status, is_drill, opened_at, impact_started_at, detected_at, "
    "mitigated_at, resolved_at"
)


def incident_records(
    log: IncidentLog,
    *,
    severities: Sequence[Severity] = (),
    service: str | None = None,
    drills: bool = False,
    resolved_only: bool = False,
) -> list[IncidentRecord]:
    """Every incident's row, oldest first: real incidents, or drills when `drills`."""
    from commander_app.store.services import incident_services

    incident_figures.fill_missing(log)
    conditions, params = incident_filter("i", severities=severities, service=service, drills=drills)
    if resolved_only:
        conditions.append("i.status = 'resolved'")
    columns = ", ".join(f"i.{c.strip()}" for c in _COLUMNS.split(","))
    rows = log.conn.execute(
        f"SELECT {columns}, f.figures FROM incidents i "
        "LEFT JOIN incident_figures f ON f.incident_id = i.id "
        f"WHERE {' AND '.join(conditions)} "
        "ORDER BY COALESCE(i.impact_started_at, i.opened_at), i.id",
        params,
    ).fetchall()
    ids = [str(r[0]) for r in rows]
    adherence = _adherence(log, ids)
    openings = _openings(log)
    causes = _deploy_causes(log, ids, openings)
    records = []
    for r in rows:
        incident_id = str(r[0])
        opening = openings.get(incident_id, {})
        caused, source = causes.get(incident_id, (None, None))
        records.append(
            IncidentRecord(
                incident_id=incident_id,
                title=str(r[1]),
                severity=str(r[2]),
                status=str(r[3]),
                drill=bool(r[4]),
                imported=opening.get("imported") is True,
                external_id=_text(opening.get("external_id")),
                services=incident_services(log, incident_id),
                opened_at=_text(r[5]),
                impact_started_at=_text(r[6]),
                detected_at=_text(r[7]),
                mitigated_at=_text(r[8]),
                resolved_at=_text(r[9]),
                deploy_caused=caused,
                deploy_cause_from=source,
                figures={**(json.loads(r[10]) if r[10] else {}), **adherence[incident_id]},
            )
        )
    return records


def _adherence(log: IncidentLog, ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Cadence adherence is not kept with the figures (it depends on the cadence settings
    and, while an incident is open, on the clock): worked out here, as of now."""
    from commander_app.core.incident_figures import adherence_figures
    from commander_app.store import cadence

    now = log.clock.now()
    policy: CadencePolicy | None
    try:
        policy, failure = cadence.load_policy(), ""
    except ValidationError as exc:
        policy, failure = None, f"not worked out: {exc}"
    result = {}
    for incident_id in ids:
        kept = cadence.adherence(log, incident_id, policy, now) if policy else failure
        result[incident_id] = {f.key: f.as_dict() for f in adherence_figures(kept)}
    return result


def _openings(log: IncidentLog) -> dict[str, dict[str, object]]:
    """Each incident's opening body (the partial index `events_state` finds them)."""
    rows = log.conn.execute(
        f"SELECT incident_id, body FROM events WHERE ({STATE_EVENTS_SQL}) "
        f"AND kind = '{Kind.INCIDENT.value}' AND json_extract(body, '$.action') = 'opened'"
    )
    return {str(r[0]): json.loads(r[1]) for r in rows}


def _deploy_causes(
    log: IncidentLog, ids: list[str], openings: dict[str, dict[str, object]]
) -> dict[str, tuple[bool, str]]:
    """Whether a deployment caused each incident and where that is known from; an
    incident none of the three speaks of is left out (not known)."""
    from commander_app.store import board as board_store
    from commander_app.store import postmortem as postmortem_store

    wanted = set(ids)
    found: dict[str, tuple[bool, str]] = {}
    for incident_id, body in openings.items():
        if incident_id in wanted and isinstance(body.get("deploy_caused"), bool):
            found[incident_id] = (bool(body["deploy_caused"]), "imported")
    # Candidates first, by what their events say; then the fold decides (a factor may
    # have been recategorised or removed, an outcome corrected).
    factor_sql = (
        f"SELECT DISTINCT incident_id FROM events WHERE kind = '{Kind.POSTMORTEM.value}' "
        f"AND json_extract(body, '$.category') = '{FactorCategory.DEPLOY_SAFETY.value}'"
    )
    for (incident_id,) in log.conn.execute(factor_sql).fetchall():
        if incident_id in wanted and incident_id not in found:
            factors = postmortem_store.postmortem(log, incident_id).factors
            if any(f.category is FactorCategory.DEPLOY_SAFETY and not f.removed for f in factors):
                found[incident_id] = (True, "postmortem")
    rollback_sql = (
        f"SELECT DISTINCT incident_id FROM events WHERE kind = '{Kind.DECISION.value}' "
        f"AND json_extract(body, '$.outcome') = '{Outcome.WORKED.value}'"
    )
    for (incident_id,) in log.conn.execute(rollback_sql).fetchall():
        if incident_id in wanted and incident_id not in found:
            decisions = board_store.board(log, incident_id).decisions
            if any(
                d.decision_kind is DecisionKind.ROLLBACK and d.outcome is Outcome.WORKED
                for d in decisions
            ):
                found[incident_id] = (True, "rollback")
    return found


def _text(value: object) -> str | None:
    return None if value is None else str(value)
