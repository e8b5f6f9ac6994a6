"""After the incident, in the real window: resolving offers the follow-up to update the
runbooks followed (written only on click); and the Runbooks tab's editor (Ctrl+E): the
Markdown with its preview, the draft from the incident, an atomic save that refuses a
file changed outside and keeps the text, problems shown before saving, and the commit
offered in a real git repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from commander_app.core.model import Kind, Status
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_steps import record_done, record_wrong
from commander_app.store.runbooks import find_runbook, refresh_index, shipped_folder
from commander_app.ui.main_window import MainWindow
from commander_app.ui.runbooks.editor_dialog import RunbookEditor
from commander_app.ui.runbooks.runbooks_pane import RunbooksPane

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
    assert "step 1 done; the output seen added (not matching the expected pattern)" in made
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


def open_editor(window: MainWindow, qtbot: QtBot) -> tuple[RunbooksPane, RunbookEditor]:
    """Ctrl+Alt+B, then Ctrl+E with the cursor still in the search line."""
    window.capture.setFocus()
    mods = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(window.capture.line, Qt.Key.Key_B, mods)
    pane = window.findChild(RunbooksPane)
    assert pane is not None
    qtbot.waitUntil(lambda: not pane.indexer.running and "runbooks in" in pane.status.text())
    assert pane.search.hasFocus()
    qtbot.keyClick(pane.search, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    editor = pane.editor
    assert editor is not None
    assert editor.isVisible()
    return pane, editor


def answer(editor: RunbookEditor, label: str) -> None:
    box = editor.box
    assert box is not None
    assert box.isVisible()
    (button,) = [b for b in box.buttons() if b.text() == label]
    button.click()


def test_ctrl_e_edits_the_runbook_with_a_preview_and_saves_it_atomically(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    incident_id = followed_incident(window, log, folder)
    path = folder / f"{POOL}.md"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # a CRLF file
    original = path.read_bytes()
    _pane, editor = open_editor(window, qtbot)
    assert editor.name == POOL
    assert editor.incident_id == incident_id
    qtbot.waitUntil(editor.editor.hasFocus)
    assert "Confirm the pool is the bottleneck" in editor.preview.toPlainText()
    assert "escalation_policy" not in editor.preview.toPlainText()  # front matter not shown
    assert editor.file_text().encode() == original  # what a save would write, unchanged
    assert editor.propose_draft()
    assert "step 2 flagged wrong: the view is pg_stat_activity_v2" in editor.status.text()
    assert (
        "> **Flagged in incident “Checkout 500s: pool exhausted” (" in editor.editor.toPlainText()
    )
    editor.show_preview()
    assert "Flagged in incident" in editor.preview.toPlainText()
    qtbot.keyClick(editor.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = path.read_bytes()
    assert saved != original
    assert b"pg_stat_activity_v2\r\n" in saved  # the file's own line ends
    assert saved.replace(b"\r\n", b"").count(b"\n") == 0
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temporary
    assert editor.status.text() == f"Saved {path}."
    assert not editor.commit_bar.isVisible()  # not a git clone: no commit offered
    qtbot.waitUntil(lambda: not editor.git.running)
    assert not editor.commit_bar.isVisible()


def test_a_file_changed_outside_is_not_overwritten_and_the_typed_text_is_kept(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    followed_incident(window, log, folder)
    path = folder / f"{POOL}.md"
    _pane, editor = open_editor(window, qtbot)
    editor.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClick(editor.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor.editor, "A line typed here.")
    outside = path.read_text("utf-8").replace("team-payments", "team-db")
    path.write_text(outside, "utf-8")  # an editor, or a git pull
    assert not editor.save()
    assert path.read_text("utf-8") == outside
    assert "A line typed here." in editor.editor.toPlainText()
    answer(editor, "Keep editing")
    assert "A line typed here." in editor.editor.toPlainText()
    assert not editor.save()
    answer(editor, "Reload from disk")
    assert "team-db" in editor.editor.toPlainText()
    assert "A line typed here." not in editor.editor.toPlainText()
    editor.editor.undo()  # the text typed comes back
    assert "A line typed here." in editor.editor.toPlainText()
    assert editor.save()  # over the file as reloaded
    assert "A line typed here." in path.read_text("utf-8")


def test_problems_are_shown_with_their_line_and_saved_only_after_a_confirm(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    followed_incident(window, log, folder)
    path = folder / f"{POOL}.md"
    original = path.read_text("utf-8")
    _pane, editor = open_editor(window, qtbot)
    editor.editor.setPlainText(original.replace("continue to step 5", "continue to step 9", 1))
    problems = editor.show_preview()
    assert [p.line for p in problems] == [23]
    assert editor.problems.item(0).text().startswith("line 23: step 1 says continue to step 9")
    assert not editor.save()
    answer(editor, "Keep editing")
    assert path.read_text("utf-8") == original
    assert not editor.save()
    answer(editor, "Save anyway")
    assert "continue to step 9" in path.read_text("utf-8")


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, text=True, check=True
    ).stdout


def test_in_a_git_clone_the_save_offers_a_commit_with_a_message_and_never_pushes(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    git(folder, "init", "-q")
    git(folder, "config", "user.name", "Alice")
    git(folder, "config", "user.email", "alice@example.com")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "the runbooks")
    followed_incident(window, log, folder)
    _pane, editor = open_editor(window, qtbot)
    assert editor.propose_draft()
    assert editor.save()
    qtbot.waitUntil(editor.commit_bar.isVisible)
    assert editor.message.text().startswith(f"Runbook {POOL}: what incident “Checkout 500s")
    editor.message.setText("Pool runbook: notes from the checkout incident")
    editor.commit_button.click()
    qtbot.waitUntil(lambda: "Committed" in editor.status.text())
    assert editor.status.text().endswith("(not pushed).")
    assert (
        git(folder, "log", "-1", "--format=%s")
        == "Pool runbook: notes from the checkout incident\n"
    )
    assert git(folder, "status", "--porcelain") == ""
    assert not editor.commit_bar.isVisible()


def test_without_git_nothing_breaks_and_the_shipped_examples_are_not_edited(
    window: MainWindow,
    log: IncidentLog,
    qtbot: QtBot,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    followed_incident(window, log, folder)
    monkeypatch.setenv("PATH", "/nonexistent")
    _pane, editor = open_editor(window, qtbot)
    qtbot.keyClicks(editor.editor, "x")
    assert editor.save()
    qtbot.waitUntil(lambda: not editor.git.running)
    assert not editor.commit_bar.isVisible()
    assert editor.status.text().startswith("Saved ")
    editor.close()
    monkeypatch.delenv("COMMANDER_RUNBOOKS")
    window.tabs.setCurrentIndex(0)
    pane = window.show_runbooks()
    qtbot.waitUntil(lambda: not pane.indexer.running and "shipped examples" in pane.status.text())
    problems: list[str] = []
    pane.problem.connect(problems.append)
    pane.search.setText("pool")
    pane.results.setCurrentRow(0)
    assert pane.edit_runbook() is None
    assert len(problems) == 1
    assert "shipped example runbooks" in problems[0]


def test_ctrl_e_in_the_steps_edits_the_runbook_being_followed(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    followed_incident(window, log, folder)
    window.capture.setFocus()
    mods = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(window.capture.line, Qt.Key.Key_B, mods)
    pane = window.findChild(RunbooksPane)
    assert pane is not None
    qtbot.waitUntil(lambda: not pane.indexer.running and "runbooks in" in pane.status.text())
    pane.search.setText("certificate")
    pane.results.setCurrentRow(0)
    qtbot.keyClick(pane.results, Qt.Key.Key_Return)
    assert pane.checklist.steps.hasFocus()
    qtbot.keyClick(pane.checklist.steps, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert pane.editor is not None
    assert pane.editor.name == "certificate-expiry"
    assert pane.dialog is None  # plain E escalates; Ctrl+E is the editor's


def test_a_new_runbook_is_drafted_from_the_incident_and_written_only_when_saved(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    assert window.open_incident("Queue backlog on orders")
    incident = window.current_incident()
    assert incident is not None
    log.log(incident.id, "the consumer is stuck: `kafka-consumer-groups --describe`",
            kind=Kind.FINDING, author="alice")  # fmt: skip
    log.log(incident.id, "Restart the consumer", kind=Kind.ACTION, author="alice")
    pane = window.show_runbooks()
    qtbot.waitUntil(lambda: not pane.indexer.running and "runbooks in" in pane.status.text())
    pane.new_button.click()
    editor = pane.editor
    assert editor is not None
    path = folder / "queue-backlog-on-orders.md"
    assert editor.path == path
    assert not path.exists()  # nothing written until saved
    assert "## the consumer is stuck" in editor.editor.toPlainText()
    assert "kafka-consumer-groups --describe" in editor.preview.toPlainText()
    assert editor.problems.item(0).text() == (
        "line 1: the front matter names no service: add `service: NAME`"
    )
    assert not editor.save()
    answer(editor, "Save anyway")
    assert path.exists()
    assert "Restart the consumer" in path.read_text("utf-8")
    pane.search.setText("kafka")
    qtbot.waitUntil(lambda: pane.results.item(0).data(Qt.ItemDataRole.UserRole) == path.stem)
