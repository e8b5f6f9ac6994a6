"""One pull of Alertmanager's alert list (`GET /api/v2/alerts`) over HTTP, bounded.

The answer is untrusted: at most `MAX_ANSWER` bytes are read (more is refused, never
held), it must be JSON of the API's shape (`core.alert_pull.read_pulled`), and a
password or token never reaches a message: requests' own exception texts quote the URL,
so they are never passed on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from commander_app.core.alert_payloads import ParsedAlerts
from commander_app.core.alert_pull import API_PATH, PullQuery, check_query, read_pulled
from commander_app.core.errors import CommanderError, ValidationError
from commander_app.core.terminal_text import printable
from commander_app.publish.redaction import redact

MAX_ANSWER = 20 * 1024 * 1024  # 10,000 alerts with their annotations fit in well under this
CONNECT_TIMEOUT = 10.0
CHUNK = 64 * 1024


@dataclass(frozen=True)
class PullAddress:
    query: PullQuery
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.password,) if s)


def pull_address(
    url: str, filters: Sequence[str] = (), receiver: str | None = None, *, suppressed: bool = True
) -> PullAddress:
    """The user's URL (`http://alertmanager:9093`, or the API's own address) made the
    API's address; a user and password in it are kept apart, never shown again."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(f"{_shown(text)} is not a web address.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            f"{_shown(text)} is not an Alertmanager address: give http://HOST:9093 "
            "(or its https:// address)."
        )
    if parts.query or parts.fragment:
        raise ValidationError(
            "Give the Alertmanager address without a query; use --filter and --receiver."
        )
    path = parts.path.rstrip("/")
    if not path.endswith(API_PATH):
        path += API_PATH
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port is None else f"{host}:{port}"
    check_query(filters, receiver)
    query = PullQuery(
        urlunsplit((parts.scheme, netloc, path, "", "")),
        tuple(f.strip() for f in filters),
        receiver,
        suppressed,
    )
    return PullAddress(query, parts.username, parts.password)


def _shown(url: str) -> str:
    """A URL fit for a message: any user and password taken out."""
    try:
        parts = urlsplit(url)
        if parts.username or parts.password:
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
            return urlunsplit((parts.scheme, host + port, parts.path, "", ""))
    except ValueError:
        return "That address"
    return url[:200]


class PullError(CommanderError):
    """Alertmanager could not be asked, or did not answer as its API says."""


def pull(address: PullAddress, *, token: str | None = None, timeout: float = 30.0) -> ParsedAlerts:
    import requests

    query = address.query
    where = urlsplit(query.url).netloc
    secrets = tuple(s for s in (*address.secrets, token) if s)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    auth = (address.username, address.password or "") if address.username else None
    failure: str | None = None
    try:
        response = requests.get(
            query.url,
            params=query.params,
            headers=headers,
            auth=auth,
            timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
            allow_redirects=False,
            stream=True,
        )
    except requests.exceptions.ConnectTimeout:
        failure = f"Alertmanager at {where} did not answer within {CONNECT_TIMEOUT:.0f} s."
    except requests.exceptions.ReadTimeout:
        failure = f"Alertmanager at {where} did not send its alerts within {timeout:.0f} s."
    except requests.exceptions.SSLError:
        failure = f"The TLS certificate of {where} could not be verified."
    except requests.RequestException:
        failure = f"Cannot reach Alertmanager at {where}: check the address and the network."
    if failure is not None:
        raise PullError(failure + " Nothing was written; pull again when it answers.")
    with response:
        body = _bounded(response, where)
        status = response.status_code
    if status != 200:
        reason = printable(redact(body[:300].decode("utf-8", "replace"), secrets)).strip()
        raise PullError(_refusal(status, where, reason))
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise PullError(
            f"What {where} answered is not JSON: is this Alertmanager's address?"
        ) from None
    return read_pulled(payload)


def _bounded(response: object, where: str) -> bytes:
    import requests

    assert isinstance(response, requests.Response)
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER:
        raise PullError(_too_big(where))
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > MAX_ANSWER:
                raise PullError(_too_big(where))
            chunks.append(chunk)
    except requests.RequestException:
        raise PullError(
            f"Alertmanager at {where} broke off its answer; nothing was written."
        ) from None
    return b"".join(chunks)


def _too_big(where: str) -> str:
    return (
        f"Alertmanager at {where} answered more than {MAX_ANSWER // (1024 * 1024)} MB; "
        "nothing was written. Narrow the pull with --filter or --receiver."
    )


def _refusal(status: int, where: str, reason: str) -> str:
    said = f" ({reason[:200]})" if reason else ""
    if status in (401, 403):
        return (
            f"{where} refused the pull ({status}): it wants credentials "
            "(--token-file, or user:password in the address)."
        )
    if status == 400:
        return f"Alertmanager at {where} refused the query{said}: check --filter and --receiver."
    if status == 404:
        return f"{where} has no Alertmanager API v2 at that path (404)."
    if status in (301, 302, 303, 307, 308):
        return f"{where} answered with a redirect ({status}): give the address it points to."
    return f"Alertmanager at {where} answered {status}{said}; nothing was written."
