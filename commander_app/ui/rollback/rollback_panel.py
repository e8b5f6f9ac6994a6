"""The rollback checklist with its authority row, the decisions with their outcomes,
and the divergence register: deciding fast, and recording why."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QStandardItem
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
)

from commander_app.core.authority import AuthorityMatrix, AuthorityRow
from commander_app.core.board import Board, Decision, summary
from commander_app.core.divergences import Divergence, unreviewed
from commander_app.core.errors import CommanderError
from commander_app.core.model import DivergenceReview, IncidentState, Outcome
from commander_app.core.rollback import ChecklistState, RollbackChecklist, outcomes_due
from commander_app.core.times import format_clock
from commander_app.store import rollback, rollback_files
from commander_app.ui.ask import ask_text
from commander_app.ui.incident.board_panel import SHOWN, ItemIdRole, _note_more, _row, _tree
from commander_app.ui.log_panel import LogPanel
from commander_app.ui.palette import muted, warning

if TYPE_CHECKING:  # dialogs load on first use
    from commander_app.ui.rollback.authority_settings import AuthoritySettings
    from commander_app.ui.rollback.change_dialog import ChangeDialog
    from commander_app.ui.rollback.decide_dialog import DecideDialog

TICK_MS = 5_000  # "did it work?" is asked within five seconds of its time
PROMPT_STYLE = "background: #f0b429; color: black; padding: 4px"


class OutcomePrompt(QFrame):
    """The visible "did it work?" bar, across the window while an answer is due."""

    def __init__(self) -> None:
        super().__init__()
        self.setStyleSheet(PROMPT_STYLE)
        self.decision_id: str | None = None
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.note = QLineEdit()
        self.note.setPlaceholderText("what you saw (optional)")
        self.note.setMinimumWidth(220)
        self.note.setStyleSheet("background: white; color: black")
        self.worked = QPushButton("Worked")
        self.failed = QPushButton("Failed")
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.addWidget(self.question, 1)
        row.addWidget(self.note)
        row.addWidget(self.worked)
        row.addWidget(self.failed)
        self.hide()

    def ask(self, due: list[Decision], text: str) -> None:
        first = due[0] if due else None
        if first is None or first.id != self.decision_id:
            self.note.clear()
        self.decision_id = first.id if first else None
        self.setVisible(first is not None)
        self.question.setText(text)


class RollbackPanel(LogPanel):
    """Every button is one store action, the same the CLI's `check-item`, `decide`,
    `outcome`, `divergence` and `review-divergence` use."""

    def _build(self) -> None:
        self.state: IncidentState | None = None
        self.incident_id: str | None = None
        self.board = Board()
        self.register: list[Divergence] = []
        self.checklist: ChecklistState | None = None
        self.row: AuthorityRow | None = None
        self.prompt = OutcomePrompt()
        self.authority = QLabel()
        self.authority.setWordWrap(True)
        self.authority.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readiness = QLabel()
        self.readiness.setWordWrap(True)
        self.checklist_view, self.items = _tree(["Item", "Ticked"])
        self.checklist_view.setRootIsDecorated(False)
        self.decisions_view, self.decision_rows = _tree(
            ["Decision", "Kind", "When", "Outcome"], numbered=True
        )
        self.changes_view, self.changes = _tree(["Change", "Kind, by, when", "Review"])
        for flat in (self.decisions_view, self.changes_view):
            flat.setRootIsDecorated(False)
        self.decide_button = QPushButton("Decide…")
        self.authority_button = QPushButton("Authority…")
        self.worked_button = QPushButton("Worked")
        self.failed_button = QPushButton("Failed…")
        self.log_change_button = QPushButton("Log a change…")
        self.reverted_button = QPushButton("Reverted")
        self.permanent_button = QPushButton("Made permanent")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.split = QSplitter(Qt.Orientation.Vertical)
        layout.addWidget(self.split)
        checklist_box = QGroupBox("Rollback checklist")
        column = QVBoxLayout(checklist_box)
        column.addWidget(self.authority)
        column.addWidget(self.checklist_view, 1)
        # On a row of its own: a wrapped label beside buttons gets squeezed over the list.
        column.addWidget(self.readiness)
        column.addLayout(_buttons(self.decide_button, self.authority_button))
        self.split.addWidget(checklist_box)
        for title, view, buttons in (
            ("Decisions", self.decisions_view, [self.worked_button, self.failed_button]),
            (
                "Production changes (divergence register)",
                self.changes_view,
                [self.log_change_button, self.reverted_button, self.permanent_button],
            ),
        ):
            box = QGroupBox(title)
            inner = QVBoxLayout(box)
            inner.addWidget(view)
            inner.addLayout(_buttons(*buttons))
            self.split.addWidget(box)
        self.checklist_view.setMinimumHeight(110)  # most of the items; the rest scroll
        # A wrapped label's minimum height does not follow its width, so reserve the
        # lines these usually take; otherwise a narrow pane draws them over the list.
        line = self.fontMetrics().lineSpacing()
        self.authority.setMinimumHeight(3 * line + 4)
        self.readiness.setMinimumHeight(2 * line + 4)
        for view in (self.decisions_view, self.changes_view):
            view.setMinimumHeight(60)
        self.split.setSizes([420, 120, 120])
        self.items.itemChanged.connect(self._on_item_changed)
        self.decide_button.clicked.connect(self.ask_decision)
        self.authority_button.clicked.connect(self.edit_authority)
        self.worked_button.clicked.connect(lambda: self.answer_selected(Outcome.WORKED))
        self.failed_button.clicked.connect(lambda: self.answer_selected(Outcome.FAILED))
        self.log_change_button.clicked.connect(self.ask_change)
        self.reverted_button.clicked.connect(lambda: self.review(DivergenceReview.REVERTED))
        self.permanent_button.clicked.connect(lambda: self.review(DivergenceReview.MADE_PERMANENT))
        self.prompt.worked.clicked.connect(lambda: self.answer_prompt(Outcome.WORKED))
        self.prompt.failed.clicked.connect(lambda: self.answer_prompt(Outcome.FAILED))
        self._filling = False
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()

    def stop(self) -> None:
        """No more asking: the window is closing and the log will be closed."""
        self._ticker.stop()

    # -- reading ----------------------------------------------------------------

    def matrix(self) -> AuthorityMatrix:
        return rollback_files.load_matrix()

    def template(self) -> RollbackChecklist:
        return rollback_files.load_checklist()

    def show_incident(self, incident_id: str | None) -> None:
        self.incident_id = incident_id
        self.setEnabled(incident_id is not None)
        self.board, self.register, self.checklist, self.row = Board(), [], None, None
        self.state = self._log.incident(incident_id) if incident_id else None
        if incident_id is not None and self.state is not None:
            template = None
            try:  # a broken matrix or checklist file is reported, not fatal
                self.row = self.matrix().for_incident(self.state)
                template = self.template()
            except CommanderError as exc:
                self.problem.emit(str(exc))
            checklist, self.board, self.register = rollback.rollback_view(
                self._log, incident_id, template or RollbackChecklist(())
            )
            self.checklist = checklist if template is not None else None
        self._fill()
        self.tick()

    def _fill(self) -> None:
        state, now = self.state, self._clock.now()
        if state is not None and self.row is not None:
            described = escape(self.row.describe(state))
            self.authority.setText(f"<b>Authority</b> {described}")
            self.authority.setToolTip(self.row.note)
        else:
            self.authority.setText("")
        self._fill_checklist()
        selected = _selected(self.decisions_view)
        self.decision_rows.removeRows(0, self.decision_rows.rowCount())
        newest_first = self.board.decisions[::-1]
        for decision in newest_first[:SHOWN]:
            kind = decision.decision_kind.value if decision.decision_kind else "—"
            when = format_clock(decision.decided_at, now, self._zone)
            number = self.board.number(decision.id)
            texts = [number, decision.text, kind, when, self._outcome_text(decision)]
            row = _row(texts, decision.id)
            if decision.outcome_due(now):
                row[3].setForeground(warning())
            self.decision_rows.appendRow(row)
        _note_more(self.decision_rows, len(newest_first), "decisions")
        _reselect(self.decisions_view, selected)
        selected = _selected(self.changes_view)
        self.changes.removeRows(0, self.changes.rowCount())
        ordered = [*unreviewed(self.register), *(d for d in self.register if d.reviewed)]
        for change in ordered[:SHOWN]:
            when = format_clock(change.made_at, now, self._zone)
            by = f"{change.change.value}, {change.by} {when}"
            review = change.review_state
            if not change.reviewed and change.afterwards.value != "undecided":
                review += f": {change.afterwards.value.replace('_', ' ')}"
            row = _row([change.text, by, review], change.id)
            for item in row:
                item.setForeground(muted() if change.reviewed else warning())
            self.changes.appendRow(row)
        _note_more(self.changes, len(ordered), "changes", "commander divergences")
        _reselect(self.changes_view, selected)

    def _fill_checklist(self) -> None:
        checklist, now = self.checklist, self._clock.now()
        # Not blockSignals on the model: its view would never hear of the new rows and
        # would go on showing the old ticks.
        self._filling = True
        try:
            self.items.removeRows(0, self.items.rowCount())
            if checklist is None:
                self.readiness.setText("")
                return
            for item in checklist.checklist.items:
                number = checklist.checklist.number(item)
                tick = checklist.ticks.get(item.id)
                ticked = checklist.is_ticked(item)
                who = (
                    f"{tick.by} {format_clock(tick.at, now, self._zone)}"
                    if tick is not None and ticked
                    else ""
                )
                label = f"{number}. {item.text}" + ("" if item.required else " (optional)")
                row = _row([label, who], item.id)
                row[0].setCheckable(True)
                row[0].setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
                self.items.appendRow(row)
        finally:
            self._filling = False
        self.readiness.setText(self._readiness(checklist))

    def _readiness(self, checklist: ChecklistState) -> str:
        if checklist.complete:
            return "Ready: every required item is ticked. Decide when you are."
        missing = ", ".join(str(checklist.checklist.number(i)) for i in checklist.missing_required)
        waiting = f"Required items {missing} are not ticked."
        if self.row is None or self.state is None or not self.row.decide:
            return f"{waiting} At this severity the normal change process applies."
        who = self.row.who_decides(self.state)
        return (
            f"{waiting} {who[0].upper()}{who[1:]} may decide now with an override and its reason."
        )

    def _outcome_text(self, decision: Decision) -> str:
        if decision.outcome is not None:
            return decision.outcome.value
        due = decision.outcome_due_at
        if due is None:
            return "—"
        when = format_clock(due, self._clock.now(), self._zone)
        return (
            f"did it work? (due {when})"
            if decision.outcome_due(self._clock.now())
            else (f"pending until {when}")
        )

    # -- "did it work?" ------------------------------------------------------------

    def tick(self) -> None:
        """Ask about every decision whose expected time has come, in the log (once)
        and in the prompt bar (until it is answered)."""
        now = self._clock.now()
        due = outcomes_due(self.board, now)
        if due:
            first = due[0]
            more = f" (and {len(due) - 1} more)" if len(due) > 1 else ""
            expected = format_clock(first.outcome_due_at or "", now, self._zone)
            self.prompt.ask(
                due,
                f"<b>Did it work?</b> {self.board.number(first.id)} "
                f"{escape(summary(first.text, 90))} — expected to take effect "
                f"by {expected}{more}",
            )
        else:
            self.prompt.ask([], "")
        unasked = [d for d in due if d.asked_at is None]
        if unasked and self.incident_id is not None and self.state is not None:
            incident_id = self.incident_id
            self.attempt(
                lambda: rollback.ask_due_outcomes(
                    self._log, incident_id, author=self._author, now=now
                )
            )

    def answer(self, decision_id: str, outcome: Outcome, note: str = "") -> bool:
        incident_id = self.incident_id
        return incident_id is not None and self.attempt(
            lambda: rollback.record_outcome(
                self._log,
                incident_id,
                decision_id,
                outcome,
                note=note or None,
                author=self._author,
            )
        )

    def answer_prompt(self, outcome: Outcome) -> bool:
        chosen = self.prompt.decision_id
        if chosen is None:
            return False
        return self.answer(chosen, outcome, self.prompt.note.text())

    def answer_selected(self, outcome: Outcome) -> bool:
        chosen = _selected(self.decisions_view)
        if chosen is None:
            self.problem.emit("Select a decision first.")
            return False
        note = ""
        if outcome is Outcome.FAILED:
            seen = ask_text(self, "It did not work", "What did you see?")
            if seen is None:
                return False
            note = seen
        return self.answer(chosen, outcome, note)

    # -- acting -------------------------------------------------------------------

    def _on_item_changed(self, item: QStandardItem) -> None:
        if self._filling or not item.isCheckable():
            return
        self.tick_item(item.data(ItemIdRole), item.checkState() == Qt.CheckState.Checked)

    def tick_item(self, item_id: str, checked: bool = True) -> bool:
        incident_id = self.incident_id
        wrote = incident_id is not None and self.attempt(
            lambda: rollback.tick_item(
                self._log,
                incident_id,
                item_id,
                checked=checked,
                author=self._author,
                checklist=self.checklist.checklist if self.checklist else None,
            )
        )
        return wrote

    def after_refusal(self) -> None:
        self._fill_checklist()  # a checkbox the log refused goes back

    def review(self, review: DivergenceReview) -> bool:
        chosen = _selected(self.changes_view)
        incident_id = self.incident_id
        if chosen is None:
            self.problem.emit("Select a production change first.")
            return False
        return incident_id is not None and self.attempt(
            lambda: rollback.review_divergence(
                self._log, incident_id, chosen, review, author=self._author
            )
        )

    def focus_checklist(self) -> None:
        self.checklist_view.setFocus()
        if not self.checklist_view.currentIndex().isValid() and self.items.rowCount():
            self.checklist_view.setCurrentIndex(self.items.index(0, 0))

    def ask_decision(self) -> DecideDialog | None:
        if self.incident_id is None:
            self.problem.emit("Select or start an incident first.")
            return None
        from commander_app.ui.rollback.decide_dialog import DecideDialog

        dialog = DecideDialog(self._log, self.incident_id, self._author, self)
        dialog.accepted.connect(self.wrote)
        dialog.open()
        return dialog

    def ask_change(self) -> ChangeDialog | None:
        if self.incident_id is None:
            self.problem.emit("Select or start an incident first.")
            return None
        from commander_app.ui.rollback.change_dialog import ChangeDialog

        dialog = ChangeDialog(self._log, self.incident_id, self._author, self)
        dialog.accepted.connect(self.wrote)
        dialog.open()
        return dialog

    def edit_authority(self) -> AuthoritySettings:
        from commander_app.ui.rollback.authority_settings import AuthoritySettings

        dialog = AuthoritySettings(self)
        dialog.accepted.connect(lambda: self.show_incident(self.incident_id))
        dialog.open()
        return dialog


def _selected(view: QTreeView) -> str | None:
    """The selected row's item id."""
    index = view.currentIndex()
    return index.data(ItemIdRole) if index.isValid() else None


def _reselect(view: QTreeView, item_id: str | None) -> None:
    """Select the row of `item_id` again after a refill."""
    model = view.model()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if item_id is not None and index.data(ItemIdRole) == item_id:
            view.setCurrentIndex(index)
            return


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch()
    return row
