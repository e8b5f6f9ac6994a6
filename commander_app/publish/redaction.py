"""Keeping secrets out of text: error messages, remote answers and third-party log lines.

A webhook URL is itself the secret, and urllib3 logs request paths at DEBUG; while a
call with a secret is in flight, those log records have the secret blanked out.

A remote quotes a secret in more shapes than one: as sent, JSON-escaped (`\\/` for
`/`), URL-encoded, or base64 inside a header it echoes (HTTP Basic, SMTP AUTH PLAIN).
`secret_fragments` lists every such form, and `redact`/`scrub` blank all of them.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

_REDACTED = "[secret]"
_LOGGERS_THAT_QUOTE_URLS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry")
_SHORTEST = 8  # a shorter piece would blank ordinary words


def secret_fragments(secret: str) -> tuple[str, ...]:
    """Every form in which a remote, a log or an error could quote the secret or the part
    of it that is secret on its own (a webhook URL's path, its last segment, a query
    value), longest first."""
    secret = secret.strip()
    if not secret:
        return ()
    pieces = {secret}
    parts = urlsplit(secret)
    if parts.scheme and parts.netloc:
        pieces |= {parts.path, parts.query, f"{parts.path}?{parts.query}"}
        pieces.add(parts.path.rstrip("/").rsplit("/", 1)[-1])
        pieces |= {value for _key, value in parse_qsl(parts.query)}
    forms: set[str] = set()
    for piece in (p for p in pieces if len(p) >= _SHORTEST):
        forms |= _encodings(piece)
    return tuple(sorted((f for f in forms if len(f) >= _SHORTEST), key=len, reverse=True))


def _encodings(piece: str) -> set[str]:
    escaped = json.dumps(piece)[1:-1]
    forms = {
        piece,
        escaped,
        escaped.replace("/", "\\/"),
        quote(piece, safe=""),
        quote(piece),
        quote_plus(piece),
    }
    data = piece.encode()
    for pad in range(3):  # base64 of the piece wherever it starts in a longer value
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(_base64_core(encode(b"\0" * pad + data).decode(), pad, len(data)))
    return forms


def _base64_core(encoded: str, pad: int, length: int) -> str:
    """The characters of `encoded` fixed by the piece's bytes alone (not by its neighbours)."""
    first = -(-8 * pad // 6)  # the first character no byte before the piece touches
    last = 8 * (pad + length) // 6  # past the last character its bytes fill completely
    return encoded[first:last]


@functools.lru_cache(maxsize=64)
def secret_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for every form of the secrets (what `redact` blanks and a scan finds)."""
    if not secrets:
        return None
    ordered = sorted(set(secrets), key=len, reverse=True)
    # Case-blind: percent-encoding may come back in lower case; blanking more is harmless.
    return re.compile("|".join(re.escape(s) for s in ordered), re.IGNORECASE)


def redact(text: str, secrets: tuple[str, ...]) -> str:
    pattern = secret_pattern(tuple(secrets))
    return text if pattern is None else pattern.sub(_REDACTED, text)


def scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    """A decoded JSON answer with the secrets blanked in every string, keys included."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item, secrets) for item in value]
    return value


class _RedactSecrets(logging.Filter):
    """Blanks the secrets of calls in flight from log records, tracebacks included."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}

    @contextmanager
    def guarding(self, secrets: tuple[str, ...]) -> Iterator[None]:
        with self._lock:
            for secret in secrets:
                self._in_flight[secret] = self._in_flight.get(secret, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                for secret in secrets:
                    self._in_flight[secret] -= 1
                    if not self._in_flight[secret]:
                        del self._in_flight[secret]

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            secrets = tuple(sorted(self._in_flight, key=len, reverse=True))
        if secrets:
            message = record.getMessage()
            cleaned = redact(message, secrets)
            if cleaned != message:
                record.msg, record.args = cleaned, None
            if record.exc_info:
                details = logging.Formatter().formatException(record.exc_info)
                record.exc_text, record.exc_info = redact(details, secrets), None
        return True


class _HideUrlPaths(logging.Filter):
    """Blanks the path and query of every web address in a record, traceback included: a
    webhook's path is its secret, and a bug's traceback may quote it after its call is
    over (when `log_redactor` no longer knows it)."""

    _URL = re.compile(r"(?i)\b(https?://[^/\s'\"<>?#]+)[/?#][^\s'\"<>]*")

    def _hide(self, text: str) -> str:
        return self._URL.sub(lambda m: f"{m.group(1)}/{_REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._hide(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self._hide(record.exc_text)
        return True


log_redactor = _RedactSecrets()
url_path_redactor = _HideUrlPaths()


def file_log_filters() -> tuple[logging.Filter, ...]:
    """What a log file's handler needs: the secrets of calls in flight, and every URL's path."""
    return (log_redactor, url_path_redactor)


for _name in _LOGGERS_THAT_QUOTE_URLS:
    logging.getLogger(_name).addFilter(log_redactor)


def guarded_logger(name: str) -> logging.Logger:
    """A module's logger whose records are redacted while a call with a secret is in flight."""
    logger = logging.getLogger(name)
    logger.addFilter(log_redactor)
    return logger
