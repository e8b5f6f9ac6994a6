"""The noise report as data: a JSON-ready dict and a CSV (one row per alert name, then
the detection misses), the same for `commander alerts report` and the Metrics window."""

from __future__ import annotations

import csv
import io
from typing import Any

from commander_app.core.alert_noise import NoiseReport, NoiseRow
from commander_app.core.incident_table import csv_cell

CSV_COLUMNS = (
    "alert", "incident", "incidents", "alerts", "firings", "outside", "groups", "cause",
    "symptom", "noise", "untriaged", "noise_share", "symptom_share", "without_context",
    "flaps", "page_hours", "sleep_hours", "proposal", "reason",
)  # fmt: skip


def row_dict(row: NoiseRow) -> dict[str, Any]:
    return {
        "alert": row.name,
        "incident": row.last_incident or None,
        "incidents": row.incidents,
        "alerts": row.alerts,
        "firings": row.firings,
        "outside": row.outside,
        "groups": row.groups,
        "cause": row.cause,
        "symptom": row.symptom,
        "noise": row.noise,
        "untriaged": row.untriaged,
        "noise_share": share(row.share(row.noise)),
        "symptom_share": share(row.share(row.symptom)),
        "without_context": row.without_context,
        "flaps": row.flaps,
        "page_hours": round(row.page_hours, 2),
        "sleep_hours": round(row.sleep_hours, 2),
        "proposal": row.proposal.value,
        "reason": row.reason,
    }


def share(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def report_dict(report: NoiseReport, since: str | None, service: str | None) -> dict[str, Any]:
    return {
        "incidents": report.incidents,
        "since": since,
        "service": service,
        "alerts": [row_dict(r) for r in report.rows],
        "misses": [
            {
                "incident": m.incident_id,
                "title": m.title,
                "detected_at": m.detected_at.isoformat(),
                "first_alert_at": m.first_alert_at.isoformat() if m.first_alert_at else None,
                "proposal": m.proposal.value,
                "reason": m.reason,
            }
            for m in report.misses
        ],
    }


def report_csv(report: NoiseReport) -> str:
    """One row per alert name, then one per detection miss (its alert cell empty); a cell
    a spreadsheet would run as a formula is quoted (`core.incident_table.csv_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        values = row_dict(row)
        writer.writerow([csv_cell(values[c]) for c in CSV_COLUMNS])
    for miss in report.misses:
        values = dict.fromkeys(CSV_COLUMNS)
        values.update(incident=miss.incident_id, proposal=miss.proposal.value)
        values["reason"] = f"{miss.title}: {miss.reason}"
        writer.writerow([csv_cell(values[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()
