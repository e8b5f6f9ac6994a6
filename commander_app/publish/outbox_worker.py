"""Draining the outbox: take each due update, hand it to its channel, record the answer.

Runs wherever it is called from: the CLI after `commander send`, or a worker thread
in the window (never the GUI thread: a channel may take its whole timeout). Several
drainers may run at once (the window and a terminal); the store's claim keeps each
update with one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from commander_app.core.errors import CommanderError
from commander_app.core.model import Severity, Status
from commander_app.core.outbox import OutboxState
from commander_app.core.times import from_iso
from commander_app.publish.channel_settings import describe
from commander_app.publish.delivery import (
    Channel,
    ChannelConfig,
    ChannelKind,
    DeliveryContext,
    DeliveryError,
    OutgoingUpdate,
)
from commander_app.publish.redaction import guarded_logger, log_redactor, redact, secret_fragments
from commander_app.publish.sending import channel_config
from commander_app.store import channels
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox import OutboxEntry

logger = guarded_logger(__name__)

# Status pages name their incident after the update's subject; chat and email after
# the incident itself.
STATUS_PAGES = frozenset({ChannelKind.STATUSPAGE, ChannelKind.CACHET})


class SecretSource(Protocol):
    def get(self, channel: str) -> str | None: ...


ChannelFactory = Callable[[ChannelConfig], Channel]


@dataclass(frozen=True)
class Attempt:
    """What became of one try, for the CLI's report and the window's status line."""

    entry: OutboxEntry

    @property
    def outcome(self) -> OutboxState:
        return self.entry.state

    def describe(self) -> str:
        row = self.entry
        where = f"{row.audience.value} via {row.channel}"
        if row.state is OutboxState.SENT:
            return f"Sent: update to {where}."
        if row.state is OutboxState.RETRYING:
            return (
                f"Queued — will send when the network is back: update to {where} ({row.last_error})"
            )
        return f"Not sent: update to {where}. {row.last_error}"


def deliver_due(
    log: IncidentLog,
    secrets: SecretSource,
    *,
    channel_for: ChannelFactory | None = None,
    timeout: float = 20.0,
    should_stop: Callable[[], bool] = lambda: False,
    on_attempt: Callable[[Attempt], None] = lambda attempt: None,
) -> list[Attempt]:
    """Deliver everything due now, one update at a time; return what happened."""
    store.recover_interrupted(log)
    attempts: list[Attempt] = []
    while not should_stop():
        row = store.claim_next(log)
        if row is None:
            break
        attempt = deliver_one(log, row, secrets, channel_for=channel_for, timeout=timeout)
        attempts.append(attempt)
        on_attempt(attempt)
    return attempts


def deliver_one(
    log: IncidentLog,
    row: OutboxEntry,
    secrets: SecretSource,
    *,
    channel_for: ChannelFactory | None = None,
    timeout: float = 20.0,
) -> Attempt:
    """One claimed row: check first if an earlier try may have gone out, else send.

    Whatever is stored or shown of the attempt (the error, the remote's detail, a log
    line) has the channel's secret blanked in every form, whichever channel produced it.
    """
    try:
        forms = secret_fragments(secrets.get(row.channel) or "")
    except Exception:  # no keyring: _prepare says so in the user's words
        forms = ()
    with log_redactor.guarding(forms):
        return _deliver_one(log, row, secrets, channel_for, timeout, forms)


def _deliver_one(
    log: IncidentLog,
    row: OutboxEntry,
    secrets: SecretSource,
    channel_for: ChannelFactory | None,
    timeout: float,
    forms: tuple[str, ...],
) -> Attempt:
    def failed(
        message: str, *, retryable: bool, retry_after: float | None = None, in_doubt: bool = False
    ) -> Attempt:
        cleaned = redact(message, forms)
        try:
            entry = store.record_failure(
                log,
                row.id,
                cleaned,
                retryable=retryable,
                retry_after=retry_after,
                in_doubt=in_doubt,
            )
        except (ValueError, OverflowError, TypeError):
            # A bug in handling what the remote said must not leave the row "sending":
            # record it with the ordinary wait instead, and keep the details.
            logger.exception("Recording the failure of outbox row %s failed", row.id)
            entry = store.record_failure(
                log, row.id, cleaned, retryable=retryable, in_doubt=in_doubt
            )
        return Attempt(entry)

    def sent(remote_id: str | None, remote_incident_id: str | None, detail: str) -> Attempt:
        return Attempt(_sent(log, row, remote_id, remote_incident_id, redact(detail, forms)))

    try:
        channel, update, context = _prepare(log, row, secrets, channel_for, timeout)
        if row.in_doubt:
            found = channel.find_delivered(update, context)
            if found is not None:
                detail = f"{found.detail} (found on the remote after an interrupted send)"
                return sent(found.remote_id, found.remote_incident_id, detail)
        delivered = channel.deliver(update, context)
    except DeliveryError as exc:
        return failed(
            exc.message,
            retryable=exc.retryable,
            retry_after=exc.retry_after,
            in_doubt=exc.in_doubt and exc.retryable,
        )
    except CommanderError as exc:  # the channel's settings or secret are missing
        return failed(str(exc), retryable=False)
    except Exception as exc:
        # A bug, not the network: keep the details for the log file, stop this row
        # (not the drain), and tell the user in words that hold no secret.
        logger.exception("Delivering outbox row %s through %s failed", row.id, row.channel)
        message = (
            f"Commander failed unexpectedly while sending ({type(exc).__name__}). "
            "The update is kept; retry it, or copy the text and send it by hand."
        )
        return failed(message, retryable=False)
    return sent(delivered.remote_id, delivered.remote_incident_id, delivered.detail)


def _sent(
    log: IncidentLog,
    row: OutboxEntry,
    remote_id: str | None,
    remote_incident_id: str | None,
    detail: str,
) -> OutboxEntry:
    return store.record_sent(
        log, row.id, remote_id=remote_id, remote_incident_id=remote_incident_id, detail=detail
    )


def _prepare(
    log: IncidentLog,
    row: OutboxEntry,
    secrets: SecretSource,
    channel_for: ChannelFactory | None,
    timeout: float,
) -> tuple[Channel, OutgoingUpdate, DeliveryContext]:
    stored = channels.channel(log, row.channel)
    config = channel_config(stored)
    kind, settings = config.kind, config.settings
    if channel_for is None:
        from commander_app.publish.channels import channel_for as registry

        channel_for = registry
    channel = channel_for(config)
    secret = secrets.get(stored.name) or ""
    description = describe(kind)
    if not secret and (description.secret_required or settings.get("username")):
        raise CommanderError(
            f"No secret is stored on this computer for the channel '{stored.name}'. "
            "Set it again in Incident → Publishing channels, or with "
            f"`commander channel add {kind.value} {stored.name} --replace ...`, then retry "
            "this update."
        )
    update = OutgoingUpdate(
        outbox_id=row.id,
        incident_id=row.incident_id,
        incident_title=row.subject if kind in STATUS_PAGES else row.incident_title,
        audience=row.audience,
        subject=row.subject,
        text=row.text,
        status=Status(row.status),
        severity=Severity(row.severity),
        affected_services=row.services,
        message_id=row.message_id,
        thread_root=(store.thread_root(log, row) or "") if kind is ChannelKind.EMAIL else "",
    )
    context = DeliveryContext(
        secret=secret,
        remote_incident_id=store.remote_incident(log, stored.name, row.incident_id),
        attempt_started_at=from_iso(row.attempt_started_at or row.updated_at),
        timeout=timeout,
        about_to_commit=lambda: store.mark_in_doubt(log, row.id),
        owned_elsewhere=store.remote_incidents_elsewhere(log, stored.name, row.incident_id),
    )
    return channel, update, context
