"""Alerts as other tools send them, read into one bounded, validated shape.

Three sources: Prometheus Alertmanager's webhook payload (version 4: `receiver`,
`status`, `alerts[]` with `status`, `labels`, `annotations`, `startsAt`, `endsAt`,
`generatorURL`, `fingerprint`; `groupKey`, `truncatedAlerts`), PagerDuty Events API v2
events (`routing_key`, `event_action`, `dedup_key`, `payload` with `summary`, `source`,
`severity`, `component`, `group`, `class`, `custom_details`), and a CSV export. Every
field is bounded and checked; a problem is a sentence naming the alert (or the CSV line),
and the caller writes nothing when there is one.

The grouping rule (`group_key`): an alert's group is its alert name and every label but
the volatile ones (`VOLATILE_LABELS`: `instance`, `pod`), sorted. Forty pods of one
deployment firing `HighErrorRate` are one group; the same alert on another service (or
severity, or cluster) is another. The fingerprint (`fingerprint`, or a hash of all the
labels when a source has none) tells one alert from another inside a group.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from commander_app.core.errors import ValidationError
from commander_app.core.times import from_iso, to_iso

AlertState = Literal["firing", "resolved"]
Source = Literal["alertmanager", "pagerduty", "csv"]

VOLATILE_LABELS = frozenset({"instance", "pod"})
MAX_LABELS = 40  # labels (and annotations) per alert; Prometheus rules carry about ten
MAX_LABEL_NAME = 100
MAX_LABEL_VALUE = 1_000
MAX_ANNOTATION = 4_000  # a description with a query pasted in
MAX_FINGERPRINT = 100
MAX_URL = 2_000
MAX_ALERTS = 10_000  # alerts in one payload or file
MAX_ALERT_TEXT = 30_000  # labels and annotations of one alert together, in characters
MAX_PROBLEMS = 50  # problems listed before "and N more"
NAME_LABEL = "alertname"


@dataclass(frozen=True)
class IncomingAlert:
    """One alert as a source reported it, checked and bounded."""

    source: Source
    fingerprint: str
    state: AlertState
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: str | None  # UTC ISO-8601
    ends_at: str | None  # only a resolved alert's end is a fact; a firing one's is a guess
    url: str | None = None

    @cached_property  # read for dedup, the body and the projection: made once
    def group(self) -> str:
        return group_key(self.name, self.labels)

    @property
    def summary(self) -> str:
        for key in ("summary", "description", "message"):
            if self.annotations.get(key):
                return self.annotations[key]
        return ""


@dataclass
class ParsedAlerts:
    alerts: list[IncomingAlert] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    truncated: int = 0  # Alertmanager's `truncatedAlerts`: alerts it did not send

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append("… and more problems (only the first ones are listed)")


def group_key(name: str, labels: Mapping[str, str]) -> str:
    """`alertname{label="value",…}` over the sorted labels but the volatile ones."""
    kept = sorted((k, v) for k, v in labels.items() if k not in VOLATILE_LABELS and k != NAME_LABEL)
    return name + "{" + ",".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in kept) + "}"


def group_id(key: str) -> str:
    """A short, stable handle for a group that a person can type (`alerts triage`)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


def labels_fingerprint(labels: Mapping[str, str]) -> str:
    """For a source without fingerprints: the same labels are the same alert."""
    text = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _text(value: object, what: str, limit: int, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"its {what} is not text")
    problem = _text_problem(value, limit, empty)
    if problem:
        raise ValidationError(f"its {what} {problem}")
    return value


def _text_problem(value: str, limit: int, empty: bool) -> str | None:
    """What is wrong with a text, or None; the common case (short ASCII) decided in a
    few C-level checks, since a storm passes this for every label of every alert."""
    if len(value) > limit:
        return f"is {len(value):,} characters long (limit {limit:,})"
    if "\x00" in value:
        return "contains a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode text"
    if not empty and (not value or value.isspace()):
        return "is empty"
    return None


def _pairs(value: object, what: str, limit: int) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"its {what} are not an object of names and texts")
    if len(value) > MAX_LABELS:
        raise ValidationError(f"it has {len(value)} {what} (limit {MAX_LABELS})")
    names, items = list(value), list(value.values())
    if _plain_texts(names, MAX_LABEL_NAME, empty=False) and _plain_texts(items, limit, empty=True):
        return dict(zip(names, items, strict=True))
    pairs: dict[str, str] = {}  # something is off: find it, and name it
    for key, item in value.items():
        name = _text(key, f"{what[:-1]} name", MAX_LABEL_NAME)
        if isinstance(item, int | float) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str) or _text_problem(item, limit, True):
            _text(item, f"{what[:-1]} '{name[:40]}'", limit, empty=True)  # raises, named
        pairs[name] = item
    return pairs


