"""Pushing follow-ups to their trackers, and reading the trackers' state back.

Like the outbox worker: each due push is claimed, a push that may already have reached
the tracker is looked for there first, and whatever is stored or shown of an attempt has
the channel's secret blanked. Offline, pushes wait and go out when the tracker answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from commander_app.core.bodies import read_action
from commander_app.core.errors import CommanderError
from commander_app.core.model import Kind
from commander_app.core.outbox import OutboxState
from commander_app.core.times import from_iso
from commander_app.core.tracker import TRACKER_NAMES, is_news, remote_change_body, remote_issue
from commander_app.publish.delivery import ChannelConfig, DeliveryError
from commander_app.publish.outbox_worker import (
    Failure,
    SecretSource,
    channel_secret,
    drain,
    record_failed,
)
from commander_app.publish.redaction import guarded_logger, log_redactor, redact
from commander_app.publish.sending import channel_config
from commander_app.publish.trackers import PushContext, Tracker, create_once, issue_as_kept
from commander_app.store import board as board_store
from commander_app.store import channels
from commander_app.store import tracker_pushes as store
from commander_app.store.follow_ups import FollowUpFilter, follow_ups
from commander_app.store.incident_log import IncidentLog
from commander_app.store.tracker_pushes import TrackerPush

logger = guarded_logger(__name__)

TrackerFactory = Callable[[ChannelConfig], Tracker]


@dataclass(frozen=True)
class PushAttempt:
    push: TrackerPush

    @property
    def outcome(self) -> OutboxState:
        return self.push.state

    def describe(self) -> str:
        row = self.push
        what = f"{row.request.number} “{row.request.title}”"
        if row.state is OutboxState.SENT:
            return f"Pushed: {what} is {row.remote_key} ({row.remote_url})."
        if row.state is OutboxState.RETRYING:
            return (
                f"Queued — will push when {row.channel} answers: {what} ({row.last_error}) "
                f"(push {row.id[:10]})"
            )
        return f"Not pushed: {what} to {row.channel}. {row.last_error} {row.way_out()}"


def push_due(
    log: IncidentLog,
    secrets: SecretSource,
    *,
    tracker_for: TrackerFactory | None = None,
    timeout: float = 20.0,
    should_stop: Callable[[], bool] = lambda: False,
    on_attempt: Callable[[PushAttempt], None] = lambda attempt: None,
) -> list[PushAttempt]:
    """Push everything due now, one follow-up at a time; return what happened."""
    store.recover_interrupted(log)
    return drain(
        lambda: store.claim_next(log),
        lambda row: push_one(log, row, secrets, tracker_for=tracker_for, timeout=timeout),
        should_stop,
        on_attempt,
    )


def push_one(
    log: IncidentLog,
    row: TrackerPush,
    secrets: SecretSource,
    *,
    tracker_for: TrackerFactory | None = None,
    timeout: float = 20.0,
) -> PushAttempt:
    secret, forms = channel_secret(secrets, row.channel)
    with log_redactor.guarding(forms):
        return _push_one(log, row, secret, tracker_for, timeout, forms)


def _push_one(
    log: IncidentLog,
    row: TrackerPush,
    secret: str,
    tracker_for: TrackerFactory | None,
    timeout: float,
    forms: tuple[str, ...],
) -> PushAttempt:
    def failed(failure: Failure) -> PushAttempt:
        return PushAttempt(record_failed(store.record_failure, log, row.id, failure, forms))

    try:
        tracker = _tracker(log, row.channel, secret, tracker_for)
        context = PushContext(
            secret=secret,
            attempt_started_at=from_iso(row.attempt_started_at or row.updated_at),
            timeout=timeout,
            about_to_commit=lambda: store.mark_in_doubt(log, row.id),
        )
        issue = tracker.find_created(row.request, context) if row.in_doubt else None
        if issue is None:
            issue = create_once(tracker, row.request, context)
        kept = issue_as_kept(issue, forms, created=True)
    except (DeliveryError, CommanderError) as exc:
        return failed(Failure.of(exc))
    except Exception as exc:
        logger.exception("Pushing follow-up %s through %s failed", row.action_id, row.channel)
        return failed(
            Failure(
                f"Commander failed unexpectedly while pushing ({type(exc).__name__}). The "
                "push is kept; retry it."
            )
        )
    return PushAttempt(store.record_pushed(log, row.id, kept))


def _tracker(
    log: IncidentLog, name: str, secret: str, tracker_for: TrackerFactory | None
) -> Tracker:
    stored = channels.channel(log, name)
    config = channel_config(stored)
    if tracker_for is None:
        from commander_app.publish.trackers import tracker_for as registry

        tracker_for = registry
    if not secret:
        raise CommanderError(
            f"No token is stored on this computer for the channel '{stored.name}'. Set it "
            f"again with `commander channel add {stored.kind} {stored.name} --replace "
            "--secret-stdin`, then retry the push."
        )
    return tracker_for(config)


@dataclass(frozen=True)
class PullResult:
    changed: list[str]  # what the log now says, one line per changed issue
    problems: list[str]  # trackers that could not be asked, in the user's words


def pull_states(
    log: IncidentLog,
    secrets: SecretSource,
    *,
    tracker_for: TrackerFactory | None = None,
    timeout: float = 20.0,
    author: str = "tracker",
) -> PullResult:
    """Ask each tracker how its pushed follow-ups stand; log what changed.

    Items closed in Commander are asked too: an issue reopened there is worth a line.
    Each channel's secret is read once for the whole pull.
    """
    now = log.clock.now()
    rows = follow_ups(log, now, FollowUpFilter(include_closed=True, include_drills=True))
    read: dict[str, tuple[str, tuple[str, ...]]] = {}
    changed: list[str] = []
    problems: list[str] = []
    for row in rows:
        for name, known in sorted(row.trackers.items()):
            before = remote_issue(known)
            if name not in read:
                read[name] = channel_secret(secrets, name)
            secret, forms = read[name]
            with log_redactor.guarding(forms):
                try:
                    tracker = _tracker(log, name, secret, tracker_for)
                    now_issue = tracker.read_state(before, secret, timeout)
                    now_issue = issue_as_kept(now_issue, forms, created=False)
                except (DeliveryError, CommanderError) as exc:
                    problems.append(redact(f"{before.key}: {Failure.of(exc).message}", forms))
                    continue
            if not is_news(before, now_issue):
                continue  # the usual answer: no need to read the incident's board
            action = board_store.board(log, row.incident_id).action(row.id)
            if action is None:
                continue
            body = remote_change_body(action, before, now_issue)
            if body is None:
                continue
            event = log.append(row.incident_id, Kind.ACTION, body, author=author)
            text = read_action(event)["text"]
            changed.append(f"{row.number} ({TRACKER_NAMES[before.kind]}): {text}")
    return PullResult(changed, problems)
