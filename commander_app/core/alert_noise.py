"""The noise report: which alerts earned their pages across incidents, and one change
each that would make the pager quieter or the detection earlier.

Per alert name, from the alert events of the incidents read (`store.alert_noise`):

- incidents it fired in, its alerts (fingerprints), firings (re-fires included), and how
  many arrived while no incident was open (the inbox: "outside incidents");
- its groups' triage (cause / symptom / noise / untriaged), one vote per incident and group;
- "fires without context": alerts whose last firing had no summary (or description) or
  no `runbook_url` annotation;
- flaps: re-fires after a resolve (fire, resolve, fire is one flap);
- page-hours: the time at least one of its paging alerts fired, per incident (forty pods
  firing together page once), and sleep-hours: the part of it between 22:00 and 07:00
  in the readers' zone. An alert pages unless its `severity` label says it does not
  (`QUIET_SEVERITIES`); one still firing counts until its incident resolved (or now).

Detection misses: incidents whose first alert started after the incident was detected
(the detected milestone, else its opening), or that have no alert at all.

Each row proposes one change (`Proposal`), the first rule that holds, in this order:
delete (mostly noise, never a cause), demote to a ticket or notification (mostly a
symptom, never a cause), retune (flapping), add context (fires without it), else keep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum

from commander_app.core.alerts import AlertTriage

QUIET_SEVERITIES = frozenset(
    {"warning", "warn", "info", "informational", "notice", "low", "none", "ticket"}
)
NIGHT_STARTS = time(22, 0)
NIGHT_ENDS = time(7, 0)
FLAPS_TO_RETUNE = 3  # re-fires after a resolve, over every incident read
MOSTLY = 0.5  # share of the triaged groups that makes an alert "mostly" noise or symptom


class Proposal(StrEnum):
    DELETE = "delete"
    DEMOTE = "demote"  # to a ticket or a notification
    RETUNE = "retune"  # its threshold or `for:` duration
    ADD_CONTEXT = "add_context"
    ADD_ALERT = "add_alert"  # a detection miss
    KEEP = "keep"


@dataclass(frozen=True)
class AlertFact:
    """One alert event from a monitoring source."""

    incident_id: str
    at: datetime
    name: str
    fingerprint: str
    group: str
    state: str  # firing | resolved
    has_summary: bool
    has_runbook: bool
    severity: str | None

    @property
    def pages(self) -> bool:
        return (self.severity or "").strip().lower() not in QUIET_SEVERITIES


@dataclass(frozen=True)
class IncidentSpan:
    id: str
    title: str
    opened_at: datetime
    detected_at: datetime | None
    ended_at: datetime  # resolved, or now for one still open


@dataclass(frozen=True)
class GroupTriage:
    incident_id: str
    group: str
    triage: str


@dataclass
class NoiseRow:
    name: str
    incidents: int = 0
    alerts: int = 0
    firings: int = 0
    outside: int = 0
    groups: int = 0
    cause: int = 0
    symptom: int = 0
    noise: int = 0
    without_context: int = 0
    flaps: int = 0
    page_hours: float = 0.0
    sleep_hours: float = 0.0
    proposal: Proposal = Proposal.KEEP
    reason: str = ""
    last_incident: str = ""  # where a follow-up about it goes by default
    incident_ids: list[str] = field(default_factory=list)

    @property
    def untriaged(self) -> int:
        return self.groups - self.cause - self.symptom - self.noise

    @property
    def triaged(self) -> int:
        return self.cause + self.symptom + self.noise

    def share(self, count: int) -> float | None:
        """A share of the triaged groups; None when none was triaged."""
        return count / self.triaged if self.triaged else None


@dataclass(frozen=True)
class DetectionMiss:
    incident_id: str
    title: str
    detected_at: datetime
    first_alert_at: datetime | None
    reason: str
    proposal: Proposal = Proposal.ADD_ALERT


@dataclass(frozen=True)
class NoiseReport:
    rows: list[NoiseRow]
    misses: list[DetectionMiss]
    incidents: int


def noise_report(
    facts: Iterable[AlertFact],
    incidents: Sequence[IncidentSpan],
    triages: Iterable[GroupTriage],
    zone: tzinfo,
    *,
    outside: Mapping[str, int] | None = None,
) -> NoiseReport:
    """The report over `incidents` (facts of other incidents are ignored)."""
    spans = {i.id: i for i in incidents}
    by_name: dict[str, list[AlertFact]] = defaultdict(list)
    for fact in facts:
        if fact.incident_id in spans:
            by_name[fact.name].append(fact)
    verdicts = {(t.incident_id, t.group): t.triage for t in triages}
    rows = [
        _row(name, sorted(found, key=lambda f: (f.at, f.state)), spans, verdicts, zone)
        for name, found in by_name.items()
    ]
    for name, count in (outside or {}).items():
        row = next((r for r in rows if r.name == name), None)
        if row is None:
            row = NoiseRow(name=name)
            rows.append(row)
        row.outside = count
    for row in rows:
        row.proposal, row.reason = propose(row)
    order = list(Proposal)
    rows.sort(key=lambda r: (order.index(r.proposal), -r.sleep_hours, -r.page_hours, r.name))
    return NoiseReport(rows=rows, misses=_misses(by_name, incidents, zone), incidents=len(spans))


def _row(
    name: str,
    facts: list[AlertFact],
    spans: Mapping[str, IncidentSpan],
    verdicts: Mapping[tuple[str, str], str],
    zone: tzinfo,
) -> NoiseRow:
    row = NoiseRow(name=name)
    incident_ids = list(dict.fromkeys(f.incident_id for f in facts))
    row.incidents = len(incident_ids)
    row.incident_ids = incident_ids
    row.last_incident = max(incident_ids, key=lambda i: (spans[i].opened_at, i))
    groups = {(f.incident_id, f.group) for f in facts}
    row.groups = len(groups)
    for key in groups:
        verdict = verdicts.get(key)
        if verdict == AlertTriage.CAUSE:
            row.cause += 1
        elif verdict == AlertTriage.SYMPTOM:
            row.symptom += 1
        elif verdict == AlertTriage.NOISE:
            row.noise += 1
    by_alert: dict[tuple[str, str], list[AlertFact]] = defaultdict(list)
    for f in facts:
        by_alert[(f.incident_id, f.fingerprint)].append(f)
    row.alerts = len(by_alert)
    paging: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for (incident_id, _), events in by_alert.items():
        firings = [e for e in events if e.state == "firing"]
        row.firings += len(firings)
        row.flaps += max(0, len(firings) - 1)
        if firings and not (firings[-1].has_summary and firings[-1].has_runbook):
            row.without_context += 1
        for interval in firing_intervals(events, spans[incident_id].ended_at):
            if firings[-1].pages:
                paging[incident_id].append(interval)
    for intervals in paging.values():
        for start, end in union(intervals):
            row.page_hours += (end - start).total_seconds() / 3600
            row.sleep_hours += night_overlap(start, end, zone).total_seconds() / 3600
    return row


def firing_intervals(
    events: Sequence[AlertFact], ended_at: datetime
) -> list[tuple[datetime, datetime]]:
    """One alert's events in time order as firing spans; one still open ends at
    `ended_at` (never before it started)."""
    spans: list[tuple[datetime, datetime]] = []
    started: datetime | None = None
    for e in events:
        if e.state == "firing" and started is None:
            started = e.at
        elif e.state == "resolved" and started is not None:
            spans.append((started, max(started, e.at)))
            started = None
    if started is not None:
        spans.append((started, max(started, ended_at)))
    return spans


def union(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def night_overlap(start: datetime, end: datetime, zone: tzinfo) -> timedelta:
    """How much of [start, end) falls between 22:00 and 07:00 in `zone`."""
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        night = datetime.combine(day, NIGHT_STARTS, zone)
        morning = datetime.combine(day + timedelta(days=1), NIGHT_ENDS, zone)
        overlap = min(end, morning) - max(start, night)
        if overlap > timedelta(0):
            total += overlap
        day += timedelta(days=1)
    return total


def propose(row: NoiseRow) -> tuple[Proposal, str]:
    """The one change the row's evidence argues for, and why, in a sentence."""
    where = f"fired in {_count(row.incidents, 'incident')} ({_count(row.alerts, 'alert')})"
    if row.outside:
        where += f", {row.outside} more outside incidents"
    pages = (
        f"; {row.page_hours:.1f} page-hours, {row.sleep_hours:.1f} at night"
        if row.page_hours
        else ""
    )
    if not row.cause and row.noise and row.noise >= MOSTLY * row.triaged:
        return Proposal.DELETE, (
            f"Triaged noise in {row.noise} of {row.triaged} triaged groups and never a "
            f"cause; {where}{pages}."
        )
    if not row.cause and row.symptom and row.symptom + row.noise >= MOSTLY * row.triaged:
        return Proposal.DEMOTE, (
            f"A symptom in {row.symptom} of {row.triaged} triaged groups and never the cause: "
            f"page on the cause, send this to a ticket or notification; {where}{pages}."
        )
    if row.flaps >= FLAPS_TO_RETUNE:
        return Proposal.RETUNE, (
            f"Flapped: {_count(row.flaps, 're-fire')} after a resolve; raise its `for:` "
            f"duration or add hysteresis to its threshold; {where}{pages}."
        )
    if row.without_context:
        return Proposal.ADD_CONTEXT, (
            f"{row.without_context} of {_count(row.alerts, 'alert')} fired without a "
            f"summary or a runbook_url annotation; {where}."
        )
    if not row.triaged:
        return Proposal.KEEP, f"Not triaged yet, so no evidence against it; {where}."
    return Proposal.KEEP, (
        f"A cause in {row.cause} of {row.triaged} triaged groups, with context; {where}."
    )