def _plain_texts(values: list[object], limit: int, *, empty: bool) -> bool:
    """Whether every value is a text `_text` would take as it is: checked all at once with
    C-level string operations (a storm's labels pass here by the hundred thousand)."""
    if not values:
        return True
    if any(type(v) is not str for v in values):
        return False
    texts: list[str] = values  # type: ignore[assignment]  # every one is a str
    if max(map(len, texts)) > limit:
        return False
    if not empty and (not all(texts) or any(map(str.isspace, texts))):
        return False
    joined = "".join(texts)
    if "\x00" in joined:
        return False
    if not joined.isascii():
        try:
            joined.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


def _time(value: object, what: str) -> str | None:
    """Alertmanager writes the zero time (`0001-01-01T00:00:00Z`) for "not set"."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise ValidationError(f"its {what} is not an ISO-8601 time")
    if value.startswith("0001-01-01"):
        return None
    try:
        return to_iso(from_iso(value))
    except ValidationError:
        raise ValidationError(f"its {what} '{value[:40]}' is not an ISO-8601 time") from None


def _state(value: object) -> AlertState:
    if value == "firing":
        return "firing"
    if value == "resolved":
        return "resolved"
    raise ValidationError(f"its status '{str(value)[:40]}' is neither firing nor resolved")


def _url(value: object) -> str | None:
    if value in (None, ""):
        return None
    url = _text(value, "link", MAX_URL)
    if not url.startswith(("http://", "https://")):
        raise ValidationError("its link is not a web address")
    return url


def _sized(alert: IncomingAlert) -> IncomingAlert:
    """An event body has a size limit (`core.events.MAX_BODY`): the alert must fit in it."""
    size = sum(len(k) + len(v) for k, v in (*alert.labels.items(), *alert.annotations.items()))
    if size > MAX_ALERT_TEXT:
        raise ValidationError(
            f"its labels and annotations hold {size:,} characters (limit {MAX_ALERT_TEXT:,})"
        )
    return alert


def parse_payload(payload: object) -> ParsedAlerts:
    """A JSON document from any source: Alertmanager's webhook, or PagerDuty events."""
    if isinstance(payload, Mapping) and "alerts" in payload:
        return parse_alertmanager(payload)
    if isinstance(payload, Mapping | list):
        return parse_pagerduty(payload)
    parsed = ParsedAlerts()
    parsed.problem("The document is neither an Alertmanager webhook nor PagerDuty events.")
    return parsed


def parse_alertmanager(payload: object) -> ParsedAlerts:
    """Alertmanager's webhook payload, version 4 (an API v2 alert list reads the same)."""
    parsed = ParsedAlerts()
    if isinstance(payload, list):  # GET /api/v2/alerts answers a bare list
        alerts: object = payload
    elif isinstance(payload, Mapping):
        version = payload.get("version")
        if version not in (None, "4", 4):
            parsed.problem(f"Alertmanager payload version {str(version)[:20]!r}: only 4 is read.")
            return parsed
        alerts = payload.get("alerts")
        truncated = payload.get("truncatedAlerts", 0)
        if isinstance(truncated, int) and not isinstance(truncated, bool) and truncated > 0:
            parsed.truncated = truncated
    else:
        parsed.problem("An Alertmanager payload is a JSON object with a list of alerts.")
        return parsed
    if not isinstance(alerts, list):
        parsed.problem("The payload's 'alerts' is not a list.")
        return parsed
    if len(alerts) > MAX_ALERTS:
        parsed.problem(f"The payload holds {len(alerts):,} alerts (limit {MAX_ALERTS:,}).")
        return parsed
    for position, raw in enumerate(alerts, start=1):
        try:
            parsed.alerts.append(_sized(_alertmanager_alert(raw)))
        except ValidationError as exc:
            parsed.problem(f"Alert {position}: {exc}.")
    return parsed


