"""A log that already holds a channel's secret (written before secrets were blanked):
`check` says where, and `copy-without-secrets` is the way out that loses no entry."""

from __future__ import annotations

import json
from pathlib import Path

from commander_app.core.clock import FixedClock
from commander_app.store import channels
from commander_app.store.incident_log import IncidentLog
from tests.conftest import START, run_cli
from tests.support.file_keyring import file_keyring_env

URL = "https://hooks.example.com/services/T0AAA/B0BBB/Zq8uVn3kLm5pW2rTx7Yc"
TOKEN = "Zq8uVn3kLm5pW2rTx7Yc"


def leaky_log(db: Path, keyring_file: Path) -> str:
    with IncidentLog(db, device_id="old", clock=FixedClock(START)) as log:
        incident = log.open_incident("Checkout failing", author="alice")
        log.log(incident.id, "Slack said: bad request for " + URL.replace("/", "\\/"), author="a")
        log.log(incident.id, "pool exhausted on db-3", author="bob")
        channels.save_channel(log, "chat", "slack", {})
    keyring_file.write_text(json.dumps({"Commander": {"channel:chat": URL}}), encoding="utf-8")
    return incident.id


def test_check_names_the_entry_that_holds_a_secret_and_the_way_out(tmp_path: Path) -> None:
    db, keys = tmp_path / "incidents.db", tmp_path / "keyring.json"
    leaky_log(db, keys)
    result = run_cli("check", db=db, env=file_keyring_env(keys))
    assert result.returncode == 1
    assert "holds the secret of channel 'chat'" in result.stderr
    assert "commander copy-without-secrets NEW.db" in result.stderr
    assert TOKEN not in result.stderr + result.stdout


def test_the_copy_has_every_entry_and_no_secret(tmp_path: Path) -> None:
    db, keys, copy = tmp_path / "incidents.db", tmp_path / "keyring.json", tmp_path / "clean.db"
    incident_id = leaky_log(db, keys)
    env = file_keyring_env(keys)
    result = run_cli("copy-without-secrets", str(copy), db=db, env=env)
    assert result.returncode == 0, result.stderr
    assert "1 incidents, 3 entries" in result.stdout
    for suffix in ("", "-wal"):
        file = Path(f"{copy}{suffix}")
        assert not file.exists() or TOKEN.encode() not in file.read_bytes()
    with IncidentLog(copy, device_id="new", clock=FixedClock(START)) as log:
        texts = [e.body.get("text", "") for e in log.events(incident_id)]
        assert "pool exhausted on db-3" in texts
        assert any("[secret]" in t for t in texts)
        assert [c.name for c in channels.channels(log)] == ["chat"]
    again = run_cli("check", db=copy, env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith(": ok")  # chained anew: nothing predates the chain
    refused = run_cli("copy-without-secrets", str(copy), db=db, env=env)
    assert refused.returncode == 1
    assert "already exists" in refused.stderr
