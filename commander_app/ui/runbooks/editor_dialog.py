"""The runbook editor (Ctrl+E in the Runbooks tab): the file's Markdown as plain text
beside its preview, the problems a save would leave with their lines, "Propose from
this incident" to load the update drafted from the log, and a save that is atomic and
refuses a file changed on disk since it was opened (the text typed stays). In a git
clone, the save offers a commit with a message; nothing is ever pushed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFontDatabase, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError, ValidationError
from commander_app.core.runbook import Problem
from commander_app.core.runbook_draft import draft_update, sha256_of
from commander_app.core.runbook_parse import parse_runbook
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_draft import (
    ChangedOnDisk,
    incident_summary,
    read_file,
    save_runbook,
    step_events,
)
from commander_app.store.runbook_git import commit_file, is_repository
from commander_app.ui.runbooks.git_job import GitRunner
from commander_app.ui.shortcuts import by_name

PREVIEW_MS = 300  # the preview and the problems follow the typing after this pause
LINE = Qt.ItemDataRole.UserRole


class RunbookEditor(QDialog):
    saved = Signal()

    def __init__(
        self,
        log: IncidentLog,
        name: str,
        path: Path,
        incident_id: str | None,
        parent: QWidget | None = None,
        *,
        new_text: str | None = None,
    ) -> None:
        """`new_text`: a runbook not written yet (drafted from the incident) at `path`."""
        super().__init__(parent)
        self._log, self.name, self.path, self.incident_id = log, name, path, incident_id
        self.setWindowTitle(f"Edit runbook {name}")
        self.resize(1100, 720)
        self.box: QMessageBox | None = None  # the question up now (problems, changed)
        self._discard_asked = False
        self.git = GitRunner(self)
        self._init_widgets()
        self._connect_signals()
        if new_text is None:
            data, text = read_file(path)
            self._load(data, text)
        else:
            self._load(b"", new_text)
            self.base = ""  # the file must not exist yet when it is saved
            self.editor.document().setModified(True)
            self.propose.setEnabled(False)

    def _init_widgets(self) -> None:
        self.editor = QPlainTextEdit()
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        split = QSplitter()
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        self.problems = QListWidget()
        self.problems.setMaximumHeight(90)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.propose = QPushButton("Propose from this incident")
        self.propose.setEnabled(self.incident_id is not None)
        self.propose.setToolTip("Load the update drafted from what the incident ran")
        self.save_button = QPushButton(f"Save ({by_name('runbook_save').keys})")
        self.close_button = QPushButton("Close")
        row = QHBoxLayout()
        row.addWidget(self.propose)
        row.addStretch()
        row.addWidget(self.save_button)
        row.addWidget(self.close_button)
        self.message = QLineEdit()
        self.message.setPlaceholderText("What changed, for the commit")
        self.commit_button = QPushButton("Commit this change")
        self.commit_bar = QWidget()
        bar = QHBoxLayout(self.commit_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Saved in a git clone:"))
        bar.addWidget(self.message, 1)
        bar.addWidget(self.commit_button)
        self.commit_bar.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.status)
        layout.addWidget(self.commit_bar)
        layout.addLayout(row)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_MS)

    def _connect_signals(self) -> None:
        self.editor.textChanged.connect(self._timer.start)
        self.editor.textChanged.connect(lambda: setattr(self, "_discard_asked", False))
        self._timer.timeout.connect(self.show_preview)
        self.problems.itemActivated.connect(self._go_to_problem)
        self.propose.clicked.connect(self.propose_draft)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        self.commit_button.clicked.connect(self.commit)
        self.message.returnPressed.connect(self.commit)
        QShortcut(QKeySequence(by_name("runbook_save").keys), self, self.save)
        self.git.done.connect(self._on_git)
        self.git.failed.connect(self.status.setText)

    # -- the text ------------------------------------------------------------------

    def _load(self, data: bytes, text: str) -> None:
        """The file's line ends and BOM are remembered, so a save keeps them."""
        self.base = sha256_of(data)
        self._bom = text.startswith("\ufeff")
        self._crlf = "\r\n" in text
        shown = text.removeprefix("\ufeff").replace("\r\n", "\n")
        cursor = self.editor.textCursor()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(shown)  # an edit of its own: Ctrl+Z brings the text before back
        self.editor.document().setModified(False)
        self.show_preview()

    def file_text(self) -> str:
        """What a save writes: the editor's text in the file's own line ends."""
        text = self.editor.toPlainText()
        if self._crlf:
            text = text.replace("\n", "\r\n")
        return ("\ufeff" if self._bom else "") + text

    def show_preview(self) -> list[Problem]:
        self._timer.stop()
        parsed = parse_runbook(self.editor.toPlainText())
        self.preview.setMarkdown(parsed.body or self.editor.toPlainText())
        self.problems.clear()
        for problem in parsed.problems:
            item = QListWidgetItem(f"line {problem.line}: {problem.message}")
            item.setData(LINE, problem.line)
            self.problems.addItem(item)
        self.problems.setVisible(bool(parsed.problems))
        return list(parsed.problems)

    def _go_to_problem(self, item: QListWidgetItem) -> None:
        block = self.editor.document().findBlockByNumber(int(item.data(LINE)) - 1)
        self.editor.setTextCursor(QTextCursor(block))
        self.editor.setFocus()

    def propose_draft(self) -> bool:
        """The update drafted from the incident, applied to the text as it is now."""
        if self.incident_id is None:
            return False
        text = self.file_text()
        runbook = parse_runbook(text).runbook
        if runbook is None:
            self.status.setText("The runbook does not parse: fix the problems listed first.")
            return False
        try:
            events = step_events(self._log.conn, self.incident_id, self.name)
            summary = incident_summary(self._log, self.incident_id)
            draft = draft_update(self.name, text, self.base, runbook, summary, events)
        except CommanderError as exc:
            self.status.setText(str(exc))
            return False
        if not draft.changed:
            self.status.setText("Nothing to propose: no step of it was followed in the incident.")
            return False
        cursor = self.editor.textCursor()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(draft.after.removeprefix("\ufeff").replace("\r\n", "\n"))
        self.status.setText(
            "Proposed from the incident (Ctrl+Z undoes it): " + "; ".join(draft.summary)
            + ". Review it, set last_reviewed, then save."
        )  # fmt: skip
        self.message.setText(f"Runbook {self.name}: what {summary.named} ran")
        return True

    # -- saving --------------------------------------------------------------------

    def save(self) -> bool:
        """Saved now, or a question is up (problems to confirm, the file changed)."""
        problems = self.show_preview()
        if problems:
            lines = "\n".join(f"line {p.line}: {p.message}" for p in problems[:10])
            self._ask(
                "Save a runbook with problems?",
                f"{len(problems)} problem(s) would be saved with it:\n{lines}",
                "Save anyway",
                self._write,
            )
            return False
        return self._write()

    def _write(self) -> bool:
        try:
            self.base = save_runbook(self.path, self.file_text(), self.base)
        except ChangedOnDisk:
            self._ask(
                "The runbook changed on disk",
                f"{self.path} was changed outside (an editor, a git pull) since it was "
                "opened here, so nothing was saved. Your text is still here. Reload the "
                "file to see the other change (Ctrl+Z then brings your text back)?",
                "Reload from disk",
                self.reload,
            )
            return False
        except CommanderError as exc:
            self.status.setText(f"Not saved: {exc} Your text is kept.")
            return False
        self.editor.document().setModified(False)
        self.status.setText(f"Saved {self.path}.")
        self.saved.emit()
        self.git.start(lambda: is_repository(self.path.parent))
        self.propose.setEnabled(self.incident_id is not None)
        return True

    def _ask(self, title: str, text: str, yes: str, then: object) -> None:
        assert callable(then)
        box = self.box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        take = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(lambda button: then() if button is take else None)
        box.open()

    def reload(self) -> None:
        try:
            data, text = read_file(self.path)
        except CommanderError as exc:
            self.status.setText(str(exc))
            return
        self._load(data, text)
        self.status.setText("Reloaded from disk; Ctrl+Z brings back what you had typed.")

    # -- git -----------------------------------------------------------------------

    def _on_git(self, result: object) -> None:
        if result is True:  # a clone: offer the commit
            if not self.message.text().strip():
                self.message.setText(f"Runbook {self.name}: ")
            self.commit_bar.show()
        elif isinstance(result, str):
            self.commit_bar.hide()
            self.status.setText(f"Committed {result} (not pushed).")

    def commit(self) -> bool:
        message = self.message.text()
        if not message.strip():
            self.status.setText("Say what changed: the commit needs a message.")
            return False
        return self.git.start(lambda: commit_file(self.path, message))

    # -- closing -------------------------------------------------------------------

    def reject(self) -> None:
        """Close; with text not saved, only when asked twice (nothing typed is lost)."""
        if self.editor.document().isModified() and not self._discard_asked:
            self._discard_asked = True
            self.status.setText("Not saved yet: Save, or Close again to throw the changes away.")
            return
        self.stop()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.editor.document().isModified() and not self._discard_asked:
            event.ignore()
            self.reject()
            return
        self.stop()
        super().closeEvent(event)

    def stop(self) -> None:
        self._timer.stop()
        self.git.stop()


