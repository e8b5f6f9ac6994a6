"""A keyring backend in a JSON file, so several `commander` processes in one test share secrets.

Tests that run the real CLI as a subprocess cannot reach the in-memory keyring of the
test process. Give the child this backend instead, through keyring's own environment
variable, with `file_keyring_env`:

    env = file_keyring_env(tmp_path / "keyring.json")
    run_cli("channel", "add", "slack", "chat", "--secret-stdin", stdin=url, env=env)
    FileKeyring.read(tmp_path / "keyring.json")  # {"Commander": {"channel:chat": url}}

That sets PYTHON_KEYRING_BACKEND=tests.support.file_keyring.FileKeyring,
COMMANDER_TEST_KEYRING_FILE=<the file>, and puts the repository root on PYTHONPATH so the
child can import this module. Secrets are stored in plain text: tests only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

FILE_VARIABLE = "COMMANDER_TEST_KEYRING_FILE"
BACKEND_NAME = "tests.support.file_keyring.FileKeyring"
REPOSITORY = Path(__file__).resolve().parents[2]


def file_keyring_env(path: Path) -> dict[str, str]:
    """Environment variables that make a child process use a FileKeyring at `path`."""
    python_path = os.pathsep.join(p for p in (str(REPOSITORY), os.environ.get("PYTHONPATH")) if p)
    return {
        "PYTHON_KEYRING_BACKEND": BACKEND_NAME,
        FILE_VARIABLE: str(path),
        "PYTHONPATH": python_path,
    }


class FileKeyring(KeyringBackend):
    """Secrets in the JSON file named by COMMANDER_TEST_KEYRING_FILE (service → user → secret)."""

    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        try:
            return Path(os.environ[FILE_VARIABLE])
        except KeyError:
            raise RuntimeError(f"{FILE_VARIABLE} must name the test keyring file") from None

    @staticmethod
    def read(path: Path) -> dict[str, dict[str, str]]:
        return json.loads(path.read_text("utf-8")) if path.exists() else {}

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1), "utf-8")
        temporary.replace(self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self.read(self.path).get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self.read(self.path)
        data.setdefault(service, {})[username] = password
        self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self.read(self.path)
        if data.get(service, {}).pop(username, None) is None:
            raise PasswordDeleteError("no such secret")
        self._write(data)
