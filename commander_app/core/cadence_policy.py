"""The stakeholder-update cadence policy: how often each audience hears from us.

Plain data with defaults from public incident-response practice, read from
and written to JSON in whole minutes (the file a team edits, `cadence.json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from commander_app.core.errors import ValidationError
from commander_app.core.model import Audience, Severity

POLICY_VERSION = 1
MAX_INTERVAL_MINUTES = 24 * 60
MAX_LONG_AFTER_MINUTES = 7 * 24 * 60
MAX_FIRST_UPDATE_MINUTES = 60
MAX_AMBER_MINUTES = 60

Table = Mapping[Severity, Mapping[Audience, timedelta]]
_Key = TypeVar("_Key", Severity, Audience)


def _minutes_table(
    rows: Mapping[Severity, Mapping[Audience, int]],
) -> dict[Severity, dict[Audience, timedelta]]:
    return {
        severity: {audience: timedelta(minutes=m) for audience, m in row.items()}
        for severity, row in rows.items()
    }


def _default_intervals() -> dict[Severity, dict[Audience, timedelta]]:
    """Public incident-response practice: SEV1 internal every 20 min, executive summaries
    about every 30; lower severities slower; a SEV4 is handled without scheduled updates."""
    return _minutes_table(
        {
            Severity.SEV1: {Audience.INTERNAL: 20, Audience.EXECUTIVES: 30, Audience.CUSTOMERS: 30},
            Severity.SEV2: {Audience.INTERNAL: 30, Audience.EXECUTIVES: 60, Audience.CUSTOMERS: 60},
            Severity.SEV3: {Audience.INTERNAL: 60},
            Severity.SEV4: {},
        }
    )


def _default_long_intervals() -> dict[Severity, dict[Audience, timedelta]]:
    return _minutes_table({Severity.SEV1: {Audience.INTERNAL: 60}})


@dataclass(frozen=True)
class CadencePolicy:
    """How often each audience hears from us, per severity. Plain data; JSON in minutes.

    An audience missing from a severity's row has no scheduled updates at that
    severity; a `long_intervals` entry replaces the normal interval for updates
    sent more than `long_after` into the incident.
    """

    intervals: Table = field(default_factory=_default_intervals)
    long_intervals: Table = field(default_factory=_default_long_intervals)
    first_update: timedelta = timedelta(minutes=5)
    long_after: timedelta = timedelta(hours=2)
    amber_before: timedelta = timedelta(minutes=5)
    # The zone update texts give times in for readers, e.g. "Europe/Berlin"; None: this
    # machine's. Only the name is kept here; the store resolves it.
    stakeholder_zone: str | None = None

    def is_scheduled(self, severity: Severity, audience: Audience) -> bool:
        return audience in self.intervals.get(severity, {})

    def interval(
        self, severity: Severity, audience: Audience, *, long_incident: bool = False
    ) -> timedelta | None:
        """The time between updates, or None when the audience has no schedule."""
        normal = self.intervals.get(severity, {}).get(audience)
        if normal is None or not long_incident:
            return normal
        return self.long_intervals.get(severity, {}).get(audience, normal)

    def to_dict(self) -> dict[str, Any]:
        """Every severity written out, so the file shows the whole policy in effect."""
        return {
            "version": POLICY_VERSION,
            "first_update_minutes": whole_minutes(self.first_update),
            "long_after_minutes": whole_minutes(self.long_after),
            "amber_before_minutes": whole_minutes(self.amber_before),
            "stakeholder_zone": self.stakeholder_zone,
            "intervals": _table_dict(self.intervals),
            "long_intervals": _table_dict(self.long_intervals),
        }

    @classmethod
    def from_dict(cls, data: object) -> CadencePolicy:
        """Read a policy a person may have edited: settings left out keep their defaults.

        A severity listed under `intervals` replaces that severity's whole default
        row (list it as {} for no scheduled updates); one not listed keeps its row.
        Every refusal names the setting and says what is allowed.
        """
        if not isinstance(data, Mapping):
            raise ValidationError("The cadence policy must be a JSON object.")
        known = {"version", "first_update_minutes", "long_after_minutes", "amber_before_minutes"}
        known |= {"intervals", "long_intervals", "stakeholder_zone"}
        for key in data:
            if key not in known:
                raise ValidationError(
                    f"Unknown setting '{key}': use {', '.join(sorted(known - {'version'}))}."
                )
        version = data.get("version", POLICY_VERSION)
        if version != POLICY_VERSION:
            raise ValidationError(
                f"version {version!r} is not one this Commander reads (it reads {POLICY_VERSION})."
            )
        defaults = cls()
        intervals = {**defaults.intervals, **_read_table(data, "intervals")}
        long_intervals = {**defaults.long_intervals, **_read_table(data, "long_intervals")}
        for severity, row in long_intervals.items():
            for audience in row:
                if audience not in intervals.get(severity, {}):
                    raise ValidationError(
                        f"long_intervals.{severity.value}.{audience.value}: {audience.value} "
                        f"has no interval at {severity.value}, so no long-incident one either."
                    )
        return cls(
            intervals=intervals,
            long_intervals=long_intervals,
            first_update=_read_minutes(
                data, "first_update_minutes", defaults.first_update, 1, MAX_FIRST_UPDATE_MINUTES
            ),
            long_after=_read_minutes(
                data, "long_after_minutes", defaults.long_after, 1, MAX_LONG_AFTER_MINUTES
            ),
            amber_before=_read_minutes(
                data, "amber_before_minutes", defaults.amber_before, 0, MAX_AMBER_MINUTES
            ),
            stakeholder_zone=_read_zone_name(data.get("stakeholder_zone")),
        )


def whole_minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _table_dict(table: Table) -> dict[str, dict[str, int]]:
    return {
        severity.value: {
            audience.value: whole_minutes(table[severity][audience])
            for audience in Audience
            if audience in table[severity]
        }
        for severity in Severity
        if severity in table
    }


def _minutes(value: object, where: str, low: int, high: int) -> timedelta:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationError(f"{where} must be whole minutes from {low} to {high}, not {value!r}.")
    return timedelta(minutes=value)


def _read_zone_name(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64 or not value.strip() or " " in value.strip():
        raise ValidationError(
            f"stakeholder_zone: {value!r} is not a time zone name such as Europe/Berlin or UTC."
        )
    return value.strip()


def _read_minutes(
    data: Mapping[str, Any], key: str, default: timedelta, low: int, high: int
) -> timedelta:
    return _minutes(data[key], key, low, high) if key in data else default


def _read_table(data: Mapping[str, Any], key: str) -> dict[Severity, dict[Audience, timedelta]]:
    raw = data.get(key, {})
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{key} must map severities to {{audience: minutes}}.")
    table: dict[Severity, dict[Audience, timedelta]] = {}
    for severity_key, row in raw.items():
        severity = _parse_key(Severity, severity_key, key)
        where = f"{key}.{severity_key}"
        if severity in table:
            raise ValidationError(f"{where}: {severity.value} is listed twice.")
        if not isinstance(row, Mapping):
            raise ValidationError(f"{where} must map audiences to minutes.")
        table[severity] = {}
        for audience_key, minutes in row.items():
            audience = _parse_key(Audience, audience_key, where)
            if audience in table[severity]:
                raise ValidationError(f"{where}: {audience.value} is listed twice.")
            span = _minutes(minutes, f"{where}.{audience_key}", 1, MAX_INTERVAL_MINUTES)
            table[severity][audience] = span
    return table


def _parse_key(vocabulary: type[_Key], text: object, where: str) -> _Key:
    try:
        return vocabulary.parse(text)
    except ValidationError as exc:
        raise ValidationError(f"{where}: {exc}") from None
