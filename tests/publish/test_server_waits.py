"""A server's Retry-After is honoured only within bounds: `inf`, `nan`, a 400-digit number
or a date in year 9999 leave the update waiting to retry, never a crashed send."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from commander_app.core.model import Audience
from commander_app.core.outbox import LONGEST_REMOTE_WAIT, OutboxState
from commander_app.core.times import from_iso
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.outbox_worker import deliver_due
from commander_app.publish.secrets import SecretStore
from commander_app.store import channels
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog


@pytest.mark.parametrize(
    "retry_after",
    ["inf", "-inf", "nan", "1e400", "9" * 400, "soon", "Fri, 31 Dec 9999 23:59:59 GMT", ""],
)
def test_any_retry_after_leaves_the_update_waiting(
    log: IncidentLog, incident_id: str, httpserver: HTTPServer, retry_after: str
) -> None:
    httpserver.expect_request("/hook").respond_with_data(
        "slow down", status=429, headers={"Retry-After": retry_after}
    )
    channels.save_channel(log, "chat", "slack", {})
    SecretStore().set("chat", httpserver.url_for("/hook"))
    store.enqueue(
        log, incident_id, Audience.INTERNAL, ["chat"], "Checkout", "Investigating.",
        author="cara", facts=UpdateFacts(),
    )  # fmt: skip
    [attempt] = deliver_due(log, SecretStore(), timeout=5.0)
    assert attempt.outcome is OutboxState.RETRYING
    assert "rate-limiting" in (attempt.entry.last_error or "")
    due = store.entry(log, attempt.entry.id).next_attempt_at
    assert due is not None
    assert from_iso(due) <= log.clock.now() + LONGEST_REMOTE_WAIT * 1.3


@pytest.mark.parametrize("headers", [{"X-RateLimit-Remaining": "0"}, {"Retry-After": "30"}])
def test_a_403_is_a_refusal_for_every_channel_but_github(
    log: IncidentLog, incident_id: str, httpserver: HTTPServer, headers: dict[str, str]
) -> None:
    """Only GitHub answers a rate limit with 403; a chat webhook's or a status page's 403
    (whose rate-limit headers ride on every answer) is a refused secret, said at once."""
    httpserver.expect_request("/hook").respond_with_data("forbidden", status=403, headers=headers)
    channels.save_channel(log, "chat", "slack", {})
    SecretStore().set("chat", httpserver.url_for("/hook"))
    store.enqueue(
        log, incident_id, Audience.INTERNAL, ["chat"], "Checkout", "Investigating.",
        author="cara", facts=UpdateFacts(),
    )  # fmt: skip
    [attempt] = deliver_due(log, SecretStore(), timeout=5.0)
    assert attempt.outcome is OutboxState.FAILED
    assert "refused (403)" in (attempt.entry.last_error or "")
