"""Write update templates with the message they make in view: a live preview
against the open incident (or a sample one), and every placeholder a double-click away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any, Literal

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFontDatabase,
    QKeySequence,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError, ValidationError
from commander_app.core.model import Audience
from commander_app.core.template_catalog import (
    ANY_AUDIENCE,
    PHASES,
    TemplateInfo,
    clean_template_name,
)
from commander_app.core.templates import TemplateError, render
from commander_app.core.update_context import CONTEXT_HELP, sample_context, update_context
from commander_app.store import board, templates
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.ask import ask_text
from commander_app.ui.error_line import ErrorLine
from commander_app.ui.palette import warning

Answer = Literal["save", "discard", "cancel"]
NameRole = Qt.ItemDataRole.UserRole + 1
PREVIEW_DELAY_MS = 300  # re-render once typing pauses, not on every keystroke
AUDIENCES = (*(a.value for a in Audience), ANY_AUDIENCE)
NO_PHASE = "none"
ORIGIN_LABELS = {"shipped": "shipped", "custom": "yours", "override": "yours, over shipped"}
ORIGIN_NOTES = {
    "shipped": "Shipped with Commander. Saving creates your version; "
    "the shipped one stays available via Reset.",
    "custom": "Your template.",
    "override": "Your version of a shipped template. "
    "Reset to shipped removes it and brings the shipped text back.",
}
STARTER_BODY = """\
Subject: {% if is_drill %}[DRILL] {% endif %}[{{ severity }}] {{ title }}: {{ status }}

