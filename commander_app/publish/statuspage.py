"""Customer updates on an Atlassian Statuspage: one Statuspage incident per Commander incident.

The first update creates the Statuspage incident; every later one PATCHes it, using the
remote incident id the outbox remembered. After a crash mid-send, `find_delivered` looks
for the incident or update that may already exist, so a retry never makes a second one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote

from commander_app.core.model import Severity, Status
from commander_app.publish.channel_settings import checked_settings, how_to_replace_secret
from commander_app.publish.delivery import (
    ChannelConfig,
    Delivered,
    DeliveryContext,
    OutgoingUpdate,
    PermanentFailure,
    RetryableFailure,
)
from commander_app.publish.http_delivery import (
    CLOCK_SKEW,
    HttpTarget,
    as_utc,
    call,
    found_after_doubt,
    parse_time,
    remote_words,
)
from commander_app.publish.redaction import secret_fragments

log = logging.getLogger(__name__)

IMPACT = {
    Severity.SEV1: "critical",
    Severity.SEV2: "major",
    Severity.SEV3: "minor",
    Severity.SEV4: "none",
}
COMPONENT_STATUS = {
    Severity.SEV1: "major_outage",
    Severity.SEV2: "partial_outage",
    Severity.SEV3: "degraded_performance",
    Severity.SEV4: "degraded_performance",
}


class StatuspageChannel:
    """The public status page at Atlassian Statuspage (REST API v1)."""

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config

    def deliver(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered:
        settings = checked_settings(self.config)
        target = self._target(context.secret)
        incidents = self._incidents_url(settings)
        creating = context.remote_incident_id is None
        body = {"incident": self.incident_fields(update, settings, creating=creating)}
        if creating:
            method, url = "POST", incidents
        else:
            method, url = "PATCH", f"{incidents}/{quote(str(context.remote_incident_id))}"
        try:
            reply = call(
                target,
                method,
                url,
                timeout=context.timeout,
                headers=self._headers(context.secret),
                json_body=body,
                about_to_commit=context.about_to_commit,
            )
        except RetryableFailure as failure:
            found = found_after_doubt(failure, self.find_delivered, update, context)
            if found is None:
                raise
            return found
        incident = reply.body
        if not isinstance(incident, dict) or not incident.get("id"):
            raise RetryableFailure(
                f"Statuspage accepted the update for channel '{self.config.name}' but its answer "
                "could not be read; will check and retry.",
                in_doubt=True,
            )
        delivered = self._delivered(incident, update, "created" if creating else "updated")
        log.info("Channel %s: %s", self.config.name, delivered.detail)
        return delivered

    def incident_fields(
        self, update: OutgoingUpdate, settings: dict[str, Any], *, creating: bool
    ) -> dict[str, Any]:
        """The `incident` object Statuspage expects for a create or an update."""
        status = Status(update.status)
        fields: dict[str, Any] = {"name": update.incident_title} if creating else {}
        fields |= {
            "status": status.value,
            "body": update.text,
            "impact_override": IMPACT[Severity(update.severity)],
            "deliver_notifications": bool(
                update.deliver_notifications and settings["deliver_notifications"]
            ),
        }
        ids = [
            settings["components"][s]
            for s in update.affected_services
            if s in settings["components"]
        ]
        if ids:
            if status is Status.RESOLVED:
                component_status = "operational"
            else:
                component_status = (
                    settings.get("component_status") or COMPONENT_STATUS[Severity(update.severity)]
                )
            fields["component_ids"] = list(dict.fromkeys(ids))
            fields["components"] = dict.fromkeys(ids, component_status)
        return fields

    def find_delivered(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered | None:
        settings = checked_settings(self.config)
        target = self._target(context.secret)
        incidents = self._incidents_url(settings)
        headers = self._headers(context.secret)
        if context.remote_incident_id is None:
            if Status(update.status) is Status.RESOLVED:
                url, params = incidents, {"q": update.incident_title, "limit": "50"}
            else:
                url, params = f"{incidents}/unresolved", None
            reply = call(
                target, "GET", url, timeout=context.timeout, headers=headers, params=params
            )
            listed = reply.body if isinstance(reply.body, list) else []
            since = as_utc(context.attempt_started_at) - CLOCK_SKEW
            found: list[tuple[datetime, dict[str, Any]]] = []
            for incident in listed:
                if not isinstance(incident, dict) or not incident.get("id"):
                    continue
                if str(incident["id"]) in context.owned_elsewhere:
                    continue  # another of our incidents: same subject, not this one
                created = parse_time(incident.get("created_at"))
                if (
                    incident.get("name") == update.incident_title
                    and created
                    and created >= since
                    and _carries(incident, update.text)
                ):
                    found.append((created, incident))
            if not found:
                return None
            return self._delivered(min(found, key=lambda pair: pair[0])[1], update, "adopted")
        url = f"{incidents}/{quote(str(context.remote_incident_id))}"
        reply = call(target, "GET", url, timeout=context.timeout, headers=headers)
        incident = reply.body if isinstance(reply.body, dict) else {}
        newest = _newest_update(incident)
        if (
            newest
            and str(newest.get("body") or "").strip() == update.text.strip()
            and newest.get("status") in (None, Status(update.status).value)
        ):
            return self._delivered(incident, update, "adopted")
        return None

    def send_test(self, secret: str, timeout: float = 20.0) -> str:
        settings = checked_settings(self.config)
        page_id = settings["page_id"]
        reply = call(
            self._target(secret),
            "GET",
            f"{settings['base_url']}/pages/{quote(page_id)}",
            timeout=timeout,
            headers=self._headers(secret),
        )
        name = reply.body.get("name") if isinstance(reply.body, dict) else None
        name = remote_words(name, 100) if isinstance(name, str) else None
        page = f"'{name}' ({page_id})" if name else page_id
        return f"Signed in to Statuspage and found page {page}; nothing was published."

    def _delivered(self, incident: dict[str, Any], update: OutgoingUpdate, how: str) -> Delivered:
        incident_id = str(incident["id"])
        updates = [u for u in incident.get("incident_updates") or [] if isinstance(u, dict)]
        mine = [u for u in updates if str(u.get("body") or "").strip() == update.text.strip()]
        chosen = _newest_update({"incident_updates": mine or updates})
        update_id = str(chosen["id"]) if chosen and chosen.get("id") else incident_id
        return Delivered(
            remote_id=update_id,
            remote_incident_id=incident_id,
            detail=f"Statuspage incident {incident_id} {how} ({Status(update.status).value})",
        )

    def _incidents_url(self, settings: dict[str, Any]) -> str:
        return f"{settings['base_url']}/pages/{quote(settings['page_id'])}/incidents"

    def _headers(self, secret: str) -> dict[str, str]:
        if not secret.strip():
            raise PermanentFailure(
                f"No Statuspage API key is stored for channel '{self.config.name}': "
                + how_to_replace_secret(self.config.name, self.config.kind)
            )
        return {"Authorization": f"OAuth {secret.strip()}", "Accept": "application/json"}

    def _target(self, secret: str) -> HttpTarget:
        name = self.config.name
        return HttpTarget(
            channel=name,
            service="Statuspage",
            secret_label="API key",
            fix_secret=how_to_replace_secret(name, self.config.kind),
            not_found=(
                f"Statuspage found no such page or incident for channel '{name}': check the "
                "page id and base URL in Incident → Publishing channels"
            ),
            secrets=secret_fragments(secret),
        )


def _carries(incident: dict[str, Any], text: str) -> bool:
    """Whether one of the incident's updates is this text: a name alone is not enough."""
    updates = incident.get("incident_updates") or []
    return any(
        isinstance(u, dict) and str(u.get("body") or "").strip() == text.strip() for u in updates
    )


def _newest_update(incident: dict[str, Any]) -> dict[str, Any] | None:
    updates = [u for u in incident.get("incident_updates") or [] if isinstance(u, dict)]
    if not updates:
        return None
    dated = [(parse_time(u.get("created_at")), u) for u in updates]
    if any(when is None for when, _ in dated):
        return updates[0]  # Statuspage lists the newest first
    return max(dated, key=lambda pair: pair[0] or as_utc(datetime.min))[1]
