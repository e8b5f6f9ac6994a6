"""One HTTP call to a status page or chat webhook, and what its failure means for the user.

Status pages and webhooks fail the same few ways; this module turns each into a
RetryableFailure or PermanentFailure whose message names the channel and the fix.
API keys, tokens and webhook URLs (the URL is the secret) never reach a message, an
exception chain or a log line: requests' own exception texts quote the URL, so they
are never passed on, and urllib3's debug log is redacted while a call is in flight.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from commander_app.core.terminal_text import printable
from commander_app.publish.delivery import (
    DeliveryError,
    PermanentFailure,
    RetryableFailure,
)
from commander_app.publish.redaction import log_redactor, redact, scrub

Sent = TypeVar("Sent")
Context = TypeVar("Context")
Found = TypeVar("Found")

CONNECT_TIMEOUT = 10.0  # seconds; the read timeout is the attempt's own
# Between this laptop's clock and a status page's, when adopting an incident it created.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class HttpTarget:
    """Who a call goes to, in the words its error messages need."""

    channel: str  # the channel's name, as the user configured it
    service: str  # "Statuspage", "Cachet", "Slack", "Teams"
    secret_label: str  # "API key", "API token", "webhook URL"
    fix_secret: str  # how the user replaces the secret
    not_found: str  # what a 404 means for this service
    secrets: tuple[str, ...] = field(default=(), repr=False)
    # GitHub answers a rate limit with 403 as often as 429; anywhere else a 403 is a
    # refusal, whatever rate-limit headers ride on it (Cachet sends them on every answer).
    forbidden_may_be_rate_limit: bool = False
    sends: str = "update"  # what the call carries, in its messages: "update", "issue"
    fix_what_was_sent: str = "the update, then Retry"  # after "fix the channel settings or"


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: Any  # decoded JSON, or None
    text: str


def call(
    target: HttpTarget,
    method: str,
    url: str,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    params: Mapping[str, str] | None = None,
    about_to_commit: Callable[[], None] | None = None,
) -> HttpReply:
    """Make one request and return its 2xx reply, or raise the DeliveryError it means.

    A refusal by the remote carries its HTTP status as `http_status` on the error.

    `about_to_commit` is called right before a request that changes the remote; a lost
    answer after that raises a RetryableFailure marked `in_doubt`.
    """
    import requests

    failure: DeliveryError | None = None
    with log_redactor.guarding(target.secrets):
        if about_to_commit is not None:
            about_to_commit()
        try:
            response = requests.request(
                method,
                url,
                headers=dict(headers or {}),
                json=json_body,
                params=params,
                timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            failure = _network_failure(exc, target, url, timeout, committed=bool(about_to_commit))
    if failure is not None:
        raise failure  # outside the except block: no chained exception quotes the URL
    # Both the text and what it decodes to: JSON escapes a URL's slashes as \/, so the
    # text can hide a secret that the decoded body quotes plainly.
    text = redact(response.text, target.secrets)
    body = scrub(_json_or_none(response), target.secrets)
    if 200 <= response.status_code < 300:
        return HttpReply(response.status_code, body, text)
    refusal = _status_failure(
        target, response.status_code, body, text, response.headers, committed=bool(about_to_commit)
    )
    refusal.http_status = response.status_code  # type: ignore[attr-defined]
    raise refusal


def _json_or_none(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _network_failure(
    exc: Exception, target: HttpTarget, url: str, timeout: float, *, committed: bool
) -> DeliveryError:
    import ssl

    import requests

    host = urlsplit(url).hostname or "the server"
    chain = _causes(exc)
    who = f"{target.service} at {host} (channel '{target.channel}')"
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain):
        return PermanentFailure(
            f"The TLS certificate of {host} could not be verified for channel "
            f"'{target.channel}': check the address, or the proxy that intercepts HTTPS."
        )
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return PermanentFailure(
            f"The address for channel '{target.channel}' is not a valid URL: {target.fix_secret}"
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return RetryableFailure(f"Could not connect to {who} within the timeout; will retry.")
    if any(_is_name_resolution(e) for e in chain):
        return RetryableFailure(
            f"Host name {host} not found (DNS) for channel '{target.channel}': "
            "offline or a typo in the address; will retry."
        )
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return RetryableFailure(f"{who} refused the connection; will retry.")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        message = f"{who} did not answer within {timeout:g} s"
    else:
        message = f"The connection to {who} was lost"
    if committed:
        return RetryableFailure(
            f"{message}; it may have taken the {target.sends}, will check and retry.",
            in_doubt=True,
        )
    return RetryableFailure(f"{message}; will retry.")


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or any(current is s for s in seen) or len(seen) > 20:
            continue
        seen.append(current)
        pending += [current.__cause__, current.__context__]
        pending += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        pending.append(getattr(current, "reason", None))
    return seen


def _is_name_resolution(exc: BaseException) -> bool:
    import socket

    return isinstance(exc, socket.gaierror) or type(exc).__name__ == "NameResolutionError"


def _status_failure(
    target: HttpTarget,
    status: int,
    body: Any,
    text: str,
    headers: Mapping[str, str],
    *,
    committed: bool = False,
) -> DeliveryError:
    reason = short_reason(body, text)
    said = f" ({reason})" if reason else ""
    where = f"channel '{target.channel}'"
    forbidden_rate_limit = status == 403 and target.forbidden_may_be_rate_limit
    if status in (429, 420) or (forbidden_rate_limit and _rate_limited(headers)):
        wait = retry_after_seconds(headers)
        if wait is None:
            wait = _rate_limit_reset_seconds(headers)
        when = f"in {wait:g} s" if wait is not None else "later"
        return RetryableFailure(
            f"{target.service} is rate-limiting {where}; will retry {when}.", retry_after=wait
        )
    if status >= 500 and status != 503 and committed:
        # The update had reached the server: it may have been taken before the error (a
        # gateway's 502/504 after the backend wrote it). Look before sending it again.
        # 503 is the server saying it is unavailable, not working: an ordinary retry.
        return RetryableFailure(
            f"{target.service} had a server error {status}{said} after receiving the "
            f"{target.sends}; it may have taken it, so Commander will check before sending it "
            "again.",
            in_doubt=True,
        )
    if status >= 500:
        return RetryableFailure(f"{target.service} had a server error {status}{said}; will retry.")
    if status in (401, 403):
        return PermanentFailure(
            f"The {target.service} {target.secret_label} was refused ({status}) for {where}: "
            f"{target.fix_secret}"
        )
    if status in (404, 410):
        return PermanentFailure(f"{target.not_found} ({status}){said}.")
    if status in (400, 422):
        return PermanentFailure(
            f"{target.service} rejected the {target.sends} for {where}{said or f' ({status})'}: "
            f"fix the channel settings or {target.fix_what_was_sent}."
        )
    if 300 <= status < 400:
        return PermanentFailure(
            f"{target.service} answered with a redirect ({status}) for {where}: "
            "check the base URL (https, no trailing path)."
        )
    return PermanentFailure(
        f"{target.service} refused the {target.sends} for {where} ({status}){said}."
    )


def _rate_limited(headers: Mapping[str, str]) -> bool:
    """Whether GitHub's 403 is its rate limit: Retry-After (secondary limits) or no
    requests left (`x-ratelimit-remaining: 0`) tell it from a refusal."""
    remaining = (headers.get("x-ratelimit-remaining") or "").strip()
    return bool((headers.get("Retry-After") or "").strip()) or remaining == "0"


def _rate_limit_reset_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds until `x-ratelimit-reset` (epoch seconds), by the server's own clock."""
    try:
        reset = float((headers.get("x-ratelimit-reset") or "").strip())
    except ValueError:
        return None
    if not math.isfinite(reset):
        return None
    now = _server_now(headers) or datetime.now(UTC)
    return max(0.0, reset - now.timestamp())


