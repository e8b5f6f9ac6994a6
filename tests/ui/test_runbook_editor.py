"""After the incident, in the real window: resolving offers the follow-up to update the
runbooks followed (written only on click); and the Runbooks tab's editor (Ctrl+E): the
Markdown with its preview, the draft from the incident, an atomic save that refuses a
file changed outside and keeps the text, problems shown before saving, and the commit
offered in a real git repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from commander_app.core.model import Kind, Status
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_steps import record_done, record_wrong
from commander_app.store.runbooks import find_runbook, refresh_index, shipped_folder
from commander_app.ui.main_window import MainWindow

POOL = "database-pool-exhausted"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shelf = tmp_path / "runbooks"
    shutil.copytree(shipped_folder(), shelf)
    monkeypatch.setenv("COMMANDER_RUNBOOKS", str(shelf))
    return shelf


def follow_ups(log: IncidentLog, incident_id: str) -> list[str]:
    return [
        str(e.body["text"])
        for e in log.events(incident_id)
        if e.kind is Kind.ACTION and e.body.get("follow_up")
    ]


def followed_incident(window: MainWindow, log: IncidentLog, folder: Path) -> str:
    assert window.open_incident("Checkout 500s: pool exhausted")
    incident = window.current_incident()
    assert incident is not None
    refresh_index(log.conn, folder, log.clock.now())
    indexed = find_runbook(log.conn, POOL)
    record_done(log, incident.id, indexed, 1, " cl_waiting | 0", author="alice")
    record_wrong(log, incident.id, indexed, 2, "the view is pg_stat_activity_v2", author="alice")
    window.live.poll(force=True)
    return incident.id


def test_resolving_offers_the_runbook_follow_up_and_writes_it_only_on_click(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    incident_id = followed_incident(window, log, folder)
    before = follow_ups(log, incident_id)  # the flag's own "Fix step 2 …"
    window.capture.setFocus()
    qtbot.keyClick(window.capture.line, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    assert log.incident(incident_id).status is Status.RESOLVED
    offer = window.update_offer
    assert offer is not None
    assert offer.isVisible()
    assert "Update the runbook for PgbouncerPoolExhausted (30 minutes)" in offer.line.text()
    assert "step 2 flagged wrong: the view is pg_stat_activity_v2" in offer.line.text()
    assert follow_ups(log, incident_id) == before  # offered, nothing written yet
    offer.button.click()
    (made,) = [t for t in follow_ups(log, incident_id) if t not in before]
    assert made.startswith("Update the runbook for PgbouncerPoolExhausted (30 minutes): ")
    assert "step 1 done; output seen differs from the expectation" in made
    assert f"`commander runbook draft-update {POOL} --incident {incident_id}`" in made
    assert not offer.isVisible()
    # Resolved again later: the follow-up is on the board already, so it is not offered.
    assert window.panel.set_status(Status.MONITORING)
    assert window.panel.set_status(Status.RESOLVED)
    assert not offer.isVisible()


def test_not_now_writes_nothing_and_no_runbook_followed_offers_a_new_one(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    assert window.open_incident("Queue backlog")
    incident = window.current_incident()
    assert incident is not None
    window.capture.setFocus()
    qtbot.keyClick(window.capture.line, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    offer = window.update_offer
    assert offer is not None
    assert offer.isVisible()
    assert "a new runbook" in offer.line.text()
    assert "draft-update --new --incident" in offer.line.text()
    offer.dismiss.click()
    assert not offer.isVisible()
    assert follow_ups(log, incident.id) == []
