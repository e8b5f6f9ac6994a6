"""The per-incident table: one row an incident with its milestones and kept figures, for
a spreadsheet or a DORA dashboard (`commander metrics --all --format csv|json`).

DORA's "failed deployment recovery time" is the time from a deployment that impaired
the service to the service restored. Here that is `failed_deployment_recovery_seconds`:
impact start (else the opening) → mitigated, on the rows whose `deploy_caused` is true.
Whether a deployment caused an incident is read, in this order, from the other tool's
history it was imported from, a contributing factor of the category "deploy safety" in
its postmortem, or a rollback decided during it that worked; otherwise it is left empty
(not known), never guessed false. The change failure rate needs the number of
deployments, which Commander does not hold: count the rows with `deploy_caused` true.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commander_app.core.model import Audience

# A figure's column: its key in the kept figures, and its unit as a column suffix.
FIGURE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("time_to_detect", "seconds"),
    ("time_to_correct_hypothesis", "seconds"),
    ("correct_hypothesis_to_mitigated", "seconds"),
    ("time_to_mitigate", "seconds"),
    ("time_to_resolve", "seconds"),
    *((f"time_to_first_update.{a.value}", "seconds") for a in Audience),
    *((f"cadence_adherence.{a.value}", "ratio") for a in Audience),
    ("decision_latency", "seconds"),
    ("peak_parallel_hypotheses", "count"),
    ("handoffs", "count"),
)


def figure_column(key: str, unit: str) -> str:
    return f"{key.replace('.', '_')}_{unit}"


_UNIT_WORDS = {"seconds": "seconds", "ratio": "a share 0..1", "count": "a count"}

# Every column, in order, with what it holds: the README's table is this one.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("incident_id", "Commander's id of the incident (a ULID)"),
    ("title", "its title"),
    ("severity", "SEV1 … SEV4, as it stands now"),
    ("status", "open, mitigated or resolved"),
    ("drill", "true for a drill (kept apart from real incidents)"),
    ("imported", "true when brought in from another tool's history"),
    ("external_id", "its id in that tool, if it had one"),
    ("services", "the services its updates (or its import) named, separated by ';'"),
    ("opened_at", "when it was opened in Commander (UTC, ISO-8601)"),
    ("impact_started_at", "when the impact began, as recorded or backfilled (UTC)"),
    ("detected_at", "when it was detected (UTC)"),
    ("mitigated_at", "when the impact was mitigated: service restored (UTC)"),
    ("resolved_at", "when it was resolved (UTC)"),
    ("deploy_caused", "true, false, or empty when not known (see below)"),
    ("deploy_cause_from", "imported, postmortem or rollback: where deploy_caused comes from"),
    (
        "failed_deployment_recovery_seconds",
        "for a deploy-caused incident: impact start (else opening) → mitigated",
    ),
    *(
        (figure_column(key, unit), f"the figure {key}, in {_UNIT_WORDS[unit]}")
        for key, unit in FIGURE_COLUMNS
    ),
)


@dataclass(frozen=True)
class IncidentRecord:
    """What one row is made from (read by the store)."""

    incident_id: str
    title: str
    severity: str
    status: str
    drill: bool
    imported: bool
    external_id: str | None
    services: Sequence[str]
    opened_at: str | None
    impact_started_at: str | None
    detected_at: str | None
    mitigated_at: str | None
    resolved_at: str | None
    deploy_caused: bool | None
    deploy_cause_from: str | None
    figures: Mapping[str, Mapping[str, Any]]  # the kept figures: key → {"value", ...}


def table_row(record: IncidentRecord) -> dict[str, Any]:
    """One row, every column of `COLUMNS` in order (None where there is no value)."""
    r = record
    figures = {figure_column(key, unit): _value(r.figures.get(key)) for key, unit in FIGURE_COLUMNS}
    recovery = figures[figure_column("time_to_mitigate", "seconds")] if r.deploy_caused else None
    return {
        "incident_id": r.incident_id,
        "title": r.title,
        "severity": r.severity,
        "status": r.status,
        "drill": r.drill,
        "imported": r.imported,
        "external_id": r.external_id,
        "services": list(r.services),
        "opened_at": r.opened_at,
        "impact_started_at": r.impact_started_at,
        "detected_at": r.detected_at,
        "mitigated_at": r.mitigated_at,
        "resolved_at": r.resolved_at,
        "deploy_caused": r.deploy_caused,
        "deploy_cause_from": r.deploy_cause_from,
        "failed_deployment_recovery_seconds": recovery,
        **figures,
    }


def _value(figure: Mapping[str, Any] | None) -> float | None:
    value = (figure or {}).get("value")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def csv_cell(value: object) -> str:
    """A value as a CSV cell: booleans as true/false, lists joined by ';', None empty,
    whole numbers without '.0'; a text a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.4f}".rstrip("0")
    if isinstance(value, list):
        return ";".join(csv_cell(v) for v in value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
