"""The playbook in force: migrated from the old files with nothing lost, recorded by
each incident at its opening, and its changes noted in the open incidents' logs."""

from __future__ import annotations

import json
from pathlib import Path

from commander_app.core.bodies import read_incident
from commander_app.core.events import event_text
from commander_app.core.model import Kind, Role, Severity, Status
from commander_app.store import environment, playbook, playbook_log
from commander_app.store.incident_log import IncidentLog


def write_playbook(text: str) -> Path:
    path = playbook.playbook_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_three_old_files_become_one_playbook_and_are_kept(
    isolated_environment: Path,
) -> None:
    folder = environment.data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cadence_text = json.dumps({"first_update_minutes": 7, "intervals": {"SEV3": {}}})
    authority_text = '[SEV3]\ndecide = ["scribe"]\ninform = ["#ops"]\n'
    checklist_text = '[[item]]\nid = "flag"\ntext = "The flag is named"\n'
    (folder / "cadence.json").write_text(cadence_text)
    (folder / "authority.toml").write_text(authority_text)
    (folder / "rollback-checklist.toml").write_text(checklist_text)

    found = playbook.in_force()
    assert found.source == "file"
    assert found.migrated is not None
    assert "the originals are kept in" in found.migrated
    book = found.playbook
    assert book.cadence.first_update.total_seconds() == 7 * 60
    assert book.cadence.intervals[Severity.SEV3] == {}
    assert book.authority.row(Severity.SEV3).decide == (Role.SCRIBE,)
    assert book.authority.row(Severity.SEV1).decide == (Role.COMMANDER,)  # the shipped rows stay
    assert [item.id for item in book.checklist.items] == ["flag"]
    backups = list(folder.glob("settings-before-playbook-*"))
    assert len(backups) == 1
    assert (backups[0] / "cadence.json").read_text() == cadence_text
    assert (backups[0] / "authority.toml").read_text() == authority_text
    assert (backups[0] / "rollback-checklist.toml").read_text() == checklist_text
    assert not (folder / "cadence.json").exists()
    assert playbook.playbook_path().read_text().startswith("# Made by Commander on ")


def test_an_incident_records_the_playbook_it_opened_under(log: IncidentLog) -> None:
    write_playbook('name = "Payments playbook"\n')
    state = log.open_incident("Checkout 500s", severity=Severity.SEV2, author="alice")
    opening = log.events(state.id)[0]
    version = read_incident(opening)["playbook"]
    assert version["name"] == "Payments playbook"
    assert version["source"] == "file"
    assert version["digest"] == playbook.in_force().version.digest


def test_a_change_mid_incident_is_noted_once_in_each_open_incident(log: IncidentLog) -> None:
    write_playbook('name = "v1"\n')
    first = playbook.in_force()
    open_one = log.open_incident("Checkout 500s", author="alice").id
    closed = log.open_incident("Old one", author="alice").id
    log.set_status(closed, Status.RESOLVED, author="alice")
    write_playbook('name = "v2"\n[severity.SEV3]\ncadence = { internal = 15 }\n')
    now = playbook.in_force()
    assert now.version != first.version

    written = playbook_log.record_change(log, now, author="bob", before=first.playbook)
    assert [e.incident_id for e in written] == [open_one]
    body = read_incident(written[0])
    assert body["action"] == "playbook"
    assert body["previous"]["name"] == "v1"
    assert body["playbook"]["name"] == "v2"
    assert body["changes"] == ["name", "update cadence"]
    assert log.incident(open_one).title == "Checkout 500s"  # the incident itself unchanged
    assert written[0].kind is Kind.INCIDENT
    last = log.events(open_one)[-1]
    assert event_text(last.kind, last.body).startswith("Playbook changed: now “v2” (")
    # a second window noticing the same change writes nothing more
    assert playbook_log.record_change(log, now, author="carol") == []
    assert playbook_log.recorded_version(log, open_one)["name"] == "v2"  # type: ignore[index]
