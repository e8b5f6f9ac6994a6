"""The Runbooks tab beside the timeline (Ctrl+Alt+B): the runbooks suggested for the
selected incident first, with the reason and the trust line; typing searches the
offline index; Enter opens one as a checklist to follow step by step. Each step done,
flagged wrong or escalated is a `runbook` event in the incident's log. Built on first
use; the index is refreshed off the GUI thread when the tab is shown and every few
seconds while it is, so an edit made in an editor shows without asking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError, ValidationError
from commander_app.core.runbook_steps import escalations, find_step
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_steps import (
    followed_steps,
    record_done,
    record_escalation,
    record_wrong,
)
from commander_app.store.runbook_suggestions import suggest_runbooks
from commander_app.store.runbooks import (
    IndexedRunbook,
    find_runbook,
    runbook_folder,
    search_runbooks,
)
from commander_app.ui.ask import ask_choice
from commander_app.ui.runbooks.checklist import RunbookChecklist
from commander_app.ui.runbooks.index_job import IndexResult, RunbookIndexer, folder_words
from commander_app.ui.runbooks.role_offer import RoleOffer
from commander_app.ui.runbooks.step_dialogs import StepTextDialog
from commander_app.ui.runbooks.version_job import RunbookVersions
from commander_app.ui.shortcuts import by_name

if TYPE_CHECKING:
    from commander_app.ui.runbooks.editor_dialog import RunbookEditor

NAME = Qt.ItemDataRole.UserRole


class RunbooksPane(QWidget):
    wrote = Signal()  # a step event was logged; the window reads it back
    problem = Signal(str)
    assign_wanted = Signal(str, str)  # role, person: the offer after an escalation taken
    closed = Signal()

    def __init__(
        self, log: IncidentLog, author: str, zone: tzinfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._log, self._author, self._zone = log, author, zone
        self.incident_id: str | None = None
        self.folder: Path | None = None
        self.opened: IndexedRunbook | None = None
        self.dialog: StepTextDialog | None = None
        self.editor: RunbookEditor | None = None  # the runbook editor (Ctrl+E), once opened
        self._looked = False
        self.trust_lines: dict[str, str] = {}  # by runbook name, weighed off the GUI thread
        self.indexer = RunbookIndexer(log.path, self)
        self.versions = RunbookVersions(self)
        self._init_widgets()
        self._connect_signals()

    def _init_widgets(self) -> None:
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the runbooks (offline): words of the failure…")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.results.setAlternatingRowColors(True)
        found = QWidget()
        column = QVBoxLayout(found)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.search)
        column.addWidget(self.results, 1)
        self.new_button = QPushButton("New runbook from this incident…")
        self.new_button.setToolTip("None covered it: draft one from the log's findings")
        column.addWidget(self.new_button)
        self.checklist = RunbookChecklist(self._zone)
        self.pages = QStackedWidget()
        self.pages.addWidget(found)
        self.pages.addWidget(self.checklist)
        self.offer = RoleOffer()
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.offer)
        layout.addWidget(self.pages, 1)

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(lambda _t: self.show_list())
        self.search.returnPressed.connect(self._into_results)
        self.search.installEventFilter(self)
        self.results.installEventFilter(self)
        self.results.itemActivated.connect(lambda item: self.open_runbook(item.data(NAME)))
        self.checklist.asked.connect(self._on_asked)
        self.checklist.back.connect(self.show_results)
        self.indexer.counted.connect(self._on_counted)
        self.indexer.refreshed.connect(self._on_refreshed)
        self.indexer.failed.connect(self.status.setText)
        self.indexer.timer.timeout.connect(self.look_again)
        self.offer.assign_wanted.connect(self.assign_wanted)
        self.new_button.clicked.connect(self.new_runbook)
        self.edit_keys = QKeySequence(by_name("runbook_edit").keys)
        edit = QShortcut(self.edit_keys, self, self.edit_runbook)
        edit.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            return QKeySequence(event.keyCombination()) == self.edit_keys  # not the line's
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if watched is self.search and key == Qt.Key.Key_Down:
                self._into_results()
                return True
            if watched is self.results and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                item = self.results.currentItem()
                if item is not None:
                    self.open_runbook(item.data(NAME))
                return True
            if key == Qt.Key.Key_Escape:
                self.close_pane()
                return True
        return super().eventFilter(watched, event)

    # -- showing -------------------------------------------------------------------

    def show_incident(self, incident_id: str | None) -> None:
        """Follow the window's incident: its suggestions, its steps done."""
        self.incident_id = incident_id
        if self.pages.currentWidget() is self.checklist and self.opened is not None:
            self.show_steps()
        else:
            self.show_list()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.indexer.resume()
        self.versions.stopped = False
        self.look_again()
        self.indexer.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.indexer.timer.stop()  # another tab in front: looked at again when shown
        super().hideEvent(event)

    def look_again(self, trust: bool = False) -> None:
        """Bring the index in step with the folder, off the GUI thread; the trust lines
        are weighed on the first look, after a change and after a step is logged."""
        try:
            folder = runbook_folder().absolute()
        except CommanderError as exc:
            self.status.setText(str(exc))
            return
        trust = trust or not self._looked or folder != self.folder
        self.folder = folder
        self.indexer.refresh(folder, self._log.clock.now(), trust)

    def _on_counted(self, count: int) -> None:
        if not self._looked:  # the first look may be the index's first build: seconds
            self.status.setText(f"Indexing {count:,} runbooks in {folder_words(self.folder)}…")

    def _on_refreshed(self, result: IndexResult) -> None:
        self._looked = True
        report = result.report
        total = report.added + report.changed + report.removed + report.unchanged
        self.status.setText(f"{total:,} runbooks in {folder_words(self.folder)}.")
        if result.trust is not None:
            self.trust_lines = result.trust
        if result.trust is not None or report.added or report.changed or report.removed:
            if self.pages.currentWidget() is self.checklist and self.opened is not None:
                self.show_steps()
            else:
                self.show_list()

    def show_list(self) -> None:
        """Typed words: the index's matches; nothing typed: the incident's suggestions."""
        typed = self.search.text().strip()
        current = self.results.currentItem()
        chosen = current.data(NAME) if current is not None else None
        self.results.clear()
        if typed:
            try:
                hits = search_runbooks(self._log.conn, typed)
            except ValidationError:
                hits = []
            for hit in hits:
                service = f" [{hit.service}]" if hit.service else ""
                snippet = " ".join(hit.snippet.split())
                self._add_row(hit.name, f"{hit.title or hit.name}{service}\n    {snippet}")
            if not hits:
                self._add_row(None, "No runbook matches these words.")
            return
        if self.incident_id is None:
            self._add_row(None, "Select an incident to see the runbooks suggested for it.")
            return
        suggestions = suggest_runbooks(self._log, self.incident_id)
        for suggestion in suggestions:
            runbook = suggestion.runbook.runbook
            title = runbook.title if runbook and runbook.title else suggestion.runbook.name
            self._add_row(
                suggestion.runbook.name,
                f"★ {title}  ({suggestion.runbook.name})\n    why: {suggestion.why}\n"
                f"    trust: {self._trust(suggestion.runbook.name)}",
            )
        if not suggestions:
            self._add_row(None, "No runbook is suggested for this incident: type to search.")
        rows = [self.results.item(n).data(NAME) for n in range(self.results.count())]
        if rows and rows[0]:
            self.results.setCurrentRow(rows.index(chosen) if chosen in rows else 0)

    def _add_row(self, name: str | None, text: str) -> None:
        item = QListWidgetItem(text)
        item.setData(NAME, name)
        if name is None:
            item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.results.addItem(item)

    def _trust(self, name: str) -> str:
        return self.trust_lines.get(name, "being weighed…")

    def _into_results(self) -> None:
        for row in range(self.results.count()):
            if self.results.item(row).data(NAME):
                self.results.setCurrentRow(row)
                self.results.setFocus()
                return

    def show_results(self) -> None:
        self.pages.setCurrentIndex(0)
        self.results.setFocus()

    def open_runbook(self, name: str | None) -> bool:
        """Enter on a runbook: its steps as a checklist, focus in the list."""
        if not name:
            return False
        try:
            self.opened = find_runbook(self._log.conn, name)
        except CommanderError as exc:
            self.problem.emit(str(exc))
            return False
        if self.opened.runbook is None:
            problems = "; ".join(f"line {p.line}: {p.message}" for p in self.opened.problems)
            self.problem.emit(f"{name} does not parse, so it cannot be followed: {problems}")
            return False
        self.versions.look(self.opened)  # its git commit, read off this thread
        self.show_steps()
        self.pages.setCurrentWidget(self.checklist)
        self.checklist.steps.setFocus()
        return True

    def show_steps(self) -> None:
        """The opened runbook again (as the index has it now), with this incident's steps."""
        if self.opened is None:
            return
        try:
            self.opened = find_runbook(self._log.conn, self.opened.name)
        except CommanderError:
            self.status.setText(f"{self.opened.name} is no longer in the folder.")
            return
        runbook = self.opened.runbook
        if runbook is None:
            self.status.setText(f"{self.opened.name} no longer parses.")
            return
        followed = (
            followed_steps(self._log.conn, self.incident_id, self.opened.name)
            if self.incident_id
            else {}
        )
        trust = self._trust(self.opened.name)
        self.checklist.show_runbook(
            runbook, self.opened.name, trust, followed, self._log.clock.now()
        )

    # -- acting on a step ------------------------------------------------------------

    def _on_asked(self, what: str, number: int) -> None:
        {
            "runbook_copy": self.copy_command,
            "runbook_done": self.ask_done,
            "runbook_wrong": self.ask_wrong,
            "runbook_escalate": self.ask_escalation,
        }[what](number)

    def _target(self) -> tuple[str, IndexedRunbook] | None:
        if self.incident_id is None or self.opened is None:
            self.problem.emit("Select an incident first: the steps are logged in one.")
            return None
        return self.incident_id, self.opened

    def copy_command(self, number: int) -> bool:
        if self.opened is None or self.opened.runbook is None:
            return False
        step = find_step(self.opened.runbook, number)
        if not step.commands:
            self.problem.emit(f"Step {number} has no command to copy.")
            return False
        QGuiApplication.clipboard().setText("\n".join(step.commands))
        self.status.setText(f"Step {number}'s command is on the clipboard.")
        return True

    def _open_dialog(self, title: str, question: str, write: object, bounded: bool) -> None:
        assert callable(write)
        self.dialog = StepTextDialog(title, question, write, self, bounded=bounded)
        self.dialog.accepted.connect(self._after_write)
        self.dialog.open()

    def ask_done(self, number: int) -> None:
        target = self._target()
        if target is None:
            return
        incident_id, indexed = target

        def write(output: str) -> None:
            record_done(self._log, incident_id, indexed, number, output, author=self._author,
                        version=self.versions.version(indexed))  # fmt: skip

        self._open_dialog(
            f"Step {number} done",
            f"Step {number} done. Paste or type the output you saw (it goes into the "
            "timeline with the runbook's version); leave it empty if there was none.",
            write,
            True,
        )

    def ask_wrong(self, number: int) -> None:
        target = self._target()
        if target is None:
            return
        incident_id, indexed = target

        def write(note: str) -> None:
            record_wrong(self._log, incident_id, indexed, number, note, author=self._author,
                         version=self.versions.version(indexed))  # fmt: skip

        self._open_dialog(
            f"Step {number} is wrong or outdated",
            f"What is wrong with step {number}, and what worked instead? A follow-up to "
            "fix the runbook is written with it.",
            write,
            False,
        )

    def _after_write(self) -> None:
        self.wrote.emit()
        self.show_steps()
        self.look_again(trust=True)  # a use or a flag changes the trust line

    def ask_escalation(self, number: int) -> bool:
        target = self._target()
        if target is None or self.opened is None or self.opened.runbook is None:
            return False
        incident_id, indexed = target
        named = escalations(find_step(self.opened.runbook, number))
        if not named:
            self.problem.emit(f"Step {number} names no one to escalate to.")
            return False
        choices = [f"{d.target} — {d.describe()}" for d in named]
        chosen = ask_choice(self, f"Escalate from step {number}", "Escalate to:", choices)
        if chosen is None:
            return False
        whom = named[choices.index(chosen)].target
        try:
            event = record_escalation(
                self._log, incident_id, indexed, number, author=self._author, to=whom,
                version=self.versions.version(indexed),
            )  # fmt: skip
        except CommanderError as exc:
            self.problem.emit(str(exc))
            return False
        self._after_write()
        self.offer.offer(str(event.body["escalate_to"]))  # asked, never done by itself
        return True

    def offer_answered(self, assigned: bool) -> None:
        if assigned:
            self.offer.hide()
            self.status.setText(f"{self.offer.person} has the role now.")

    def edit_runbook(self) -> RunbookEditor | None:
        """Ctrl+E: the runbook open (or the one selected in the list) in the editor."""
        from commander_app.ui.runbooks.editor_dialog import open_editor

        item = self.results.currentItem()
        if self.pages.currentWidget() is self.checklist and self.opened is not None:
            name = self.opened.name
        else:
            name = str(item.data(NAME) or "") if item is not None else ""
        if not name:
            self.problem.emit("Select a runbook to edit: Down or Enter in the list.")
            return None
        return self._edit(lambda: open_editor(self._log, name, self.folder, self.incident_id, self))

    def new_runbook(self) -> RunbookEditor | None:
        from commander_app.ui.runbooks.editor_dialog import open_new_editor

        return self._edit(lambda: open_new_editor(self._log, self.folder, self.incident_id, self))

    def _edit(self, opening: Callable[[], RunbookEditor]) -> RunbookEditor | None:
        try:
            editor = self.editor = opening()
        except CommanderError as exc:
            self.problem.emit(str(exc))
            return None
        editor.saved.connect(lambda: self.look_again(trust=True))
        return editor

    # -- closing ---------------------------------------------------------------------

    def close_pane(self) -> None:
        """Esc: the tab goes; its timer and any refresh under way stop."""
        self.stop()
        self.closed.emit()

    def stop(self) -> None:
        self.indexer.stop()
        self.versions.stop()
        if self.editor is not None:
            self.editor.stop()
