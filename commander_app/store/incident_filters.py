"""Which incidents a trend, a table or a completion count reads: real ones or drills
(never both together), of some severities, of a service their updates named. One SQL
condition for every reader, so the filters mean the same in each."""

from __future__ import annotations

from collections.abc import Sequence

from commander_app.core.model import Severity
from commander_app.store.services import named_service_sql


def incident_filter(
    incident: str,
    *,
    severities: Sequence[Severity] = (),
    service: str | None = None,
    drills: bool = False,
) -> tuple[list[str], dict[str, object]]:
    """SQL conditions and their parameters over the incidents table as `incident`
    (an alias such as "i"); `service` is matched against the updates of that alias' id."""
    conditions = [f"{incident}.is_drill = :drill"]
    params: dict[str, object] = {"drill": int(drills)}
    if severities:
        names = [f":sev{n}" for n in range(len(severities))]
        conditions.append(f"{incident}.severity IN ({', '.join(names)})")
        params.update({f"sev{n}": s.value for n, s in enumerate(severities)})
    if service and service.strip():
        conditions.append(named_service_sql(f"{incident}.id", "service"))
        params["service"] = service.strip()
    return conditions, params
