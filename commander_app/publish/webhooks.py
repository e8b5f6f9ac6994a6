"""Internal updates to chat: a Slack incoming webhook or a Microsoft Teams workflow webhook.

The webhook URL is the only credential (anyone holding it can post), so it is kept in the
keyring as the channel's secret and never shown in a message or log.
"""

from __future__ import annotations

import logging
from typing import Any

from commander_app.publish.channel_settings import how_to_replace_secret
from commander_app.publish.delivery import (
    ChannelConfig,
    Delivered,
    DeliveryContext,
    OutgoingUpdate,
    PermanentFailure,
)
from commander_app.publish.http_delivery import HttpTarget, call
from commander_app.publish.redaction import secret_fragments

log = logging.getLogger(__name__)
TEST_SUBJECT = "Commander test message"


class _WebhookChannel:
    service = ""

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config

    def payload(self, subject: str, text: str) -> dict[str, Any]:
        raise NotImplementedError

    def deliver(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered:
        self._post(context.secret, context.timeout, update.subject, update.text, context)
        log.info("Channel %s: update %s posted", self.config.name, update.outbox_id)
        return Delivered(detail=f"posted to {self.service}")

    def find_delivered(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered | None:
        raise PermanentFailure(
            f"{self.service} webhooks cannot say whether '{update.subject}' arrived: look in "
            f"the chat channel behind '{self.config.name}', then Retry (it may appear twice) "
            "or Cancel."
        )

    def send_test(self, secret: str, timeout: float = 20.0) -> str:
        text = (
            f"This is a test from Commander for channel '{self.config.name}'; please ignore it. "
            "Stakeholder updates will appear here."
        )
        self._post(secret, timeout, TEST_SUBJECT, text, None)
        return f"Posted a test message to {self.service} through channel '{self.config.name}'."

    def _post(
        self, secret: str, timeout: float, subject: str, text: str, context: DeliveryContext | None
    ) -> None:
        name = self.config.name
        if not secret.strip():
            raise PermanentFailure(
                f"No webhook URL is stored for channel '{name}': "
                + how_to_replace_secret(name, self.config.kind)
            )
        target = HttpTarget(
            channel=name,
            service=self.service,
            secret_label="webhook URL",
            fix_secret=how_to_replace_secret(name, self.config.kind),
            not_found=(
                f"{self.service} no longer knows the webhook of channel '{name}' (removed, "
                "archived or mistyped): create a new webhook and store its URL in Incident → "
                "Publishing channels"
            ),
            secrets=secret_fragments(secret),
        )
        call(
            target,
            "POST",
            secret.strip(),
            timeout=timeout,
            headers={"Content-Type": "application/json"},
            json_body=self.payload(subject, text),
            about_to_commit=context.about_to_commit if context else None,
        )


class SlackChannel(_WebhookChannel):
    """A Slack incoming webhook: one message per update, the subject in bold."""

    service = "Slack"

    def payload(self, subject: str, text: str) -> dict[str, Any]:
        return {"text": f"*{slack_escape(subject)}*\n{slack_escape(text)}"}


class TeamsChannel(_WebhookChannel):
    """A Microsoft Teams workflow webhook ("post to a channel when a webhook request is
    received"), which takes an Adaptive Card."""

    service = "Teams"

    def payload(self, subject: str, text: str) -> dict[str, Any]:
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {
                    "type": "TextBlock",
                    "text": subject,
                    "weight": "Bolder",
                    "size": "Medium",
                    "wrap": True,
                },
                {"type": "TextBlock", "text": text, "wrap": True},
            ],
        }
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": card,
                }
            ],
        }


def slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup; these three are all it asks to be escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
