"""Sending an approved update: choose its channels and queue it in the outbox.

Queuing is the whole of "Send" as far as the person is concerned: once queued, the
update is safe on disk and goes out as soon as its channel can be reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from commander_app.core.errors import ValidationError
from commander_app.core.model import Audience
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.channel_settings import describe
from commander_app.publish.delivery import ChannelConfig
from commander_app.store import channels as channel_store
from commander_app.store import outbox as store
from commander_app.store.channels import StoredChannel
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox import OutboxEntry

# Stored beside a channel's own settings: the audiences the user chose for it.
AUDIENCES_KEY = "audiences"


def audiences_served(channel: StoredChannel) -> tuple[Audience, ...]:
    """The audiences the user chose, else the kind's usual ones."""
    named = channel.settings.get(AUDIENCES_KEY)
    if named:
        return tuple(Audience(a) for a in named)
    return usual_audiences(channel.kind, channel.settings)


def usual_audiences(kind: str, settings: Mapping[str, Any]) -> tuple[Audience, ...]:
    """Email: the audiences it (or the playbook) has recipients for; status pages:
    customers; chat: internal."""
    if kind == "email":  # its own recipients, and the playbook's addresses
        from commander_app.publish.playbook_recipients import playbook_addresses

        recipients = settings.get("recipients") or {}
        own = [Audience(a) for a in recipients if recipients[a]]
        return tuple(own + [a for a in Audience if a not in own and playbook_addresses(a)])
    try:
        return describe(kind).audiences
    except ValidationError:
        return ()


def with_audiences(
    kind: str, settings: Mapping[str, Any], chosen: Sequence[Audience]
) -> dict[str, Any]:
    """The settings to store: a choice of audiences is kept only where it differs from the
    usual ones. An email channel serves exactly the audiences it has recipients for."""
    stored = {k: v for k, v in settings.items() if k != AUDIENCES_KEY}
    if not chosen or set(chosen) == set(usual_audiences(kind, stored)):
        return stored
    if kind == "email":
        raise ValidationError(
            "An email channel serves the audiences it has recipients for: give them with "
            "--to AUDIENCE=ADDRESS (in Incident → Publishing channels: Recipients per audience)."
        )
    return {**stored, AUDIENCES_KEY: [a.value for a in dict.fromkeys(chosen)]}


def channel_config(channel: StoredChannel) -> ChannelConfig:
    """A stored channel as its channel module takes it: kind and settings, no audiences."""
    settings = {k: v for k, v in channel.settings.items() if k != AUDIENCES_KEY}
    return ChannelConfig(channel.name, describe(channel.kind).kind, settings)


def channels_for(log: IncidentLog, audience: Audience) -> list[StoredChannel]:
    return [c for c in channel_store.channels(log) if audience in audiences_served(c)]


def queue_update(
    log: IncidentLog,
    incident_id: str,
    audience: Audience,
    subject: str | None,
    text: str,
    *,
    author: str,
    channels: Sequence[str] | None = None,
    next_update_at: datetime | None = None,
    facts: UpdateFacts | None = None,
) -> list[OutboxEntry]:
    """Queue the update for the named channels, or for every channel serving the audience."""
    if channels:
        names = list(channels)
        for name in names:
            served = audiences_served(channel_store.channel(log, name))
            if audience not in served:
                serves = ", ".join(a.value for a in served) or "no audience"
                raise ValidationError(
                    f"The channel '{name}' serves {serves}, not {audience.value}. "
                    "Choose another channel, or add recipients for this audience to it."
                )
    else:
        names = [c.name for c in channels_for(log, audience)]
        if not names and log.incident(incident_id).is_drill:
            pass  # recorded in the drill outbox without a channel
        elif not names:
            raise ValidationError(
                f"No channel is set up for {audience.value} updates. Add one in "
                "Incident → Publishing channels or with `commander channel add`; meanwhile "
                "copy the text, send it by hand and mark it as sent."
            )
    title = log.incident(incident_id).title
    return store.enqueue(
        log,
        incident_id,
        audience,
        names,
        subject or f"Update: {title}",
        text,
        author=author,
        next_update_at=next_update_at,
        facts=facts,
    )