def _alertmanager_alert(raw: object) -> IncomingAlert:
    if not isinstance(raw, Mapping):
        raise ValidationError("it is not an object")
    labels = _pairs(raw.get("labels"), "labels", MAX_LABEL_VALUE)
    name = labels.get(NAME_LABEL, "").strip()
    if not name:
        raise ValidationError("it has no 'alertname' label")
    annotations = _pairs(raw.get("annotations"), "annotations", MAX_ANNOTATION)
    status = raw.get("status")
    if isinstance(status, Mapping):  # API v2: {"state": "active" | "suppressed" | …}
        status = "resolved" if status.get("state") == "resolved" else "firing"
    state = _state(status if status is not None else "firing")
    fingerprint = raw.get("fingerprint")
    if fingerprint in (None, ""):
        fingerprint = labels_fingerprint(labels)
    ends_at = _time(raw.get("endsAt"), "end time")
    return IncomingAlert(
        source="alertmanager",
        fingerprint=_text(fingerprint, "fingerprint", MAX_FINGERPRINT),
        state=state,
        name=name,
        labels=labels,
        annotations=annotations,
        starts_at=_time(raw.get("startsAt"), "start time"),
        ends_at=ends_at if state == "resolved" else None,
        url=_url(raw.get("generatorURL")),
    )


PAGERDUTY_ACTIONS: dict[str, AlertState] = {
    "trigger": "firing",
    "acknowledge": "firing",
    "resolve": "resolved",
}
PAGERDUTY_FIELDS = ("source", "severity", "component", "group", "class")


def parse_pagerduty(payload: object) -> ParsedAlerts:
    """One Events API v2 event, a list of them, or {"events": [...]} (an export)."""
    parsed = ParsedAlerts()
    events: object = payload
    if isinstance(payload, Mapping):
        events = payload["events"] if isinstance(payload.get("events"), list) else [payload]
    if not isinstance(events, list):
        parsed.problem("PagerDuty events are a JSON object or a list of them.")
        return parsed
    if len(events) > MAX_ALERTS:
        parsed.problem(f"The document holds {len(events):,} events (limit {MAX_ALERTS:,}).")
        return parsed
    for position, raw in enumerate(events, start=1):
        try:
            parsed.alerts.append(_sized(_pagerduty_event(raw)))
        except ValidationError as exc:
            parsed.problem(f"Event {position}: {exc}.")
    return parsed


def _pagerduty_event(raw: object) -> IncomingAlert:
    if not isinstance(raw, Mapping):
        raise ValidationError("it is not an object")
    action = raw.get("event_action", "trigger")
    if action not in PAGERDUTY_ACTIONS:
        raise ValidationError(
            f"its event_action '{str(action)[:40]}' is not trigger, acknowledge or resolve"
        )
    body = raw.get("payload", {})
    if not isinstance(body, Mapping):
        raise ValidationError("its payload is not an object")
    dedup_key = raw.get("dedup_key")
    if action == "resolve" and not dedup_key:
        raise ValidationError("a resolve must name the alert it resolves (dedup_key)")
    summary = body.get("summary")
    if action == "trigger" and summary is None:
        raise ValidationError("a trigger needs a payload summary")
    labels: dict[str, str] = {}
    for name in PAGERDUTY_FIELDS:
        if body.get(name) not in (None, ""):
            labels[name] = _text(body[name], name, MAX_LABEL_VALUE)
    annotations: dict[str, str] = {}
    if summary is not None:
        annotations["summary"] = _text(summary, "summary", 1_024)  # PagerDuty's own limit
    details = body.get("custom_details")
    if isinstance(details, Mapping):
        annotations.update(
            _pairs(
                {k: v if isinstance(v, str) else json.dumps(v) for k, v in details.items()},
                "custom details",
                MAX_ANNOTATION,
            )
        )
    elif details is not None:
        annotations["details"] = _text(
            details if isinstance(details, str) else json.dumps(details), "details", MAX_ANNOTATION
        )
    if len(annotations) > MAX_LABELS:
        raise ValidationError(f"it has {len(annotations)} details (limit {MAX_LABELS})")
    name = labels.get("class") or summary_name(annotations.get("summary", "")) or "pagerduty"
    labels[NAME_LABEL] = name
    state = PAGERDUTY_ACTIONS[str(action)]
    time = _time(body.get("timestamp"), "timestamp")
    return IncomingAlert(
        source="pagerduty",
        fingerprint=_text(dedup_key, "dedup_key", MAX_FINGERPRINT)
        if dedup_key
        else labels_fingerprint({**labels, "summary": annotations.get("summary", "")}),
        state=state,
        name=name,
        labels=labels,
        annotations=annotations,
        starts_at=time if state == "firing" else None,
        ends_at=time if state == "resolved" else None,
    )


