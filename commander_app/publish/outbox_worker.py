"""Draining the outbox: take each due update, hand it to its channel, record the answer.

Runs wherever it is called from: the CLI after `commander send`, or a worker thread
in the window (never the GUI thread: a channel may take its whole timeout). Several
drainers may run at once (the window and a terminal); the store's claim keeps each
update with one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from commander_app.core.drill_text import DRILL_REFUSAL
from commander_app.core.errors import CommanderError
from commander_app.core.model import Audience, Severity, Status
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
Row = TypeVar("Row")
Tried = TypeVar("Tried")
Recorded = TypeVar("Recorded", covariant=True)


def channel_secret(secrets: SecretSource, channel: str) -> tuple[str, tuple[str, ...]]:
    """The channel's secret, read once for an attempt (a keyring read can be slow), and
    every form of it that is blanked from what the attempt stores or logs. A keyring
    that cannot be read gives no secret: the attempt says so in the user's words."""
    try:
        secret = secrets.get(channel) or ""
    except Exception:
        logger.exception("Reading the secret of channel %s failed", channel)
        secret = ""
    return secret, secret_fragments(secret)


def drain(
    claim_next: Callable[[], Row | None],
    attempt: Callable[[Row], Tried],
    should_stop: Callable[[], bool],
    on_attempt: Callable[[Tried], None] = lambda tried: None,
) -> list[Tried]:
    """Claim and try one due row at a time until none is due or the caller stops."""
    attempts: list[Tried] = []
    while not should_stop():
        row = claim_next()
        if row is None:
            break
        tried = attempt(row)
        attempts.append(tried)
        on_attempt(tried)
    return attempts


@dataclass(frozen=True)
class Failure:
    """What a failed attempt stores: the user's next step, and whether and when to retry."""

    message: str
    retryable: bool = False
    retry_after: float | None = None
    in_doubt: bool = False

    @classmethod
    def of(cls, exc: DeliveryError | CommanderError) -> Failure:
        """A channel's refusal or lost answer, or a setting or secret that is missing."""
        if isinstance(exc, DeliveryError):
            in_doubt = exc.in_doubt and exc.retryable
            return cls(exc.message, exc.retryable, exc.retry_after, in_doubt)
        return cls(str(exc))


class RecordsFailure(Protocol[Recorded]):
    def __call__(
        self,
        log: IncidentLog,
        row_id: str,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        in_doubt: bool = False,
    ) -> Recorded: ...


def record_failed(
    record_failure: RecordsFailure[Recorded],
    log: IncidentLog,
    row_id: str,
    failure: Failure,
    forms: tuple[str, ...],
) -> Recorded:
    """The failure stored with the secret blanked in every form. A bug in handling what
    the remote said (a wait no clock can hold) must not leave the row "sending": it is
    recorded with the ordinary wait instead, and the details kept for the log file."""
    cleaned = redact(failure.message, forms)
    try:
        return record_failure(
            log,
            row_id,
            cleaned,
            retryable=failure.retryable,
            retry_after=failure.retry_after,
            in_doubt=failure.in_doubt,
        )
    except (ValueError, OverflowError, TypeError):
        logger.exception("Recording the failure of row %s failed", row_id)
        return record_failure(
            log, row_id, cleaned, retryable=failure.retryable, in_doubt=failure.in_doubt
        )


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


# Runs one claimed row's send: as it is, or with a lease held around it (team sync: one
# laptop at a time sends for an incident and a channel).
AroundSend = Callable[[OutboxEntry, Callable[[], Attempt]], Attempt]


def deliver_due(
    log: IncidentLog,
    secrets: SecretSource,
    *,
    channel_for: ChannelFactory | None = None,
    timeout: float = 20.0,
    should_stop: Callable[[], bool] = lambda: False,
    on_attempt: Callable[[Attempt], None] = lambda attempt: None,
    around: AroundSend | None = None,
) -> list[Attempt]:
    """Deliver everything due now, one update at a time; return what happened."""
    store.recover_interrupted(log)

    def attempt(row: OutboxEntry) -> Attempt:
        def send() -> Attempt:
            return deliver_one(log, row, secrets, channel_for=channel_for, timeout=timeout)

        return send() if around is None else around(row, send)

    return drain(lambda: store.claim_next(log), attempt, should_stop, on_attempt)


def deferred(log: IncidentLog, row: OutboxEntry, message: str, seconds: float) -> Attempt:
    """Not tried now (another laptop holds the channel): due again in `seconds`."""
    return Attempt(store.record_failure(log, row.id, message, retryable=True, retry_after=seconds))


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
    secret, forms = channel_secret(secrets, row.channel)
    with log_redactor.guarding(forms):
        return _deliver_one(log, row, secret, channel_for, timeout, forms)


def _deliver_one(
    log: IncidentLog,
    row: OutboxEntry,
    secret: str,
    channel_for: ChannelFactory | None,
    timeout: float,
    forms: tuple[str, ...],
) -> Attempt:
    def failed(failure: Failure) -> Attempt:
        return Attempt(record_failed(store.record_failure, log, row.id, failure, forms))

    def sent(remote_id: str | None, remote_incident_id: str | None, detail: str) -> Attempt:
        return Attempt(_sent(log, row, remote_id, remote_incident_id, redact(detail, forms)))

    try:
        channel, update, context = _prepare(log, row, secret, channel_for, timeout)
        if log.incident(row.incident_id).is_drill:
            # No drill row should be here (they go to the drill outbox); if one is, by a
            # bug or an imported file, it stops right before the channel is called.
            logger.error("Refused to deliver outbox row %s: it belongs to a drill", row.id)
            return failed(Failure(DRILL_REFUSAL))
        if row.in_doubt:
            found = channel.find_delivered(update, context)
            if found is not None:
                detail = f"{found.detail} (found on the remote after an interrupted send)"
                return sent(found.remote_id, found.remote_incident_id, detail)
        delivered = channel.deliver(update, context)
    except (DeliveryError, CommanderError) as exc:  # or the channel's settings are missing
        return failed(Failure.of(exc))
    except Exception as exc:
        # A bug, not the network: keep the details for the log file, stop this row
        # (not the drain), and tell the user in words that hold no secret.
        logger.exception("Delivering outbox row %s through %s failed", row.id, row.channel)
        return failed(
            Failure(
                f"Commander failed unexpectedly while sending ({type(exc).__name__}). "
                "The update is kept; retry it, or copy the text and send it by hand."
            )
        )
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
    secret: str,
    channel_for: ChannelFactory | None,
    timeout: float,
) -> tuple[Channel, OutgoingUpdate, DeliveryContext]:
    stored = channels.channel(log, row.channel)
    config = channel_config(stored)
    if config.kind is ChannelKind.EMAIL:  # the playbook's stakeholders hear it too
        from commander_app.publish.playbook_recipients import with_playbook_recipients

        config = with_playbook_recipients(config, Audience(row.audience), row.services)
    kind, settings = config.kind, config.settings
    if channel_for is None:
        from commander_app.publish.channels import channel_for as registry

        channel_for = registry
    channel = channel_for(config)
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
