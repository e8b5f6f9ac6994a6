"""Alert storms for the README's screenshots and the pane's tests: the SEV1's payment
failure as monitoring saw it (one cause, many symptoms, some noise), and a season of
incidents whose alerts make a noise report worth reading."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from commander_app.core.alert_payloads import IncomingAlert, parse_payload
from commander_app.core.alerts import AlertTriage
from commander_app.core.clock import FixedClock
from commander_app.core.model import Status
from commander_app.core.times import to_iso
from commander_app.store.alerts import find_group, ingest, triage
from commander_app.store.incident_log import IncidentLog

# name, service, severity, pods, minutes after the start, summary, runbook?
SEV1_STORM = (
    ("PgbouncerPoolExhausted", "payments-db", "critical", 1, -2,
     "cl_waiting above 20 for 2 minutes", True),
    ("HighErrorRate", "payments-api", "critical", 40, 0, "5xx above 2% of requests", True),
    ("CheckoutLatencyP99", "checkout", "critical", 24, 1, "p99 above 2 s", False),
    ("OrderQueueBacklog", "orders", "warning", 6, 2, "", False),
    ("CdnOriginErrors", "cdn", "warning", 12, 3, "origin 502s above 1%", True),
    ("DiskSpaceLow", "ledger", "warning", 3, 4, "/var above 85%", False),
    ("PodRestarting", "payments-api", "warning", 18, 5, "", False),
)  # fmt: skip


def _alert(
    name: str,
    service: str,
    severity: str,
    pod: int,
    starts: datetime,
    summary: str,
    runbook: bool,
    resolved: datetime | None = None,
) -> dict[str, Any]:
    annotations = {"summary": summary} if summary else {}
    if runbook:
        annotations["runbook_url"] = f"https://wiki.example/runbooks/{name.lower()}"
    return {
        "status": "resolved" if resolved else "firing",
        "labels": {
            "alertname": name,
            "service": service,
            "severity": severity,
            "pod": f"{service}-{pod}",
        },
        "annotations": annotations,
        "startsAt": to_iso(starts),
        "endsAt": to_iso(resolved) if resolved else "0001-01-01T00:00:00Z",
        "fingerprint": f"{name}-{service}-{pod}",
    }


def _parsed(items: list[dict[str, Any]]) -> list[IncomingAlert]:
    parsed = parse_payload({"version": "4", "status": "firing", "alerts": items})
    assert not parsed.problems, parsed.problems
    return parsed.alerts


def sev1_storm(log: IncidentLog, incident: str, start: datetime, *, repeats: int = 4) -> int:
    """The payment failure's alerts from `start`, each re-sent `repeats` times (as
    Alertmanager re-sends a group): about 500 deliveries, 104 alerts, 7 groups."""
    items = [
        _alert(name, service, severity, pod, start + timedelta(minutes=minutes), summary, runbook)
        for name, service, severity, pods, minutes, summary, runbook in SEV1_STORM
        for pod in range(pods)
    ]
    for _ in range(repeats):
        ingest(log, incident, _parsed(items), author="alertmanager")
    return len(items) * repeats


def triage_sev1(log: IncidentLog, incident: str, hypothesis: str | None) -> None:
    """What the scribe sorted by the 50th minute; three groups still unknown."""
    link = (hypothesis, "H1") if hypothesis else None
    for name, verdict in (("PgbouncerPoolExhausted", AlertTriage.CAUSE),
                          ("HighErrorRate", AlertTriage.SYMPTOM),
                          ("CdnOriginErrors", AlertTriage.NOISE),
                          ("DiskSpaceLow", AlertTriage.NOISE)):  # fmt: skip
        group = find_group(log, incident, name)
        linked = link if verdict is not AlertTriage.NOISE else None
        triage(log, incident, group, verdict, hypothesis=linked, author="erin")


def noisy_season(log: IncidentLog, clock: FixedClock, end: datetime) -> list[str]:
    """Twelve incidents over three months: DiskSpaceLow fires at night in most and is
    triaged noise, CdnOriginErrors flaps, CheckoutLatencyP99 fires without context, the
    pool alert is a cause; two incidents were reported by customers before any alert."""
    ids = []
    for n in range(12):
        opened = end - timedelta(days=7 * (12 - n), hours=(n % 5) * 3)
        clock.set(opened)
        incident = log.open_incident(f"Incident {n + 1}: checkout errors", author="alice").id
        ids.append(incident)
        clock.set(opened + timedelta(minutes=1))
        if n in (3, 8):  # a detection miss: the first alert came after the customers
            late = opened + timedelta(minutes=40)
            clock.set(late)
            for item in (_alert("CheckoutLatencyP99", "checkout", "critical", 0, late, "", False),
                         _alert("CheckoutLatencyP99", "checkout", "critical", 0, late, "", False,
                                late + timedelta(minutes=20))):  # fmt: skip
                ingest(log, incident, _parsed([item]), author="am")
                clock.set(late + timedelta(minutes=20))
            log.set_status(incident, Status.RESOLVED, author="alice")
            continue
        news = [  # (when it is told, the alert): firings, flaps, resolves
            (opened, _alert("DiskSpaceLow", "ledger", "critical", 0,
                            opened - timedelta(minutes=30), "/var above 85%", False)),
            (opened, _alert("PgbouncerPoolExhausted", "payments-db", "critical", 0,
                            opened - timedelta(minutes=3), "cl_waiting above 20", True)),
            (opened, _alert("CheckoutLatencyP99", "checkout", "critical", 1, opened, "", False)),
        ]  # fmt: skip
        for flap in range(3):
            up = opened + timedelta(minutes=5 + 10 * flap)
            news.append((up, _alert("CdnOriginErrors", "cdn", "critical", 0, up, "origin 502s",
                                    True)))  # fmt: skip
            down = up + timedelta(minutes=4)
            news.append((down, _alert("CdnOriginErrors", "cdn", "critical", 0, up,
                                      "origin 502s", True, down)))  # fmt: skip
        for first, ended in ((news[0][1], 90), (news[1][1], 30), (news[2][1], 50)):
            until = opened + timedelta(minutes=ended)
            labels = first["labels"]
            news.append((until, _alert(labels["alertname"], labels["service"], "critical",
                                     int(labels["pod"].rsplit("-", 1)[1]), opened,
                                     first["annotations"].get("summary", ""),
                                     "runbook_url" in first["annotations"], until)))  # fmt: skip
        for told, item in sorted(news, key=lambda n: n[0]):
            clock.set(max(told, opened) + timedelta(seconds=1))
            ingest(log, incident, _parsed([item]), author="am")
        for name, verdict in (("DiskSpaceLow", AlertTriage.NOISE),
                              ("PgbouncerPoolExhausted", AlertTriage.CAUSE),
                              ("CdnOriginErrors", AlertTriage.SYMPTOM)):  # fmt: skip
            triage(log, incident, find_group(log, incident, name), verdict, hypothesis=None,
                   author="erin")  # fmt: skip
        clock.set(opened + timedelta(hours=2))
        log.set_status(incident, Status.RESOLVED, author="alice")
    return ids
