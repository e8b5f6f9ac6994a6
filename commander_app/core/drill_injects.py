"""What firing an inject writes into the drill incident: real entries, so the team meets
it with every real feature (alerts in the Alerts pane, questions and findings in the log).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from commander_app.core.alert_payloads import IncomingAlert, labels_fingerprint
from commander_app.core.drill_scenario import Inject, InjectKind, Scenario
from commander_app.core.times import to_iso


@dataclass(frozen=True)
class InjectEffect:
    """Notes to log, and alerts to take in through the normal alert intake."""

    notes: tuple[str, ...] = ()
    alerts: tuple[IncomingAlert, ...] = field(default_factory=tuple)


def effect(
    scenario: Scenario, inject: Inject, now: datetime, commander: str | None
) -> InjectEffect:
    """The entries an inject becomes; `commander`: who holds command as it fires."""
    kind = inject.kind
    if kind is InjectKind.ALERT_STORM:
        return InjectEffect(alerts=storm(scenario, inject, now))
    if kind is InjectKind.EXECUTIVE_ASKS:
        return InjectEffect((f"{inject.who} asks on chat: “{inject.text}”",))
    if kind is InjectKind.FINDING_REVEALED:
        who = f"{inject.who}: " if inject.who else ""
        return InjectEffect((f"Finding revealed — {who}{inject.text}",))
    if kind is InjectKind.STATUS_PAGE_DOWN:
        reason = f" {inject.text}" if inject.text else ""
        return InjectEffect(
            (
                "The status page is unavailable: customer updates cannot be posted there."
                f"{reason} Tell customers another way.",
            )
        )
    if kind is InjectKind.COMMANDER_CALLED_AWAY:
        holder = commander or "The incident commander"
        reason = f" {inject.text}" if inject.text else ""
        return InjectEffect(
            (
                f"{holder} is called away and must leave now: hand over command "
                "(Incident → Hand over command, Ctrl+Shift+H, or "
                f"`commander handoff offer NAME`).{reason}",
            )
        )
    if kind is InjectKind.RUNBOOK_DEPRECATED_TOOL:
        extra = f" {inject.text}" if inject.text else ""
        return InjectEffect(
            (
                f"Runbook {inject.runbook}, step “{inject.step}”: it uses {inject.tool}, "
                f"a deprecated tool. Flag the step and find the current way.{extra}",
            )
        )
    who = f"{inject.who}: " if inject.who else ""
    return InjectEffect((f"{who}{inject.text}",))


def storm(scenario: Scenario, inject: Inject, now: datetime) -> tuple[IncomingAlert, ...]:
    """`count` firing symptom alerts across instances, and the one cause among them."""
    service = inject.service or scenario.setup.service
    started = to_iso(now)
    symptoms = [
        _alert(inject.alertname, service, f"{service}-{n + 1}", started, inject.text, "symptom")
        for n in range(inject.count)
    ]
    cause = _alert(inject.cause, service, f"{service}-upstream", started, inject.text, "cause")
    middle = len(symptoms) // 2  # the cause arrives in the middle of the noise
    return (*symptoms[:middle], cause, *symptoms[middle:])


def _alert(
    name: str, service: str, instance: str, started: str, summary: str, role: str
) -> IncomingAlert:
    labels = {"alertname": name, "service": service, "instance": instance, "drill": "true"}
    words = summary or (f"{name} on {instance}" if role == "symptom" else f"{name} ({service})")
    return IncomingAlert(
        source="alertmanager",
        fingerprint=labels_fingerprint(labels),
        state="firing",
        name=name,
        labels=labels,
        annotations={"summary": words},
        starts_at=started,
        ends_at=None,
    )
