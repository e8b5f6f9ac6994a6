"""Logs full of follow-ups: many incidents' worth written in one transaction (the benchmark),
or a handful written through the store as people would (the screenshot)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from commander_app.core.clock import FixedClock
from commander_app.core.events import opened_body
from commander_app.core.follow_ups import FollowUpRequest, follow_up_body
from commander_app.core.ids import new_ulid
from commander_app.core.model import Ack, Event, FollowUpState, FollowUpType, Kind, Severity
from commander_app.core.times import to_iso
from commander_app.store import follow_ups as store
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog

SERVICES = ("checkout", "payments", "search", "auth", "ledger", "kafka", "cdn", "billing")
SYMPTOMS = ("500s", "latency", "timeouts", "lag", "errors", "outage", "slow pages")
VERBS = (
    "Add an alert on {svc} {sym}",
    "Document the {svc} failover in the runbook",
    "Add a canary stage to the {svc} deploy",
    "Load-test {svc} at twice the peak",
    "Remove the manual step from the {svc} rollback",
    "Add a health check for {svc} {sym}",
)
PEOPLE = ("Kim", "Lee", "Dana", "Ravi", "Ana", "Tomás", "Mei", "Jo")
SEVERITIES = (Severity.SEV1, Severity.SEV2, Severity.SEV2, Severity.SEV3, Severity.SEV3)


def _event(incident_id: str, kind: Kind, body: dict, author: str, at: datetime) -> Event:
    moment = to_iso(at)
    return Event(new_ulid(at), incident_id, kind, body, author, "bench", moment, moment)


def bulk_follow_ups(log: IncidentLog, incidents: int, items: int, now: datetime, seed: int) -> None:
    """`incidents` over the two years before `now`, `items` follow-ups spread among them: the
    old ones mostly closed, the open ones accepted, offered, declined or nobody's, some
    overdue. One transaction for the events, then the projections are folded from them."""
    rng = random.Random(seed)
    events: list[Event] = []
    per_incident = [
        items // incidents + (1 if n < items % incidents else 0) for n in range(incidents)
    ]
    for n, count in enumerate(per_incident):
        opened = now - timedelta(days=730) * (1 - n / incidents) - timedelta(hours=1)
        svc, sym = rng.choice(SERVICES), rng.choice(SYMPTOMS)
        severity = rng.choice(SEVERITIES)
        incident_id = new_ulid(opened)
        drill = rng.random() < 0.05
        title = f"{'Drill: ' if drill else ''}{svc} {sym} #{n}"
        events.append(
            _event(
                incident_id,
                Kind.INCIDENT,
                opened_body(title, severity, drill, "ada"),
                "ada",
                opened,
            )
        )
        age = (now - opened).days
        for k in range(count):
            written = opened + timedelta(minutes=10 + k)
            owner = None if rng.random() < 0.1 else rng.choice(PEOPLE)
            text = rng.choice(VERBS).format(svc=svc, sym=sym)
            request = FollowUpRequest(text, owner=owner, type=rng.choice(list(FollowUpType)))
            body = follow_up_body(request, severity, written, [])
            item = _event(incident_id, Kind.ACTION, body, "ada", written)
            events.append(item)
            later = written + timedelta(hours=2)
            answer = rng.random()
            if owner and answer < 0.7:
                ack = Ack.ACCEPTED if answer < 0.6 else Ack.DECLINED
                reply = {"ref": item.id, "ack": ack.value, "text": f"{owner} answers: {text}"}
                if ack is Ack.DECLINED:
                    reply["reason"] = "not my team's service"
                events.append(_event(incident_id, Kind.ACTION, reply, owner, later))
            if rng.random() < (0.8 if age > 60 else 0.3):
                state = FollowUpState.DONE if rng.random() < 0.85 else FollowUpState.WONT
                move = {"ref": item.id, "state": state.value, "text": f"Closed: {text}"}
                if state is FollowUpState.DONE:
                    move |= {"done": True, "evidence": "https://git.example/pr/1"}
                else:
                    move["reason"] = "the service was retired"
                events.append(
                    _event(incident_id, Kind.ACTION, move, "ada", later + timedelta(days=3))
                )
    with write_transaction(log.conn):
        log.insert_events(events)
    log.rebuild_projection()


def realistic_follow_ups(log: IncidentLog, clock: FixedClock) -> None:
    """A team's open items after a few weeks of incidents, written as people would."""

    def item(incident_id: str, text: str, owner: str | None, **extra: object) -> str:
        return store.add_follow_up(
            log,
            incident_id,
            FollowUpRequest(text, owner=owner, **extra),
            author="ada",  # type: ignore[arg-type]
        ).id

    start = clock.now()
    clock.set(start - timedelta(days=40))
    march = log.open_incident(
        "Checkout 500s after the pool change", severity=Severity.SEV1, author="ada"
    )
    a = item(march.id, "Add a canary stage to the checkout deploy", "Kim")
    store.answer(log, march.id, a, Ack.ACCEPTED, author="Kim")
    b = item(march.id, "Alert on connection-pool saturation, not only on 500s", "Lee")
    store.answer(log, march.id, b, Ack.ACCEPTED, author="Lee")
    store.move(log, march.id, b, FollowUpState.IN_PROGRESS, author="Lee")
    c = item(march.id, "Document the pool-size rollback in the checkout runbook", "Dana")
    store.answer(log, march.id, c, Ack.ACCEPTED, author="Dana")
    store.move(
        log,
        march.id,
        c,
        FollowUpState.DONE,
        evidence="https://wiki.example/runbooks/checkout#pool",
        author="Dana",
    )
    clock.set(start - timedelta(days=28))
    search = log.open_incident(
        "Search latency during the reindex", severity=Severity.SEV2, author="ada"
    )
    item(search.id, "Throttle the nightly reindex to half the cluster", "Ravi")
    d = item(search.id, "Add a health check on search p99", "Mei")
    store.answer(
        log, search.id, d, Ack.DECLINED, reason="search is the platform team's", author="Mei"
    )
    e = item(search.id, "Load-test search at twice the peak", "Ana")
    store.answer(log, search.id, e, Ack.ACCEPTED, author="Ana")
    clock.set(start - timedelta(days=10))
    kafka = log.open_incident(
        "Kafka consumer lag on payments", severity=Severity.SEV1, author="ada"
    )
    f = item(kafka.id, "Page on consumer lag above five minutes", "Tomás")
    store.answer(log, kafka.id, f, Ack.ACCEPTED, author="Tomás")
    item(kafka.id, "Make the payments consumer restart without a manual step", None)
    g = item(kafka.id, "Review partition counts in every service's launch checklist", "Jo")
    store.answer(log, kafka.id, g, Ack.ACCEPTED, author="Jo")
    clock.set(start - timedelta(days=5))
    drill = log.open_incident(
        "Drill: lose eu-west", severity=Severity.SEV2, drill=True, author="ada"
    )
    item(drill.id, "Write the region-failover checklist down", "Kim")
    clock.set(start)
