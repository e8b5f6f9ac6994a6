"""A keyring backend in memory, so no test reads or writes the developer's own keyring."""

from __future__ import annotations

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from commander_app.publish.secrets import forget_process_secrets


class MemoryKeyring(KeyringBackend):
    """Secrets in a dict for the life of one test."""

    priority = 1  # type: ignore[assignment]  # usable, but never chosen over a real one

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError("no such secret")


def install_memory_keyring() -> MemoryKeyring:
    """Make a fresh, empty in-memory keyring the one Commander uses, and forget any
    secrets an earlier test left in the process-only store."""
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    forget_process_secrets()
    return backend
