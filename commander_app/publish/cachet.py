"""Customer updates on a self-hosted Cachet 3 status page.

The first update creates the Cachet incident; later ones are incident updates on it.
Cachet speaks numbers: incident status 1–4 (investigating … fixed) and component status
1–4 (operational … major outage).
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
    DeliveryError,
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
)
from commander_app.publish.redaction import secret_fragments

log = logging.getLogger(__name__)

INCIDENT_STATUS = {
    Status.INVESTIGATING: 1,
    Status.IDENTIFIED: 2,
    Status.MONITORING: 3,  # Cachet calls it "watching"
    Status.RESOLVED: 4,  # "fixed"
}
OPERATIONAL = 1
COMPONENT_STATUS = {Severity.SEV1: 4, Severity.SEV2: 3, Severity.SEV3: 2, Severity.SEV4: 2}


class CachetChannel:
    """A Cachet 3 status page, reached with an API token."""

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config

    def deliver(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered:
        settings = checked_settings(self.config)
        creating = context.remote_incident_id is None
        if creating:
            url, body = (
                f"{settings['base_url']}/api/incidents",
                self.incident_fields(update, settings),
            )
        else:
            url = f"{self._incident_url(settings, context.remote_incident_id)}/updates"
            body = {"status": INCIDENT_STATUS[Status(update.status)], "message": update.text}
        try:
            reply = self._call(
                "POST", url, context.secret, context.timeout, body, context.about_to_commit
            )
        except RetryableFailure as failure:
            found = found_after_doubt(failure, self.find_delivered, update, context)
            if found is None:
                raise
            return found
        data = _data(reply.body)
        if data is None:
            raise RetryableFailure(
                f"Cachet accepted the update for channel '{self.config.name}' but its answer "
                "could not be read; will check and retry.",
                in_doubt=True,
            )
        if creating:
            delivered = self._delivered(str(data["id"]), str(data["id"]), update, "created")
        else:
            incident_id = str(context.remote_incident_id)
            delivered = self._delivered(incident_id, str(data["id"]), update, "updated")
            delivered = self._set_components(delivered, update, settings, context)
        log.info("Channel %s: %s", self.config.name, delivered.detail)
        return delivered

    def incident_fields(self, update: OutgoingUpdate, settings: dict[str, Any]) -> dict[str, Any]:
        """The body of a new Cachet incident."""
        fields: dict[str, Any] = {
            "name": update.incident_title,
            "status": INCIDENT_STATUS[Status(update.status)],
            "message": update.text,
            "visible": settings["visible"],
            "notifications": bool(update.deliver_notifications and settings["notifications"]),
        }
        components = self._components(update, settings)
        if components:
            # Cachet 3's contract: components.*.id and components.*.status, both integers.
            fields["components"] = [{"id": c, "status": s} for c, s in components.items()]
        return fields

    def find_delivered(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered | None:
        settings = checked_settings(self.config)
        since = as_utc(context.attempt_started_at) - CLOCK_SKEW
        if context.remote_incident_id is None:
            params = {"filter[name]": update.incident_title, "sort": "-id", "per_page": "50"}
            url = f"{settings['base_url']}/api/incidents"
            found = self._recent(
                url, params, context, since, "name", update.incident_title, message=update.text
            )
            if found is None:
                return None
            return self._delivered(found, found, update, "adopted")
        incident_id = str(context.remote_incident_id)
        url = f"{self._incident_url(settings, incident_id)}/updates"
        params = {"sort": "-created_at", "per_page": "50"}
        found = self._recent(url, params, context, since, "message", update.text)
        if found is None:
            return None
        return self._delivered(incident_id, found, update, "adopted")

    def send_test(self, secret: str, timeout: float = 20.0) -> str:
        """Cachet has no read-only call that needs a token, so an empty incident is offered:
        a valid token gets it refused for its missing fields (422), a wrong one gets 401."""
        settings = checked_settings(self.config)
        url = f"{settings['base_url']}/api/incidents"
        try:
            self._call("POST", url, secret, timeout, {}, None)
        except PermanentFailure as failure:
            if getattr(failure, "http_status", None) not in (400, 422):
                raise
        else:
            raise PermanentFailure(
                f"The server at {settings['base_url']} accepted an empty incident, so it does "
                f"not look like Cachet 3: check the base URL of channel '{self.config.name}'."
            )
        return f"Signed in to Cachet at {settings['base_url']}; nothing was published."

    def _recent(
        self,
        url: str,
        params: dict[str, str],
        context: DeliveryContext,
        since: datetime,
        field: str,
        value: str,
        *,
        message: str | None = None,
    ) -> str | None:
        """The id of the oldest listed item since `since` whose `field` equals `value` (and
        whose message is `message`), that no other local incident owns."""
        reply = self._call("GET", url, context.secret, context.timeout, None, None, params)
        listed = reply.body.get("data") if isinstance(reply.body, dict) else None
        found: list[tuple[datetime, str]] = []
        for item in listed if isinstance(listed, list) else []:
            if not isinstance(item, dict) or item.get("id") is None:
                continue
            attributes = item.get("attributes") or item
            created = parse_time(_created(attributes))
            same = str(attributes.get(field) or "").strip() == value.strip()
            if message is not None:
                same = same and str(attributes.get("message") or "").strip() == message.strip()
            if str(item["id"]) in context.owned_elsewhere:
                continue
            if same and created is not None and created >= since:
                found.append((created, str(item["id"])))
        return min(found)[1] if found else None

    def _set_components(
        self,
        delivered: Delivered,
        update: OutgoingUpdate,
        settings: dict[str, Any],
        context: DeliveryContext,
    ) -> Delivered:
        """Incident updates do not move components; set them too, without failing the update."""
        failed: list[str] = []
        for component_id, status in self._components(update, settings).items():
            url = f"{settings['base_url']}/api/components/{component_id}"
            try:
                self._call("PUT", url, context.secret, context.timeout, {"status": status}, None)
            except DeliveryError as failure:
                log.warning("Channel %s: component %s: %s", self.config.name, component_id, failure)
                failed.append(str(component_id))
        if not failed:
            return delivered
        detail = f"{delivered.detail}; component status not changed for {', '.join(failed)}"
        return Delivered(delivered.remote_id, delivered.remote_incident_id, detail)

    def _components(self, update: OutgoingUpdate, settings: dict[str, Any]) -> dict[int, int]:
        if Status(update.status) is Status.RESOLVED:
            status = OPERATIONAL
        else:
            status = settings.get("component_status") or COMPONENT_STATUS[Severity(update.severity)]
        mapped = settings["components"]
        return {mapped[s]: status for s in update.affected_services if s in mapped}

    def _delivered(
        self, incident_id: str, remote_id: str, update: OutgoingUpdate, how: str
    ) -> Delivered:
        return Delivered(
            remote_id=remote_id,
            remote_incident_id=incident_id,
            detail=f"Cachet incident {incident_id} {how} ({Status(update.status).value})",
        )

    def _incident_url(self, settings: dict[str, Any], incident_id: object) -> str:
        return f"{settings['base_url']}/api/incidents/{quote(str(incident_id))}"

    def _call(
        self,
        method: str,
        url: str,
        secret: str,
        timeout: float,
        body: Any,
        about_to_commit: Any,
        params: dict[str, str] | None = None,
    ) -> Any:
        name = self.config.name
        if not secret.strip():
            raise PermanentFailure(
                f"No Cachet API token is stored for channel '{name}': "
                + how_to_replace_secret(name, self.config.kind)
            )
        target = HttpTarget(
            channel=name,
            service="Cachet",
            secret_label="API token",
            fix_secret=how_to_replace_secret(name, self.config.kind),
            not_found=(
                f"Cachet found no such incident or component for channel '{name}': check the "
                "base URL and component ids in Incident → Publishing channels"
            ),
            secrets=secret_fragments(secret),
        )
        headers = {
            "Authorization": f"Bearer {secret.strip()}",
            "Accept": "application/vnd.api+json, application/json",
        }
        return call(
            target,
            method,
            url,
            timeout=timeout,
            headers=headers,
            json_body=body,
            params=params,
            about_to_commit=about_to_commit,
        )


def _data(body: Any) -> dict[str, Any] | None:
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) and data.get("id") is not None else None


def _created(attributes: dict[str, Any]) -> Any:
    created = attributes.get("created")
    if isinstance(created, dict):
        return created.get("string")
    return created or attributes.get("created_at")
