"""Whether the team gets faster, month by month or quarter by quarter: for each figure,
the median and the interquartile range with n, never a bare mean (incident durations
are long-tailed: one eight-hour outage moves a mean, not a median). A bucket with fewer
than `FEW` incidents is shown but said to be too few to read a trend from.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Literal

from commander_app.core.errors import ValidationError
from commander_app.core.times import format_minutes, from_iso

FEW = 5  # fewer incidents than this in a bucket: too few to read a trend
Period = Literal["month", "quarter"]

# The figures a trend is drawn for, in the order a quarterly review reads them.
TREND_FIGURES: tuple[tuple[str, str], ...] = (
    ("time_to_detect", "Time to detect"),
    ("time_to_correct_hypothesis", "Detected → correct hypothesis"),
    ("correct_hypothesis_to_mitigated", "Correct hypothesis → mitigated"),
    ("time_to_mitigate", "Time to mitigate"),
    ("time_to_resolve", "Time to resolve"),
    ("time_to_first_update.customers", "Time to first update (customers)"),
    ("time_to_first_update.executives", "Time to first update (executives)"),
    ("decision_latency", "Decision latency (production changes)"),
    ("peak_parallel_hypotheses", "Hypotheses open at the peak"),
    ("handoffs", "Handoffs of command"),
)
_LABELS = dict(TREND_FIGURES)


@dataclass(frozen=True)
class FiguredIncident:
    """What a trend needs of one incident: when it started and its kept figures."""

    incident_id: str
    title: str
    started_at: str  # impact start, else opened (UTC ISO-8601)
    figures: Mapping[str, Mapping[str, Any]]  # key → {"value", "unit", ...}


@dataclass(frozen=True)
class Spread:
    """One figure in one bucket."""

    bucket: str  # "2026-11", "2026-Q4"
    n: int  # incidents with a value
    missing: int  # incidents of the bucket without one (not measured, not reached)
    median: float | None
    q1: float | None
    q3: float | None
    incident_ids: tuple[str, ...]  # the incidents behind the values, for a reader to open

    @property
    def too_few(self) -> bool:
        return self.n < FEW


@dataclass(frozen=True)
class Trend:
    key: str
    label: str
    unit: str  # "seconds" or "count"
    buckets: tuple[Spread, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.key,
            "label": self.label,
            "unit": self.unit,
            "buckets": [
                {
                    "bucket": s.bucket,
                    "n": s.n,
                    "missing": s.missing,
                    "median": s.median,
                    "q1": s.q1,
                    "q3": s.q3,
                    "too_few": s.too_few,
                    "incidents": list(s.incident_ids),
                }
                for s in self.buckets
            ],
        }


def bucket_of(moment: datetime, period: Period, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    if period == "month":
        return f"{local.year}-{local.month:02d}"
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def check_period(text: str) -> Period:
    word = text.strip().lower()
    if word in ("month", "months", "monthly"):
        return "month"
    if word in ("quarter", "quarters", "quarterly"):
        return "quarter"
    raise ValidationError(f"'{text}' is not a period: use month or quarter.")


def spread(values: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    """Median and the quartiles (inclusive method: a quartile lies within the values)."""
    if not values:
        return None, None, None
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return median, q1, q3


def trends(
    incidents: Iterable[FiguredIncident],
    period: Period,
    zone: tzinfo,
    keys: Sequence[str] | None = None,
) -> list[Trend]:
    """One trend per figure (`TREND_FIGURES` unless `keys`), buckets oldest first."""
    by_bucket: dict[str, list[FiguredIncident]] = {}
    for incident in incidents:
        bucket = bucket_of(from_iso(incident.started_at), period, zone)
        by_bucket.setdefault(bucket, []).append(incident)
    result = []
    for key in keys or [k for k, _ in TREND_FIGURES]:
        unit = "seconds"
        spreads = []
        for bucket in sorted(by_bucket):
            valued = []
            for incident in by_bucket[bucket]:
                figure = incident.figures.get(key) or {}
                unit = str(figure.get("unit", unit))
                value = figure.get("value")
                if isinstance(value, int | float):
                    valued.append((float(value), incident.incident_id))
            valued.sort()
            median, q1, q3 = spread([v for v, _ in valued])
            spreads.append(
                Spread(
                    bucket,
                    len(valued),
                    len(by_bucket[bucket]) - len(valued),
                    median,
                    q1,
                    q3,
                    tuple(i for _, i in valued),
                )
            )
        result.append(Trend(key, _LABELS.get(key, key), unit, tuple(spreads)))
    return result


def shown(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return format_minutes(value) if unit == "seconds" else f"{value:g}"


def trend_lines(trend: Trend) -> list[str]:
    """A figure's trend as text: a row per bucket with n, the median and the IQR."""
    lines = [trend.label]
    if not trend.buckets:
        return [*lines, "  no incidents"]
    for s in trend.buckets:
        middle = shown(s.median, trend.unit)
        iqr = f"{shown(s.q1, trend.unit)} – {shown(s.q3, trend.unit)}"
        note = f"  (n < {FEW}: too few to read a trend)" if s.too_few and s.n else ""
        if not s.n:
            lines.append(f"  {s.bucket}  n=0{_missing(s)}")
            continue
        lines.append(f"  {s.bucket}  n={s.n:<3} median {middle:>12}  IQR {iqr}{_missing(s)}{note}")
    return lines


def _missing(s: Spread) -> str:
    return f"  ({s.missing} without a value)" if s.missing else ""
