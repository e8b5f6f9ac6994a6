"""Keeping secrets out of text: error messages, remote answers and third-party log lines.

A webhook URL is itself the secret, and urllib3 logs request paths at DEBUG; while a
call with a secret is in flight, those log records have the secret blanked out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

_REDACTED = "[secret]"
_LOGGERS_THAT_QUOTE_URLS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry")


def secret_fragments(secret: str) -> tuple[str, ...]:
    """The secret and the parts of it a log or error could quote (a webhook URL's path)."""
    pieces = {secret.strip()}
    parts = urlsplit(secret.strip())
    if parts.scheme and parts.netloc:
        pieces |= {parts.path, parts.query, f"{parts.path}?{parts.query}"}
    return tuple(sorted((p for p in pieces if len(p) >= 8), key=len, reverse=True))


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, _REDACTED)
    return text


class _RedactSecrets(logging.Filter):
    """Blanks the secrets of calls in flight from third-party log records."""

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
        return True


log_redactor = _RedactSecrets()
for _name in _LOGGERS_THAT_QUOTE_URLS:
    logging.getLogger(_name).addFilter(log_redactor)