def short_reason(body: Any, text: str, limit: int = 200) -> str:
    """The remote's own words for a refusal: its error field, else the start of its text."""
    found: list[str] = []
    if isinstance(body, Mapping):
        # Jira puts its words in errorMessages (a list) beside errors (field → text).
        for key in ("error", "errorMessages", "errors", "message", "detail", "title"):
            _flatten(body.get(key), found)
            if found:
                break
    elif body is None:
        found.append(text.strip())
    else:
        _flatten(body, found)
    return remote_words("; ".join(f for f in found if f), limit)


def remote_words(text: str, limit: int = 200) -> str:
    """A remote's own words as Commander keeps and shows them: one line, control and bidi
    characters shown as escapes (never obeyed), at most `limit` characters. Blank the
    secrets first: a cut could leave part of one."""
    head = text[: 8 * limit]  # a 10 MB answer is not split into words to keep 200
    words = " ".join(printable(head).split())
    if len(words) <= limit and len(head) == len(text):
        return words
    return words[: limit - 1].rstrip() + "…"


def _flatten(value: Any, into: list[str]) -> None:
    if isinstance(value, str):
        into.append(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            sub: list[str] = []
            _flatten(item, sub)
            into += [f"{key}: {s}" for s in sub]
    elif isinstance(value, list | tuple):
        for item in value:
            _flatten(item, into)
    elif value is not None:
        into.append(str(value))


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Retry-After as seconds to wait: given in seconds, or as an HTTP date."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:  # "inf", "nan" and 1e400 parse as floats: a wait only when finite
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now or _server_now(headers) or datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


def _server_now(headers: Mapping[str, str]) -> datetime | None:
    """The server's own clock, so a skewed laptop clock does not stretch the wait."""
    try:
        when = parsedate_to_datetime(headers.get("Date") or "")
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 time from an API, as aware UTC (a time without zone is taken as UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return as_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def as_utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def found_after_doubt(
    failure: DeliveryError,
    find: Callable[[Sent, Context], Found | None],
    sent: Sent,
    context: Context,
) -> Found | None:
    """Right after a failure in doubt (a lost answer): whether the remote took what was
    sent anyway, an update or an issue. Best effort: a failure to look is no answer, and
    the attempt waits in doubt. None at once for a failure that is not in doubt."""
    if not failure.in_doubt:
        return None
    try:
        return find(sent, context)
    except DeliveryError:
        return None