def _misses(
    by_name: Mapping[str, list[AlertFact]], incidents: Sequence[IncidentSpan], zone: tzinfo
) -> list[DetectionMiss]:
    first: dict[str, datetime] = {}
    for facts in by_name.values():
        for f in facts:
            if f.state == "firing" and (f.incident_id not in first or f.at < first[f.incident_id]):
                first[f.incident_id] = f.at
    misses: list[DetectionMiss] = []
    for incident in incidents:
        detected = incident.detected_at or incident.opened_at
        alerted = first.get(incident.id)
        if alerted is not None and alerted <= detected:
            continue
        said = "detected" if incident.detected_at else "opened"
        shown = _clock(detected, zone)
        if alerted is None:
            reason = f"{said.capitalize()} {shown}, and no alert came in at all."
        else:
            late = round((alerted - detected).total_seconds() / 60)
            reason = (
                f"{said.capitalize()} {shown}; the first alert started {_clock(alerted, zone)}, "
                f"{late} min later."
            )
        misses.append(DetectionMiss(incident.id, incident.title, detected, alerted, reason))
    misses.sort(key=lambda m: (m.detected_at, m.incident_id), reverse=True)
    return misses


def follow_up_text(row: NoiseRow) -> str | None:
    """The follow-up that carries out the row's proposal, its evidence in the text;
    None when the report proposes keeping the alert as it is."""
    evidence = f"(noise report: {row.reason[0].lower()}{row.reason[1:]})"
    name = row.name
    if row.proposal is Proposal.DELETE:
        return f"Delete the alert rule {name} so that it stops paging for noise {evidence}"
    if row.proposal is Proposal.DEMOTE:
        return f"Change the alert {name} from a page to a ticket or a notification {evidence}"
    if row.proposal is Proposal.RETUNE:
        return (
            f"Change the threshold or `for:` duration of {name} so that it stops "
            f"flapping {evidence}"
        )
    if row.proposal is Proposal.ADD_CONTEXT:
        return (
            f"Add a summary and a runbook_url annotation to the alert {name} so that the "
            f"first five minutes have a direction {evidence}"
        )
    return None


def miss_follow_up_text(miss: DetectionMiss) -> str:
    return (
        f"Add an alert or a health check that fires before anyone reports what "
        f"'{miss.title}' showed (noise report: {miss.reason[0].lower()}{miss.reason[1:]})"
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _clock(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
