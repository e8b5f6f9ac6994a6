"""The playbook's stakeholder lists as email recipients: an email channel also writes to
the addresses the playbook names for the update's audience (and for the incident's
services, `by_service`), besides its own. Entries that are not addresses (a chat channel,
a name) are for people to read, not for SMTP."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from commander_app.core.model import Audience
from commander_app.publish.delivery import ChannelConfig

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def playbook_addresses(audience: Audience, services: Sequence[str] = ()) -> tuple[str, ...]:
    from commander_app.store.playbook import in_force

    named = in_force().playbook.recipients(audience, services)
    return tuple(n.strip() for n in named if _ADDRESS.match(n.strip()))


def with_playbook_recipients(
    config: ChannelConfig, audience: Audience, services: Sequence[str]
) -> ChannelConfig:
    """The channel's settings with the playbook's addresses for `audience` added."""
    extra = playbook_addresses(audience, services)
    if not extra:
        return config
    recipients = dict(config.settings.get("recipients") or {})
    have = list(recipients.get(audience.value) or [])
    merged = have + [a for a in extra if a.lower() not in {h.lower() for h in have}]
    settings = {**config.settings, "recipients": {**recipients, audience.value: merged}}
    return replace(config, settings=settings)
