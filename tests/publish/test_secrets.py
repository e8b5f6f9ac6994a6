"""Channel secrets: in the keyring when there is one, for this run only when there is not."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null
from keyring.errors import KeyringLocked

from commander_app.publish.secrets import SecretStore
from tests.support.file_keyring import FileKeyring, file_keyring_env
from tests.support.memory_keyring import MemoryKeyring

SECRET = "https://hooks.slack.example/services/T1/B2/s3cr3tValue"


def test_secrets_go_to_the_keyring_under_the_channel_name(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.set("ops-chat", SECRET)

    assert memory_keyring.secrets == {("Commander", "channel:ops-chat"): SECRET}
    assert SecretStore().get("ops-chat") == SECRET
    assert store.persistent
    assert store.warning is None

    store.delete("ops-chat")
    store.delete("ops-chat")  # forgetting twice is fine
    assert store.get("ops-chat") is None
    assert memory_keyring.secrets == {}


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_without_a_keyring_the_secret_lives_for_this_run_only(
    backend: keyring.backend.KeyringBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    keyring.set_keyring(backend)
    store = SecretStore()
    store.set("ops-chat", SECRET)

    assert SecretStore().get("ops-chat") == SECRET  # the worker's own store sees it too
    assert not store.persistent
    assert store.warning is not None
    assert "kept only until Commander exits" in store.warning
    assert "Secret Service" in store.warning
    assert "pip install keyrings.alt" in store.warning
    assert SECRET not in caplog.text
    store.delete("ops-chat")
    assert store.get("ops-chat") is None


def test_a_locked_keyring_keeps_the_secret_for_this_run(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*args: object) -> None:
        raise KeyringLocked("the keyring is locked")

    monkeypatch.setattr(memory_keyring, "set_password", locked)
    store = SecretStore()
    store.set("status", "sp-key-123")

    assert store.get("status") == "sp-key-123"
    assert store.warning is not None
    assert memory_keyring.secrets == {}


def test_secrets_are_isolated_per_test(memory_keyring: MemoryKeyring) -> None:
    """The autouse fixture gave this test an empty keyring and no leftover process secrets."""
    assert keyring.get_keyring() is memory_keyring
    assert SecretStore().get("ops-chat") is None


def test_a_file_keyring_shares_secrets_with_a_child_process(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    child = (
        "from commander_app.publish.secrets import SecretStore\n"
        "store = SecretStore()\n"
        f"store.set('ops-chat', {SECRET!r})\n"
        "assert store.warning is None, store.warning\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", child],
        env={**os.environ, **file_keyring_env(path)},
        cwd=tmp_path,  # not the repository: the module is found through PYTHONPATH
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert FileKeyring.read(path) == {"Commander": {"channel:ops-chat": SECRET}}
