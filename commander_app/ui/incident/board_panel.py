"""Hypotheses (with their findings), actions and decisions: who is chasing what."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSizePolicy,
    QTreeView,
    QVBoxLayout,
)

from commander_app.core.board import Board, Hypothesis, is_overdue, owner_missing
from commander_app.core.model import HypothesisState, Kind
from commander_app.core.times import format_clock, parse_due
from commander_app.store import board
from commander_app.ui.ask import ask_text
from commander_app.ui.log_panel import LogPanel
from commander_app.ui.palette import confirmed, muted, warning

ItemIdRole = Qt.ItemDataRole.UserRole + 1
# A board is read at a glance; past this many items a list says how many more
# there are and where to see them all, and opening the incident stays fast.
SHOWN = 100
NUMBER_HEADER = "#"  # the leading column of the board's numbered lists


def _row(texts: list[str], item_id: str) -> list[QStandardItem]:
    items = []
    for text in texts:
        item = QStandardItem(text)
        item.setToolTip(text)
        item.setEditable(False)
        item.setData(item_id, ItemIdRole)
        items.append(item)
    return items


def _note_more(
    model: QStandardItemModel, total: int, what: str, command: str = "commander board"
) -> None:
    if total > SHOWN:
        note = QStandardItem(f"… {total - SHOWN} more {what}: `{command}` lists them all")
        first = model.horizontalHeaderItem(0)
        numbered = first is not None and first.text() == NUMBER_HEADER
        row = [QStandardItem(""), note] if numbered else [note]  # under the text column
        for item in row:
            item.setEditable(False)
            item.setSelectable(False)
        model.appendRow(row)


def _tree(headers: list[str], *, numbered: bool = False) -> tuple[QTreeView, QStandardItemModel]:
    """A list whose first text column stretches; a numbered one is led by the board items'
    numbers (H1, A2: what people say and the CLI takes)."""
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels([NUMBER_HEADER, *headers] if numbered else headers)
    view = QTreeView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setWordWrap(True)
    header = view.header()
    header.setStretchLastSection(False)
    for column in range(model.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1 if numbered else 0, QHeaderView.ResizeMode.Stretch)
    header.setResizeContentsPrecision(SHOWN // 4)  # sizing reads a sample, not every row
    return view, model


# The same advice as the CLI's warning, in the window's words.
NO_OWNER_HINT = (
    "The action has no owner, so nobody is doing it: select it under Actions and press "
    "Owner… (Ctrl+Shift+O in the list) to name one."
)


class BoardPanel(LogPanel):
    """Reads the board from the log after every change; every button is one
    store action, the same the CLI's `hypothesis-state`, `done` and `action` use."""

    def _build(self) -> None:
        self.incident_id: str | None = None
        self.board = Board()
        self.hypotheses_view, self.hypotheses = _tree(
            ["Hypothesis", "Owner", "State"], numbered=True
        )
        self.actions_view, self.action_items = _tree(["Action", "Owner", "Due"], numbered=True)
        self.decisions_view, self.decisions = _tree(["Decision", "When"], numbered=True)
        for flat in (self.actions_view, self.decisions_view):
            flat.setRootIsDecorated(False)
        self.confirm = QPushButton("Confirm")
        self.refute = QPushButton("Refute")
        self.reopen = QPushButton("Reopen")
        self.owner = QPushButton("Owner…")
        self.done = QPushButton("Done")
        self.action_owner = QPushButton("Owner…")
        self.add_action_button = QPushButton("Add action…")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # Hypotheses get most of the height: who is chasing what is read first.
        for title, view, buttons, stretch in (
            (
                "Hypotheses",
                self.hypotheses_view,
                [self.confirm, self.refute, self.reopen, self.owner],
                3,
            ),
            (
                "Actions",
                self.actions_view,
                [self.done, self.action_owner, self.add_action_button],
                1,
            ),
            ("Decisions", self.decisions_view, [], 1),
        ):
            box = QGroupBox(title)
            column = QVBoxLayout(box)
            # Heights follow the stretch, not each list's own wish; a few rows at the least.
            view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
            view.setMinimumHeight((2 + stretch) * view.fontMetrics().lineSpacing() + 8)
            column.addWidget(view)
            if buttons:
                row = QHBoxLayout()
                for button in buttons:
                    row.addWidget(button)
                row.addStretch()
                column.addLayout(row)
            layout.addWidget(box, stretch)
        self.confirm.clicked.connect(lambda: self.set_state(HypothesisState.CONFIRMED))
        self.refute.clicked.connect(lambda: self.set_state(HypothesisState.REFUTED))
        self.reopen.clicked.connect(lambda: self.set_state(HypothesisState.INVESTIGATING))
        self.owner.clicked.connect(self.ask_hypothesis_owner)
        self.action_owner.clicked.connect(self.ask_action_owner)
        self.done.clicked.connect(self.complete_selected_action)
        self.add_action_button.clicked.connect(self.ask_action)

    # -- showing -------------------------------------------------------------

    def show_incident(self, incident_id: str | None) -> None:
        self.incident_id = incident_id
        self.setEnabled(incident_id is not None)
        self.board = board.board(self._log, incident_id) if incident_id else Board()
        self._fill()

    def _fill(self) -> None:
        now = self._clock.now()
        selected_hypothesis = self.selected(self.hypotheses_view)
        hypotheses = [*self.board.open_hypotheses, *self.board.settled_hypotheses]
        self.hypotheses.removeRows(0, self.hypotheses.rowCount())
        for hypothesis in hypotheses[:SHOWN]:
            self.hypotheses.appendRow(self._hypothesis_row(hypothesis))
        _note_more(self.hypotheses, len(hypotheses), "hypotheses")
        self.hypotheses_view.expandAll()
        self._select(self.hypotheses_view, selected_hypothesis)
        actions = self.board.open_actions
        self.action_items.removeRows(0, self.action_items.rowCount())
        for action in actions[:SHOWN]:
            due = format_clock(action.due, now, self._zone) if action.due else "—"
            number = self.board.number(action.id)
            row = _row([number, action.text, action.owner or "—", due], action.id)
            if is_overdue(action, now):
                row[3].setText(f"{due} OVERDUE")
                for item in row:
                    item.setForeground(warning())
            self.action_items.appendRow(row)
        _note_more(self.action_items, len(actions), "open actions")
        decisions = self.board.decisions[::-1]
        self.decisions.removeRows(0, self.decisions.rowCount())
        for decision in decisions[:SHOWN]:
            when = format_clock(decision.decided_at, now, self._zone)
            number = self.board.number(decision.id)
            self.decisions.appendRow(_row([number, decision.text, when], decision.id))
        _note_more(self.decisions, len(decisions), "decisions")

    def _hypothesis_row(self, hypothesis: Hypothesis) -> list[QStandardItem]:
        number = self.board.number(hypothesis.id)
        state = self._state(hypothesis)
        row = _row([number, hypothesis.text, hypothesis.owner or "—", state], hypothesis.id)
        if hypothesis.state is HypothesisState.REFUTED:
            for item in row:
                item.setForeground(muted())
        elif hypothesis.state is HypothesisState.CONFIRMED:
            for item in row:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                item.setForeground(confirmed())
        for finding in hypothesis.findings:
            texts = [self.board.number(finding.id), f"Finding: {finding.text}", finding.author, ""]
            row[0].appendRow(_row(texts, hypothesis.id))
        return row

    def _state(self, hypothesis: Hypothesis) -> str:
        if hypothesis.state is HypothesisState.CONFIRMED and hypothesis.confirmed_at:
            when = format_clock(hypothesis.confirmed_at, self._clock.now(), self._zone)
            return f"confirmed {when}"
        return hypothesis.state.value

    @staticmethod
    def selected(view: QTreeView) -> str | None:
        index: QModelIndex = view.currentIndex()
        return index.data(ItemIdRole) if index.isValid() else None

    @staticmethod
    def _select(view: QTreeView, item_id: str | None) -> None:
        model = view.model()
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            if item_id is not None and index.data(ItemIdRole) == item_id:
                view.setCurrentIndex(index)
                return

    # -- acting ----------------------------------------------------------------

    def _act(self, action: Callable[[str], object]) -> bool:
        incident_id = self.incident_id
        return incident_id is not None and self.attempt(lambda: action(incident_id))

    def set_state(self, state: HypothesisState) -> bool:
        chosen = self.selected(self.hypotheses_view)
        if chosen is None:
            self.problem.emit("Select a hypothesis first.")
            return False
        return self._act(
            lambda i: board.set_hypothesis_state(self._log, i, chosen, state, author=self._author)
        )

    def set_owner(self, owner: str) -> bool:
        chosen = self.selected(self.hypotheses_view)
        if chosen is None:
            self.problem.emit("Select a hypothesis first.")
            return False
        return self._act(
            lambda i: board.assign_hypothesis(self._log, i, chosen, owner, author=self._author)
        )

    def complete_selected_action(self) -> bool:
        chosen = self.selected(self.actions_view)
        if chosen is None:
            self.problem.emit("Select an action first.")
            return False
        return self._act(lambda i: board.complete_action(self._log, i, chosen, author=self._author))

    def add_action(self, text: str, owner: str = "", due: str = "") -> bool:
        def write(incident_id: str) -> None:
            when = parse_due(due, self._clock.now(), self._zone) if due.strip() else None
            board.add_action(
                self._log,
                incident_id,
                text,
                owner=owner.strip() or None,
                due=when,
                author=self._author,
            )

        wrote = self._act(write)
        if wrote and owner_missing(Kind.ACTION, owner):
            self.problem.emit(NO_OWNER_HINT)
        return wrote

    def ask_owner(self) -> None:
        """Ctrl+Shift+O: the owner of the selected action when the actions list has the
        cursor, else of the selected hypothesis."""
        if self.actions_view.hasFocus():
            self.ask_action_owner()
        else:
            self.ask_hypothesis_owner()

    def ask_hypothesis_owner(self) -> None:
        name = ask_text(self, "Hypothesis owner", "Who is checking it?")
        if name and name.strip():
            self.set_owner(name)

    def ask_action_owner(self) -> None:
        if self.selected(self.actions_view) is None:
            self.problem.emit("Select an action first.")
            return
        name = ask_text(self, "Action owner", "Who will do it?")
        if name and name.strip():
            self.set_action_owner(name)

    def set_action_owner(self, owner: str) -> bool:
        chosen = self.selected(self.actions_view)
        if chosen is None:
            self.problem.emit("Select an action first.")
            return False
        return self._act(
            lambda i: board.update_action(self._log, i, chosen, owner=owner, author=self._author)
        )

    def ask_action(self) -> None:
        typed: str | None = ""
        while True:
            typed = ask_text(
                self,
                "Add action",
                "What must be done? Optionally end with '; owner; due'\n"
                "for example: restart consumers; Kim; 14:30",
                text=typed or "",
            )
            if not typed or not typed.strip():
                return
            text, owner, due = ([*typed.split(";"), "", ""])[:3]
            if self.add_action(text, owner, due):
                return