{{ status }} since {{ started_at }}.
{% if impact %}
Impact: {{ impact }}
{% endif %}
{% if next_update %}
Next update by {{ next_update }}.
{% endif %}
"""


def _fixed_font_editor(*, read_only: bool) -> QPlainTextEdit:
    editor = QPlainTextEdit()
    editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    editor.setReadOnly(read_only)
    return editor


def _table(headers: list[str]) -> tuple[QTreeView, QStandardItemModel]:
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels(headers)
    view = QTreeView()
    view.setModel(model)
    view.setRootIsDecorated(False)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    return view, model


def _row(texts: list[str], name: str, tip: str) -> list[QStandardItem]:
    items = []
    for text in texts:
        item = QStandardItem(text)
        item.setEditable(False)
        item.setData(name, NameRole)
        item.setToolTip(tip)
        items.append(item)
    return items


class TemplateEditor(QDialog):
    """Every write is one `store.templates` call, the same the CLI makes; the
    dialog only keeps the user's unsaved text until they save or let it go."""

    templates_changed = Signal()  # a template was saved, copied, removed or reset

    def __init__(
        self,
        log: IncidentLog,
        incident_id: str | None,
        *,
        zone: tzinfo,
        readers_zone: tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`zone` is the incident team's (the `*_team` times); `readers_zone` the
        stakeholders' (the `*_local` times), by default the same."""
        super().__init__(parent)
        self._log, self._incident_id, self._zone = log, incident_id, zone
        self._readers = readers_zone or zone
        self._current: TemplateInfo | None = None  # as stored; None while a new one is unsaved
        self._saved: tuple[str, str, str | None, str] | None = None  # the fields as stored
        self._is_new = False  # a new template, not stored yet
        self._error = ""
        self._quiet = False  # the list is being refilled or put back: not the user choosing
        # Questions the tests answer without a modal box.
        self.confirm_discard: Callable[[str], Answer] = self._ask_discard
        self.confirm_delete: Callable[[TemplateInfo], bool] = self._ask_delete
        self.ask_name: Callable[[str, str], str | None] = self._ask_name
        self.setWindowTitle("Update templates[*]")
        self.resize(1100, 720)
        self._init_list()
        self._init_form()
        self._init_preview()
        self._init_placeholders()
        self._init_buttons()
        self._init_layout()
        self._connect_signals()
        self._fill_list()
        first = self.templates.index(0, 0).data(NameRole)
        if first is not None:
            self.select(first)

    # -- building ----------------------------------------------------------------

    def _init_list(self) -> None:
        self.list_view, self.templates = _table(["Template", "Audience", "Origin"])

    def _init_form(self) -> None:
        self.name = QLineEdit()
        self.name.setReadOnly(True)
        self.name.setToolTip("New and Duplicate ask for a name; a saved template keeps its own.")
        self.audience = QComboBox()
        for audience in AUDIENCES:
            self.audience.addItem(audience, audience)
        self.phase = QComboBox()
        for phase in (*PHASES, NO_PHASE):
            self.phase.addItem(phase, None if phase == NO_PHASE else phase)
        self.phase.setToolTip("When the template is used; none: any time (chosen by name).")
        self.origin_note = QLabel()
        self.origin_note.setWordWrap(True)
        self.body = _fixed_font_editor(read_only=False)
        self.body.setTabChangesFocus(True)
        self.message = QLabel()
        self.message.setWordWrap(True)

    def _init_preview(self) -> None:
        self.preview_caption = QLabel()
        self.preview = _fixed_font_editor(read_only=True)
        self.error = ErrorLine()
        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.setInterval(PREVIEW_DELAY_MS)
        if self._incident_id is None:
            self.preview_caption.setText("Preview with a sample incident (none is open)")
        else:
            title = self._log.incident(self._incident_id).title
            self.preview_caption.setText(f"Preview with “{title}” as it stands now")

    def _init_placeholders(self) -> None:
        self.placeholders_view, self.placeholders = _table(["Placeholder", "Meaning"])
        for name, meaning in CONTEXT_HELP:
            self.placeholders.appendRow(_row([name, meaning], name, f"{name} — {meaning}"))
        self.placeholders_view.setToolTip("Double-click a placeholder to insert it at the cursor.")

    def _init_buttons(self) -> None:
        self.new_button = QPushButton("New…")
        self.duplicate_button = QPushButton("Duplicate…")
        self.save_button = QPushButton("Save")
        self.delete_button = QPushButton("Delete")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.shortcuts: dict[str, QShortcut] = {}
        for keys, button in (
            ("Ctrl+N", self.new_button),
            ("Ctrl+D", self.duplicate_button),
            ("Ctrl+S", self.save_button),
        ):
            button.setToolTip(keys)
            self.shortcuts[keys] = QShortcut(QKeySequence(keys), self)

    def _init_layout(self) -> None:
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("&Audience", self.audience)
        form.addRow("&Phase", self.phase)
        placeholders = QGroupBox("Placeholders (double-click to insert)")
        QVBoxLayout(placeholders).addWidget(self.placeholders_view)
        writing = QSplitter(Qt.Orientation.Horizontal)
        writing.addWidget(self.body)
        writing.addWidget(placeholders)
        writing.setStretchFactor(0, 3)
        writing.setStretchFactor(1, 2)
        previewing = QWidget()
        preview_column = QVBoxLayout(previewing)
        preview_column.setContentsMargins(0, 0, 0, 0)
        for widget in (self.preview_caption, self.preview, self.error):
            preview_column.addWidget(widget)
        preview_column.setStretch(1, 1)
        stacked = QSplitter(Qt.Orientation.Vertical)
        stacked.addWidget(writing)
        stacked.addWidget(previewing)
        editing = QWidget()
        right = QVBoxLayout(editing)
        right.setContentsMargins(0, 0, 0, 0)
        right.addLayout(form)
        right.addWidget(self.origin_note)
        right.addWidget(stacked, 1)
        sides = QSplitter(Qt.Orientation.Horizontal)
        sides.addWidget(self.list_view)
        sides.addWidget(editing)
        sides.setStretchFactor(1, 1)
        row = QHBoxLayout()
        for button in (self.new_button, self.duplicate_button, self.save_button):
            row.addWidget(button)
        row.addWidget(self.delete_button)
        row.addStretch()
        row.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(sides, 1)
        layout.addWidget(self.message)
        layout.addLayout(row)

    def _connect_signals(self) -> None:
        selection = self.list_view.selectionModel()
        selection.currentChanged.connect(self._on_current_changed)
        self.body.textChanged.connect(self._on_body_changed)
        self.audience.currentIndexChanged.connect(lambda _i: self._show_dirty())
        self.phase.currentIndexChanged.connect(lambda _i: self._show_dirty())
        self.preview_timer.timeout.connect(self._render_preview)
        self.placeholders_view.doubleClicked.connect(
            lambda index: self.insert_placeholder(index.data(NameRole))
        )
        self.new_button.clicked.connect(self.ask_new)
        self.duplicate_button.clicked.connect(self.ask_duplicate)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        self.shortcuts["Ctrl+N"].activated.connect(self.ask_new)
        self.shortcuts["Ctrl+D"].activated.connect(self.ask_duplicate)
        self.shortcuts["Ctrl+S"].activated.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    # -- the list ------------------------------------------------------------------

    def _fill_list(self) -> None:
        """Read the templates again; the editor's own template stays current."""
        self._quiet = True
        try:
            self.templates.removeRows(0, self.templates.rowCount())
            for info in templates.list_templates(self._log):
                label = ORIGIN_LABELS[info.origin]
                tip = f"{info.name}: for {info.audience}, phase {info.phase or NO_PHASE}, {label}"
                self.templates.appendRow(_row([info.name, info.audience, label], info.name, tip))
        finally:
            self._quiet = False
        self._select_row(self._current.name if self._current else None)

    def _select_row(self, name: str | None) -> None:
        self._quiet = True
        try:
            for row in range(self.templates.rowCount()):
                index = self.templates.index(row, 0)
                if name is not None and index.data(NameRole) == name:
                    self.list_view.setCurrentIndex(index)
                    return
            self.list_view.selectionModel().clear()
        finally:
            self._quiet = False

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        name = current.data(NameRole)
        if not self._quiet and name is not None:
            self._open(name)

    def _open(self, name: str) -> bool:
        if self._current is not None and self._current.name == name:
            self._select_row(name)
            return True
        if not self._may_leave():
            self._select_row(self._current.name if self._current else None)
            return False
        self._show(templates.get_template(self._log, name))
        return True

    # -- what the editor shows -------------------------------------------------

    def _show(self, info: TemplateInfo | None, *, new_name: str = "") -> None:
        """Put `info` in the editor, or a new unsaved template called `new_name`."""
        self._current = info
        self._saved = (info.name, info.audience, info.phase, info.body) if info else None
        self._is_new = info is None
        self.name.setText(info.name if info else new_name)
        self.audience.setCurrentIndex(self.audience.findData(info.audience if info else "internal"))
        self.phase.setCurrentIndex(
            self.phase.findText(info.phase if info and info.phase else NO_PHASE)
        )
        self._show_origin(info)
        self.preview.clear()  # another template's last good text would mislead
        self.body.setPlainText(info.body if info else STARTER_BODY)
        self._select_row(info.name if info else None)
        self.flush_preview()
        self._show_dirty()

    def _show_origin(self, info: TemplateInfo | None) -> None:
        """Say whose template this is, and what Delete does to it."""
        self.origin_note.setText(
            ORIGIN_NOTES[info.origin] if info else "A new template: not saved yet."
        )
        shipped = info is not None and info.origin == "shipped"
        override = info is not None and info.origin == "override"
        self.delete_button.setText("Reset to shipped" if override else "Delete")
        self.delete_button.setEnabled(info is not None and not shipped)
        self.delete_button.setToolTip("A shipped template cannot be removed." if shipped else "")

    def _fields(self) -> tuple[str, str, str | None, str]:
        return (
            self.name.text(),
            self.audience.currentData(),
            self.phase.currentData(),
            self.body.toPlainText(),
        )

    def has_unsaved_changes(self) -> bool:
        return self._is_new or (self._saved is not None and self._fields() != self._saved)

    def _show_dirty(self) -> None:
        dirty = self.has_unsaved_changes()
        self.setWindowModified(dirty)
        self.save_button.setEnabled(dirty)

    def _on_body_changed(self) -> None:
        self._show_dirty()
        self.preview_timer.start()  # restarts: renders once the typing pauses

    def _tell(self, text: str) -> None:
        self.message.setText(text)

    # -- preview -------------------------------------------------------------------

    def _context(self) -> dict[str, Any]:
        if self._incident_id is None:
            return sample_context()
        return update_context(
            self._log.incident(self._incident_id),
            board.board(self._log, self._incident_id),
            self._log.clock.now(),
            stakeholder_zone=self._readers,
            local_zone=self._zone,
            next_update_due=None,
            workaround=None,
            affected_services=(),
            impact=None,
            text_zone=self._zone if self.audience.currentData() == "internal" else None,
        )

    def flush_preview(self) -> None:
        """Render now instead of when typing pauses."""
        self.preview_timer.stop()
        self._render_preview()

    def _render_preview(self) -> None:
        """Fill the preview; on an error keep the last good text and say what and where."""
        name = self.name.text() or "new"
        try:
            rendered = render(self.body.toPlainText(), self._context(), name=name)
        except CommanderError as exc:
            self._show_error(str(exc), exc.line if isinstance(exc, TemplateError) else None)
            return
        self._show_error("", None)
        self.preview.setPlainText(rendered.as_text())

    def _show_error(self, text: str, line: int | None) -> None:
        self._error = text
        self.error.say(text)
        marks = []
        block = self.body.document().findBlockByNumber(line - 1) if line else None
        if block is not None and block.isValid():
            mark = QTextEdit.ExtraSelection()
            colour = warning()
            colour.setAlpha(60)
            mark.format.setBackground(colour)
            mark.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            mark.cursor = QTextCursor(block)
            marks.append(mark)
        self.body.setExtraSelections(marks)

    def preview_text(self) -> str:
        return self.preview.toPlainText()

    def error_text(self) -> str:
        return self._error

    def message_text(self) -> str:
        return self.message.text()

    def insert_placeholder(self, name: str) -> None:
        self.body.textCursor().insertText(f"{{{{ {name} }}}}")
        self.body.setFocus()

    # -- actions ---------------------------------------------------------------

    def select(self, name: str) -> bool:
        """Open the template `name`, asking first about unsaved changes."""
        try:
            info = templates.get_template(self._log, name)
        except CommanderError as exc:
            self._tell(str(exc))
            return False
        return self._open(info.name)

    def set_body(self, text: str) -> None:
        self.body.setPlainText(text)

    def save(self) -> bool:
        """Store the editor's template; a refused one keeps every edit on screen."""
        if not self.has_unsaved_changes():
            return True
        name, audience, phase, body = self._fields()
        try:
            saved = templates.save_template(self._log, name, body, audience, phase)
        except CommanderError as exc:
            self._tell(f"Not saved — {exc} Your edits are kept.")
            if isinstance(exc, TemplateError):
                self._show_error(str(exc), exc.line)
            return False
        was = self._current.origin if self._current else None
        self._current = saved
        self._saved = (saved.name, saved.audience, saved.phase, saved.body)
        self._is_new = False
        self._fill_list()  # the body stays as typed: the cursor does not jump
        self._show_origin(saved)
        self._show_dirty()
        self.templates_changed.emit()
        self._tell(
            f"Saved your version of '{saved.name}'; Reset to shipped brings the shipped one back."
            if was == "shipped"
            else f"Saved '{saved.name}'."
        )
        return True

    def _show_after_write(self, info: TemplateInfo) -> None:
        self._fill_list()
        self._show(info)
        self.templates_changed.emit()

    def _new_name(self, name: str) -> str:
        cleaned = clean_template_name(name)
        if any(t.name == cleaned for t in templates.list_templates(self._log)):
            raise ValidationError(f"There is already a template '{cleaned}'; choose another name.")
        return cleaned

    def new_template(self, name: str) -> bool:
        """Start an unsaved template called `name` from a short example."""
        try:
            cleaned = self._new_name(name)
        except CommanderError as exc:
            self._tell(str(exc))
            return False
        if not self._may_leave():
            return False
        self._show(None, new_name=cleaned)
        self._tell(f"New template '{cleaned}': edit it, then save.")
        return True

    def duplicate(self, new_name: str) -> bool:
        """Save what the editor shows, edits included, as `new_name`; the original
        stays as it was stored."""
        name, audience, phase, body = self._fields()
        try:
            cleaned = self._new_name(new_name)
            if self.has_unsaved_changes():
                copy = templates.save_template(self._log, cleaned, body, audience, phase)
            else:
                copy = templates.duplicate_template(self._log, name, cleaned)
        except CommanderError as exc:
            self._tell(f"Not copied — {exc}")
            return False
        self._show_after_write(copy)
        self._tell(f"Copied '{name}' as '{copy.name}'.")
        return True

    def delete(self) -> bool:
        """Remove the user's template, or their version of a shipped one (Reset)."""
        info = self._current
        if info is None:
            self._tell("This template is not saved yet; there is nothing to delete.")
            return False
        if not self.confirm_delete(info):
            return False
        try:
            shipped = templates.delete_template(self._log, info.name)
        except CommanderError as exc:
            self._tell(str(exc))
            return False
        row = self.list_view.currentIndex().row()
        self._current, self._saved, self._is_new = None, None, False
        self._fill_list()
        if shipped is None:
            after = self.templates.index(min(max(row, 0), self.templates.rowCount() - 1), 0)
            shipped = templates.get_template(self._log, after.data(NameRole))
            self._tell(f"Deleted '{info.name}'.")
        else:
            self._tell(f"'{info.name}' is the shipped template again.")
        self._show_after_write(shipped)
        return True

    def ask_new(self) -> None:
        name = self.ask_name("Name of the new template (for example customers-outage):", "")
        if name is not None:
            self.new_template(name)

    def ask_duplicate(self) -> None:
        suggestion = f"{self.name.text()}-copy" if self.name.text() else ""
        name = self.ask_name("Name of the copy:", suggestion)
        if name is not None:
            self.duplicate(name)

    def reject(self) -> None:
        """Close (Esc, the Close button, the window's ×) unless unsaved edits should stay."""
        if self._may_leave():
            self.preview_timer.stop()
            super().reject()

    # -- questions -------------------------------------------------------------

    def _may_leave(self) -> bool:
        if not self.has_unsaved_changes():
            return True
        answer = self.confirm_discard(self.name.text())
        if answer == "save":
            return self.save()
        return answer == "discard"

    def _ask_discard(self, name: str) -> Answer:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"The template '{name}' has changes that are not saved.",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return "save"
        return "discard" if answer == buttons.Discard else "cancel"

    def _ask_delete(self, info: TemplateInfo) -> bool:
        if info.origin == "override":
            question = f"Remove your version of '{info.name}' and use the shipped one again?"
        else:
            question = f"Delete the template '{info.name}'?"
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Template", question, buttons.Yes | buttons.Cancel, buttons.Cancel
        )
        return answer == buttons.Yes

    def _ask_name(self, prompt: str, suggestion: str) -> str | None:
        name = ask_text(self, "Template name", prompt, text=suggestion)
        return name if name and name.strip() else None
