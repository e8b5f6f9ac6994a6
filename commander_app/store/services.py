"""The services an incident affected: those its stakeholder updates named.

The communicator names the affected services once in a draft (`core.update_facts`), and
every update that goes out keeps them in its comms event. An incident brought in from
another tool's history (`core.history_csv`) has no updates: its opening names them. So
"the incident's services" are the ones its opening or any of its updates named,
corrected events left out. The follow-ups filter and the recall of earlier incidents
read them here.
"""

from __future__ import annotations

from commander_app.core.model import Kind
from commander_app.store.incident_log import IncidentLog

# The events that name services: updates, and an imported incident's opening.
_NAMING = (
    f"(e.kind = '{Kind.COMMS.value}' OR (e.kind = '{Kind.INCIDENT.value}' "
    "AND json_extract(e.body, '$.action') = 'opened'))"
)
# Incident `:incident` (an SQL expression) had an update naming service `:service`.
_NAMED = (
    "SELECT 1 FROM events AS e, json_each(e.body, '$.services') AS s "
    f"WHERE e.incident_id = {{incident}} AND {_NAMING} "
    "AND json_type(e.body, '$.services') = 'array' "
    "AND NOT EXISTS (SELECT 1 FROM events AS c WHERE c.supersedes = e.id) "
)


def named_service_sql(incident: str, parameter: str) -> str:
    """An SQL condition: the incident `incident` (a column) had the service named by the
    parameter `:parameter` (any case) in one of its updates."""
    return f"EXISTS ({_NAMED.format(incident=incident)}AND s.value = :{parameter} COLLATE NOCASE)"


def incident_services(log: IncidentLog, incident_id: str) -> list[str]:
    """The services this incident's opening or updates named, in the order first named."""
    rows = log.conn.execute(
        "SELECT s.value FROM events AS e, json_each(e.body, '$.services') AS s "
        f"WHERE e.incident_id = ? AND {_NAMING} "
        "AND json_type(e.body, '$.services') = 'array' AND s.type = 'text' "
        "AND NOT EXISTS (SELECT 1 FROM events AS c WHERE c.supersedes = e.id) "
        "ORDER BY e.occurred_at, e.id, s.key",
        [incident_id],
    ).fetchall()
    return list(dict.fromkeys(str(r[0]) for r in rows))


def known_services(log: IncidentLog) -> list[str]:
    """Every service any update or opening named, once each (any case), for completing a
    filter."""
    rows = log.conn.execute(
        "SELECT DISTINCT s.value FROM events AS e, json_each(e.body, '$.services') AS s "
        f"WHERE {_NAMING} AND json_type(e.body, '$.services') = 'array' "
        "AND s.type = 'text' ORDER BY lower(s.value)"
    ).fetchall()
    return list({str(r[0]).lower(): str(r[0]) for r in rows}.values())