def summary_name(summary: str) -> str:
    """An alert name from a PagerDuty summary: its first line, at most 100 characters."""
    return summary.strip().splitlines()[0][:MAX_LABEL_NAME].strip() if summary.strip() else ""


CSV_COLUMNS = {
    "fingerprint": "fingerprint",
    "dedup_key": "fingerprint",
    "alertname": "name",
    "name": "name",
    "status": "state",
    "state": "state",
    "startsat": "starts_at",
    "starts_at": "starts_at",
    "created_at": "starts_at",
    "endsat": "ends_at",
    "ends_at": "ends_at",
    "resolved_at": "ends_at",
    "summary": "summary",
    "title": "summary",
    "description": "description",
    "runbook_url": "runbook_url",
}
_CSV_STATES = {"firing": "firing", "triggered": "firing", "acknowledged": "firing",
               "resolved": "resolved"}  # fmt: skip


def parse_csv(text: str) -> ParsedAlerts:
    """A CSV export with a header: `alertname` (or `name`, or a `summary`) on each row;
    status, fingerprint or dedup_key, start and end times are read when present, and
    every other column is a label. Problems name the line."""
    parsed = ParsedAlerts()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        parsed.problem("The CSV file has no header line.")
        return parsed
    columns = [h.strip().lower() for h in header]
    if not {"alertname", "name", "summary", "title"} & set(columns):
        parsed.problem("Line 1: the CSV header needs an 'alertname' (or 'summary') column.")
        return parsed
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(parsed.alerts) >= MAX_ALERTS:
                parsed.problem(f"The file holds more than {MAX_ALERTS:,} alerts.")
                break
            try:
                parsed.alerts.append(_sized(_csv_alert(columns, row)))
            except ValidationError as exc:
                parsed.problem(f"Line {line}: {exc}.")
    except csv.Error as exc:
        parsed.problem(f"Line {reader.line_num}: the CSV cannot be read ({exc}).")
    return parsed


def _csv_alert(columns: Sequence[str], row: Sequence[str]) -> IncomingAlert:
    if len(row) > len(columns):
        raise ValidationError(f"it has {len(row)} cells but the header names {len(columns)}")
    known: dict[str, str] = {}
    labels: dict[str, str] = {}
    for column, cell in zip(columns, row, strict=False):
        value = cell.strip()
        if not value:
            continue
        if column in CSV_COLUMNS:
            known[CSV_COLUMNS[column]] = value
        elif column:
            labels[column] = value
    annotations: dict[str, str] = {
        key: known[key] for key in ("summary", "description", "runbook_url") if key in known
    }
    name = known.get("name") or summary_name(known.get("summary", ""))
    if not name:
        raise ValidationError("it has no alert name (alertname) and no summary")
    labels[NAME_LABEL] = name
    labels = _pairs(labels, "labels", MAX_LABEL_VALUE)
    annotations = _pairs(annotations, "annotations", MAX_ANNOTATION)
    state_text = known.get("state", "firing").lower()
    if state_text not in _CSV_STATES:
        raise ValidationError(f"its status '{state_text[:40]}' is neither firing nor resolved")
    state = _state(_CSV_STATES[state_text])
    fingerprint = known.get("fingerprint") or labels_fingerprint(labels)
    return IncomingAlert(
        source="csv",
        fingerprint=_text(fingerprint, "fingerprint", MAX_FINGERPRINT),
        state=state,
        name=_text(name, "alert name", MAX_LABEL_NAME),
        labels=labels,
        annotations=annotations,
        starts_at=_time(known.get("starts_at"), "start time"),
        ends_at=_time(known.get("ends_at"), "end time") if state == "resolved" else None,
    )


def parse_file(text: str) -> ParsedAlerts:
    """A file to import: JSON (Alertmanager or PagerDuty), else CSV."""
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith(("{", "[")):
        try:
            payload = json.loads(stripped)
        except (ValueError, RecursionError) as exc:
            parsed = ParsedAlerts()
            parsed.problem(f"The file is not valid JSON ({exc}).")
            return parsed
        return parse_payload(payload)
    return parse_csv(stripped)
