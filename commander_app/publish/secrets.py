"""Channel secrets (SMTP passwords, API keys, webhook URLs) in the operating system's keyring.

Secrets never go to the database, a log line or an export. Where no keyring is usable
(a headless Linux box without a Secret Service), a secret is kept in this process only,
and `warning` says so in plain words, with how to install a keyring.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

SERVICE = "Commander"
NO_KEYRING_WARNING = (
    "No system keyring is available (headless Linux?), so the secret is kept only until "
    "Commander exits and must be entered again after a restart. To keep it: install and "
    "unlock a keyring (GNOME Keyring or KWallet with the Secret Service), or run "
    "`pip install keyrings.alt` for an encrypted file keyring, then enter the secret again."
)


def no_keyring_refusal(secret_label: str) -> str:
    """Why a command (whose process ends at once) refuses a secret no keyring would keep."""
    return (
        f"No system keyring is available (headless Linux?), so the {secret_label} would be "
        "gone when this command ends and every later send would stop; nothing was saved. "
        "Install and unlock a keyring (GNOME Keyring or KWallet with the Secret Service), "
        "or run `pip install keyrings.alt` for a file keyring, then add the channel again."
    )


# Secrets that no keyring would take, for this run only; shared by every SecretStore.
_process_secrets: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def forget_process_secrets() -> None:
    """Drop every secret kept in this process (tests; a user's "forget secrets")."""
    with _lock:
        _process_secrets.clear()


class SecretStore:
    """The secret of each channel, under service 'Commander' and user 'channel:<name>'."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._write_failed = False

    @staticmethod
    def username(channel_name: str) -> str:
        return f"channel:{channel_name}"

    @property
    def persistent(self) -> bool:
        """Whether secrets survive a restart (a usable keyring took them)."""
        return self._keyring_usable() and not self._write_failed

    @property
    def warning(self) -> str | None:
        """Plain words for the user when secrets are kept for this run only; else None."""
        return None if self.persistent else NO_KEYRING_WARNING

    def get(self, channel_name: str) -> str | None:
        key = (self.service, self.username(channel_name))
        with _lock:
            if key in _process_secrets:
                return _process_secrets[key]
        if not self._keyring_usable():
            return None
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(*key)
        except KeyringError as problem:
            log.warning("Keyring read failed for channel %s: %s", channel_name, _kind(problem))
            return None

    def set(self, channel_name: str, secret: str) -> None:
        """Store the secret; where no keyring takes it, keep it for this run (see `warning`)."""
        key = (self.service, self.username(channel_name))
        if self._keyring_usable():
            import keyring
            from keyring.errors import KeyringError

            try:
                keyring.set_password(*key, secret)
            except KeyringError as problem:
                log.warning(
                    "Keyring write failed for channel %s (%s); keeping the secret for this "
                    "run only",
                    channel_name,
                    _kind(problem),
                )
                self._write_failed = True
            else:
                with _lock:
                    _process_secrets.pop(key, None)
                return
        else:
            log.warning("No usable keyring: channel %s's secret is kept for this run", channel_name)
        with _lock:
            _process_secrets[key] = secret

    def delete(self, channel_name: str) -> None:
        """Forget the secret wherever it is; forgetting a missing secret is not an error."""
        key = (self.service, self.username(channel_name))
        with _lock:
            _process_secrets.pop(key, None)
        if not self._keyring_usable():
            return
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            keyring.delete_password(*key)
        except PasswordDeleteError:
            pass
        except KeyringError as problem:
            log.warning("Keyring delete failed for channel %s: %s", channel_name, _kind(problem))

    @staticmethod
    def _keyring_usable() -> bool:
        import keyring
        from keyring.backends import fail

        try:
            backend = keyring.get_keyring()
            return not isinstance(backend, fail.Keyring) and float(backend.priority) >= 1
        except Exception:  # a backend whose availability check itself fails is not usable
            log.warning("The keyring backend could not be checked", exc_info=True)
            return False


def _kind(problem: Exception) -> str:
    """A keyring error, named without its text (which could quote what was stored)."""
    return type(problem).__name__
