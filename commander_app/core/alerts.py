"""Alerts in the incident log: which arrivals become events, and triage of a group.

An alert is an `alert` event. A responder's typed alert (`!text` on the capture line)
is a text and nothing more, as before; one that came from a monitoring source also
carries `source`, `fingerprint`, `state` (firing | resolved), `name`, `labels`,
`annotations`, `starts_at`, `ends_at`, `url` and `group` (`core.alert_payloads`).

Deduplication, so a storm does not flood the log: per incident, an alert (a
fingerprint) becomes an event when it is first seen, and again only when its state
changes (resolved, or firing again after a resolve). Alertmanager sends every alert of
a group again each time the group changes and every `repeat_interval`; those repeats
write nothing. An arrival older than what is known of the fingerprint (a late
retry) writes nothing either. So the events hold every fact, and the `alerts`
projection (`store.alert_projection`: one row per incident and fingerprint, with its
state, first and last seen, and how many times it fired) is rebuilt from them alone.

Triage is an `alert` event too, with `triage` (cause | symptom | noise | unknown),
`group` (the group key) and perhaps `hypothesis` (the id of the hypothesis the group is
a symptom or the cause of). The latest triage of a group is the one in force; "unknown"
undoes a triage. Alert events are machine facts and are not corrected (`supersedes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from commander_app.core.alert_payloads import (
    MAX_ANNOTATION,
    MAX_FINGERPRINT,
    MAX_LABEL_NAME,
    MAX_LABEL_VALUE,
    MAX_LABELS,
    MAX_URL,
    IncomingAlert,
)
from commander_app.core.bodies import AlertBody
from commander_app.core.errors import ValidationError
from commander_app.core.ids import check_ulid
from commander_app.core.times import EARLIEST_YEAR, from_iso, to_iso

SOURCES = ("alertmanager", "pagerduty", "csv")
STATES = ("firing", "resolved")
MAX_GROUP_KEY = 8_000  # an alert name and up to 40 labels


class AlertTriage(StrEnum):
    CAUSE = "cause"
    SYMPTOM = "symptom"
    NOISE = "noise"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, text: str) -> AlertTriage:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValidationError(
                f"Unknown triage '{text}': use cause, symptom, noise or unknown."
            ) from None


@dataclass(frozen=True)
class Known:
    """What the log knows of one fingerprint in one incident."""

    state: str
    last_seen: str  # UTC ISO-8601


def event_time(alert: IncomingAlert, now: datetime) -> datetime:
    """When the alert's news happened: a firing's start, a resolve's end; never later
    than its arrival (a source's clock ahead of ours must not reorder the story), and
    never before any log could hold (an export of it must import again)."""
    told = alert.starts_at if alert.state == "firing" else alert.ends_at
    if told is None:
        return now
    moment = from_iso(told)
    if moment.year < EARLIEST_YEAR:  # a source's broken clock: no log holds anything older
        return now
    return min(moment, now)


def news(
    alerts: Sequence[IncomingAlert], known: Mapping[str, Known], now: datetime
) -> list[tuple[IncomingAlert, datetime]]:
    """The arrivals worth an event (see the module's docstring), in arrival order."""
    seen = dict(known)
    kept: list[tuple[IncomingAlert, datetime]] = []
    for alert in alerts:
        at = event_time(alert, now)
        before = seen.get(alert.fingerprint)
        iso = to_iso(at)
        if before is not None and (before.state == alert.state or iso < before.last_seen):
            continue
        seen[alert.fingerprint] = Known(alert.state, iso)
        kept.append((alert, at))
    return kept


def alert_text(alert: IncomingAlert) -> str:
    """'Alert firing: HighErrorRate — error rate above 2% (service=payments)'."""
    summary = alert.summary.strip().splitlines()[0][:300] if alert.summary.strip() else ""
    where = ", ".join(
        f"{k}={v[:60]}" for k, v in sorted(alert.labels.items()) if k in _SHOWN_LABELS
    )
    text = f"Alert {alert.state}: {alert.name}"
    if summary:
        text += f" — {summary}"
    return f"{text} ({where})" if where else text


_SHOWN_LABELS = ("service", "job", "severity", "cluster", "namespace", "instance", "pod")


def alert_body(alert: IncomingAlert) -> AlertBody:
    body: AlertBody = {
        "text": alert_text(alert),
        "source": alert.source,
        "fingerprint": alert.fingerprint,
        "state": alert.state,
        "name": alert.name,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "group": alert.group,
    }
    if alert.starts_at:
        body["starts_at"] = alert.starts_at
    if alert.ends_at:
        body["ends_at"] = alert.ends_at
    if alert.url:
        body["url"] = alert.url
    return body


def triage_body(
    group: str, name: str, triage: AlertTriage, hypothesis: tuple[str, str] | None
) -> AlertBody:
    """`hypothesis`: its id and its number on the board (H2), for the text."""
    text = f"Alerts {name} triaged: {triage.value}"
    if hypothesis is not None:
        text += f" of {hypothesis[1]}"
    body: AlertBody = {"text": text, "triage": triage.value, "group": group}
    if hypothesis is not None:
        body["hypothesis"] = hypothesis[0]
    return body


def check_alert_body(body: dict[str, object]) -> None:
    """The structured fields, when present (`core.events.validate_body` calls this).

    A typed alert has only its text; one from a source has a fingerprint and what goes
    with it; a triage has a group."""
    if body.get("fingerprint") is not None:
        _short(body["fingerprint"], "fingerprint", MAX_FINGERPRINT)
        if body.get("state") not in STATES:
            raise ValidationError("An alert's state must be firing or resolved.")
        if body.get("source") not in SOURCES:
            raise ValidationError(f"An alert's source must be one of {', '.join(SOURCES)}.")
        _short(body.get("name"), "alert name", MAX_LABEL_NAME)
        _short(body.get("group"), "alert group", MAX_GROUP_KEY)
        for field, limit in (("labels", MAX_LABEL_VALUE), ("annotations", MAX_ANNOTATION)):
            _check_pairs(body.get(field, {}), field, limit)
        for field in ("starts_at", "ends_at"):
            if body.get(field) is not None:
                if not isinstance(body[field], str):
                    raise ValidationError(f"An alert's {field} must be an ISO-8601 time.")
                body[field] = to_iso(from_iso(str(body[field])))
        if body.get("url") is not None:
            url = _short(body["url"], "link", MAX_URL)
            if not url.startswith(("http://", "https://")):
                raise ValidationError("An alert's link must be a web address.")
    elif body.get("state") is not None:
        raise ValidationError("An alert with a state must have a fingerprint.")
    if body.get("triage") is not None:
        if body.get("fingerprint") is not None:
            raise ValidationError("A triage is of a group of alerts, not of one alert.")
        if body["triage"] not in tuple(t.value for t in AlertTriage):  # a dict is no error
            raise ValidationError("A triage is cause, symptom, noise or unknown.")
        _short(body.get("group"), "alert group", MAX_GROUP_KEY)
        if body.get("hypothesis") is not None:
            body["hypothesis"] = check_ulid(body["hypothesis"], "id of the hypothesis")


def _short(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValidationError(f"An alert's {what} must be a text of at most {limit:,} characters.")
    return value


def _check_pairs(value: object, what: str, limit: int) -> None:
    if not isinstance(value, Mapping):
        raise ValidationError(f"An alert's {what} must be an object of names and texts.")
    if len(value) > MAX_LABELS:
        raise ValidationError(f"An alert has at most {MAX_LABELS} {what}.")
    for key, item in value.items():
        if not isinstance(key, str) or not key or len(key) > MAX_LABEL_NAME:
            raise ValidationError(f"An alert's {what} names must be short texts.")
        if not isinstance(item, str) or len(item) > limit:
            raise ValidationError(f"An alert's {what} values must be texts.")