def _own_folder(folder: Path | None) -> Path:
    """The team's folder; the shipped examples live inside the program, so a copy in
    the team's folder is the one to edit."""
    from commander_app.store.runbooks import shipped_folder

    if folder is None or folder == shipped_folder().absolute():
        raise ValidationError(
            "These are the shipped example runbooks: copy them into your own folder "
            "(COMMANDER_RUNBOOKS or runbooks.toml) to edit them or add one."
        )
    return folder


def _shown(editor: RunbookEditor) -> RunbookEditor:
    editor.open()
    editor.editor.setFocus()
    return editor


def open_editor(
    log: IncidentLog, name: str, folder: Path | None, incident_id: str | None, parent: QWidget
) -> RunbookEditor:
    """The editor on the runbook `name`, shown."""
    from commander_app.store.runbooks import find_runbook

    _own_folder(folder)
    indexed = find_runbook(log.conn, name)
    return _shown(RunbookEditor(log, indexed.name, indexed.path, incident_id, parent))


def open_new_editor(
    log: IncidentLog, folder: Path | None, incident_id: str | None, parent: QWidget
) -> RunbookEditor:
    """A new runbook drafted from the incident's findings and actions, in the editor; it
    is written only when saved (never over a file already there)."""
    from commander_app.store.runbook_draft import new_draft

    own = _own_folder(folder)
    if incident_id is None:
        raise ValidationError("Select an incident first: the new runbook is drafted from it.")
    draft = new_draft(log, incident_id)
    name, number = draft.name, 1
    while (own / f"{name}.md").exists():
        number += 1
        name = f"{draft.name}-{number}"
    editor = RunbookEditor(log, name, own / f"{name}.md", incident_id, parent, new_text=draft.after)
    editor.status.setText(
        f"A new runbook drafted from the incident, not saved yet ({name}.md): fill in the "
        "service and owner, check every step, then save."
    )
    return _shown(editor)
