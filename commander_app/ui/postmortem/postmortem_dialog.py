"""The postmortem window: analysis first, the facts from the log beside it.

Non-modal, so the commander can read the timeline while writing. Every button calls
the store function `commander postmortem` calls; a refusal is shown in the same words
and keeps what was typed. Text typed in a section stays while another is open, and
closing with unsaved text asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError
from commander_app.core.postmortem import (
    CATEGORY_LABELS,
    SECTION_PROMPTS,
    SECTION_TITLES,
    FactorCategory,
    Flagged,
    Postmortem,
    PostmortemState,
    Section,
)
from commander_app.core.times import format_local
from commander_app.store import postmortem as store
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.ask import ask_text
from commander_app.ui.error_line import ErrorLine
from commander_app.ui.palette import amber, confirmed

FACTORS_ROW = len(Section)  # the list's rows: the sections, then factors, then facts
FACTS_ROW = FACTORS_ROW + 1


class PostmortemDialog(QDialog):
    changed = Signal()  # something was written; the window reads the log back
    customer_summary = Signal(str)  # incident id: draft what customers are told of it

    def __init__(self, log: IncidentLog, author: str, zone: tzinfo, parent: QWidget) -> None:
        super().__init__(parent)
        self._log, self._author, self._zone = log, author, zone
        self._incident_id: str | None = None
        self._drafts: dict[Section, str] = {}  # typed, not saved yet
        self._pm: Postmortem | None = None
        self._flagged: list[Flagged] = []
        self._facts_stale = True  # the facts page is rendered when next shown
        self.setWindowTitle("Postmortem")
        self.resize(1000, 700)
        self._init_header()
        self._init_pages()
        layout = QVBoxLayout(self)
        layout.addLayout(self._header)
        layout.addWidget(self.problems)
        layout.addWidget(self.error)
        body = QHBoxLayout()
        body.addWidget(self.contents)
        body.addWidget(self.pages, 1)
        layout.addLayout(body, 1)
        self._connect_signals()

    def _init_header(self) -> None:
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.heading.setFont(font)
        self.state = QLabel()
        self.review = QPushButton("Send for &review")
        self.publish = QPushButton("&Publish")
        self.back = QPushButton("Back to &draft")
        self.summary_button = QPushButton("Customer s&ummary…")
        self.summary_button.setToolTip(
            "Draft the short public summary from this postmortem (template customer-summary),"
            " to review, then send to customers or copy"
        )
        self._header = QHBoxLayout()
        self._header.addWidget(self.heading, 1)
        for widget in (self.state, self.review, self.publish, self.back, self.summary_button):
            self._header.addWidget(widget)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.error = ErrorLine()

    def _init_pages(self) -> None:
        self.contents = QListWidget()
        self.contents.addItems([SECTION_TITLES[s] for s in Section])
        self.contents.addItems(["Contributing factors", "Facts from the log"])
        self.contents.setMaximumWidth(240)
        self.contents.setSpacing(2)
        self.pages = QStackedWidget()
        section_page = QWidget()
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.written = QLabel()
        self.blame = QLabel()  # sentences of this section that read as blame, and why
        self.blame.setWordWrap(True)
        self.blame.setTextFormat(Qt.TextFormat.PlainText)
        self.save = QPushButton("&Save section")
        self.save.setToolTip("Ctrl+S")
        row = QHBoxLayout()
        row.addWidget(self.written, 1)
        row.addWidget(self.save)
        column = QVBoxLayout(section_page)
        column.addWidget(self.prompt)
        column.addWidget(self.editor, 1)
        column.addWidget(self.blame)
        column.addLayout(row)
        factor_page = QWidget()
        self.factors = QListWidget()
        self.add_factor = QPushButton("&Add factor…")
        self.remove_factor = QPushButton("Re&move")
        hint = QLabel(
            "A contributing factor is a condition that made the incident possible or worse "
            "(a threshold, a missing runbook step, a deploy without a canary), never a person."
        )
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_factor)
        buttons.addWidget(self.remove_factor)
        buttons.addStretch()
        column = QVBoxLayout(factor_page)
        column.addWidget(hint)
        column.addWidget(self.factors, 1)
        column.addLayout(buttons)
        self.facts = QTextBrowser()
        for page in (section_page, factor_page, self.facts):
            self.pages.addWidget(page)

    def _connect_signals(self) -> None:
        self.contents.currentRowChanged.connect(self._show_row)
        self.editor.textChanged.connect(self._keep_draft)
        self.save.clicked.connect(self.save_section)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_section)
        self.add_factor.clicked.connect(self.ask_factor)
        self.remove_factor.clicked.connect(self.remove_selected_factor)
        self.review.clicked.connect(lambda: self.move_to(PostmortemState.IN_REVIEW))
        self.publish.clicked.connect(self.ask_publish)
        self.summary_button.clicked.connect(self._on_summary)
        self.back.clicked.connect(lambda: self.move_to(PostmortemState.DRAFT))

    # -- showing ---------------------------------------------------------------

    def show_incident(self, incident_id: str) -> None:
        if incident_id != self._incident_id:
            if self._drafts and not self._may_drop_drafts():
                return
            self._drafts = {}
        self._incident_id = incident_id
        self.refresh()
        if self.contents.currentRow() < 0:
            self.contents.setCurrentRow(0)

    def refresh(self) -> None:
        if self._incident_id is None:
            return
        state = self._log.incident(self._incident_id)
        self._pm = pm = store.postmortem(self._log, self._incident_id)
        drill = " (drill)" if state.is_drill else ""
        self.heading.setText(f"{state.title}{drill}")
        self.state.setText(pm.state.value.replace("_", " ").capitalize())
        self.review.setVisible(pm.state is PostmortemState.DRAFT)
        self.publish.setVisible(pm.state is PostmortemState.IN_REVIEW)
        self.back.setVisible(pm.state is not PostmortemState.DRAFT)
        self.back.setText("&Reopen" if pm.state is PostmortemState.PUBLISHED else "Back to &draft")
        self._flagged = store.flagged(self._log, self._incident_id)
        found = store.problems(self._log, self._incident_id)
        self.problems.setText("\n".join(f"• {p}" for p in found) or "Ready to publish.")
        colour = (amber() if found else confirmed()).name()
        self.problems.setStyleSheet(f"color: {colour}")
        for section in Section:
            self._mark(section)
        self.factors.clear()
        for n, factor in enumerate(pm.live_factors, 1):
            self.factors.addItem(f"CF{n}  {CATEGORY_LABELS[factor.category]}: {factor.text}")
        # The facts page holds the whole postmortem with its timeline (0.7 s for 3,000
        # entries): rendered when it is shown, not on every save.
        self._facts_stale = True
        self._show_row(self.contents.currentRow())

    def _mark(self, section: Section) -> None:
        """✎ typed and not saved; ○ not written yet."""
        if self._pm is None:
            return
        mark = "" if self._pm.text(section) else "  ○"
        mark = "  ✎" if section in self._drafts else mark
        self.contents.item(list(Section).index(section)).setText(SECTION_TITLES[section] + mark)

    def _show_row(self, row: int) -> None:
        if row < 0 or self._pm is None:
            return
        if row == FACTORS_ROW:
            self.pages.setCurrentIndex(1)
            return
        if row == FACTS_ROW:
            if self._facts_stale and self._incident_id is not None:
                self.facts.setMarkdown(store.markdown(self._log, self._incident_id, self._zone))
                self._facts_stale = False
            self.pages.setCurrentIndex(2)
            return
        self.pages.setCurrentIndex(0)
        section = list(Section)[row]
        self.prompt.setText(SECTION_PROMPTS[section])
        text = self._drafts.get(section, self._pm.text(section))
        if self.editor.toPlainText() != text:
            self.editor.blockSignals(True)
            self.editor.setPlainText(text)
            self.editor.blockSignals(False)
        here = [f.finding for f in self._flagged if f.where == section.value]
        self.blame.setText(
            "\n".join(f"“{f.sentence}” reads as blame. {f.why} Try: {f.suggestion}" for f in here)
        )
        self.blame.setStyleSheet(f"color: {amber().name()}")
        self.blame.setVisible(bool(here))
        latest = self._pm.latest(section)
        versions = len(self._pm.sections.get(section, []))
        self.written.setText(
            f"Written by {latest.author}, {format_local(latest.at, self._zone)}"
            + (f" ({versions} versions kept)" if versions > 1 else "")
            if latest
            else "Not written yet."
        )

    def current_section(self) -> Section | None:
        row = self.contents.currentRow()
        return list(Section)[row] if 0 <= row < FACTORS_ROW else None

    def _keep_draft(self) -> None:
        section = self.current_section()
        if section is None or self._pm is None:
            return
        typed = self.editor.toPlainText()
        if typed.strip() == self._pm.text(section).strip():
            self._drafts.pop(section, None)
        else:
            self._drafts[section] = typed
        self._mark(section)

    # -- writing ---------------------------------------------------------------

    def _attempt(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except CommanderError as exc:
            self.error.say(str(exc))
            return False
        self.error.say("")
        self.changed.emit()
        self.refresh()
        return True

    def save_section(self) -> bool:
        section, incident_id = self.current_section(), self._incident_id
        if section is None or incident_id is None:
            return False
        text = self.editor.toPlainText()

        def write() -> None:
            store.write_section(self._log, incident_id, section, text, author=self._author)
            self._drafts.pop(section, None)

        return self._attempt(write)

    def add_factor_text(self, text: str, category: FactorCategory) -> bool:
        incident_id = self._incident_id
        if incident_id is None:
            return False
        return self._attempt(
            lambda: store.add_factor(self._log, incident_id, text, category, author=self._author)
        )

    def ask_factor(self) -> None:
        text = ask_text(self, "Contributing factor", "What condition made it possible or worse?")
        if not text or not text.strip():
            return
        box = QComboBox()
        box.addItems([CATEGORY_LABELS[c] for c in FactorCategory])
        dialog = QMessageBox(self)
        dialog.setWindowTitle("Category")
        dialog.setText(f"Which kind of condition is “{text.strip()}”?")
        layout = dialog.layout()
        if layout is not None:
            layout.addWidget(box)
        dialog.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
        if dialog.exec() == QMessageBox.StandardButton.Ok:
            self.add_factor_text(text, list(FactorCategory)[box.currentIndex()])

    def remove_selected_factor(self) -> bool:
        row, incident_id = self.factors.currentRow(), self._incident_id
        if row < 0 or incident_id is None:
            return False
        return self._attempt(
            lambda: store.change_factor(
                self._log, incident_id, f"CF{row + 1}", removed=True, author=self._author
            )
        )

    def move_to(self, state: PostmortemState, keep_wording: str | None = None) -> bool:
        incident_id = self._incident_id
        if incident_id is None:
            return False
        return self._attempt(
            lambda: store.move(
                self._log, incident_id, state, author=self._author, keep_wording=keep_wording
            )
        )

    def _on_summary(self) -> None:
        """The summary quotes the saved sections: text still being typed is kept here and
        said so, never left out silently."""
        self._keep_draft()
        if self._incident_id is None:
            return
        if self._drafts:
            names = ", ".join(SECTION_TITLES[s].lower() for s in self._drafts)
            self.error.say(
                f"The {names} text is not saved, and the customer summary quotes saved "
                "sections only: save it (Ctrl+S), then draft the summary."
            )
            return
        self.error.say("")
        self.customer_summary.emit(self._incident_id)

    def ask_publish(self) -> bool:
        """Publish; wording the blame check flagged is kept only with a reason, on record."""
        if not self._flagged:
            return self.move_to(PostmortemState.PUBLISHED)
        count = len(self._flagged)
        reason = ask_text(
            self,
            "Keep the wording?",
            f"{count} sentence{'s' if count > 1 else ''} read{'' if count > 1 else 's'} as "
            "blame (shown under each section). Reword them, or say why they stay as written:",
        )
        if reason is None:
            return False
        return self.move_to(PostmortemState.PUBLISHED, keep_wording=reason)

    # -- closing ---------------------------------------------------------------

    def _may_drop_drafts(self) -> bool:
        names = ", ".join(SECTION_TITLES[s].lower() for s in self._drafts)
        answer = QMessageBox.question(
            self,
            "Unsaved postmortem text",
            f"The {names} text is not saved. Close without saving it?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def reject(self) -> None:
        """Escape closes as the window's close button does: unsaved text is asked about."""
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._drafts and not self._may_drop_drafts():
            event.ignore()
            return
        self._drafts = {}
        event.accept()  # not QDialog's own closeEvent: it would call reject(), which closes
