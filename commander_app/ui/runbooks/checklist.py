"""One runbook followed in the incident: its steps as a checklist (ticked when this
incident's log says the step was done) and the selected step in full: what to check,
the command, the output to expect, the decisions, and what was seen. The keys work in
the list only: Y (or Ctrl+C) copies the command, D done, W wrong, E escalate."""

from __future__ import annotations

import html
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.runbook import Runbook, RunbookStep
from commander_app.core.times import format_clock
from commander_app.store.runbook_steps import FollowedStep
from commander_app.ui.shortcuts import by_name

STEP_KEYS = ("runbook_copy", "runbook_done", "runbook_wrong", "runbook_escalate")
NUMBER = Qt.ItemDataRole.UserRole


class RunbookChecklist(QWidget):
    asked = Signal(str, int)  # one of STEP_KEYS, the step's number
    back = Signal()  # Esc in the list: to the runbooks

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._zone = zone
        self.runbook: Runbook | None = None
        self.name = ""
        self.followed: dict[int, FollowedStep] = {}
        self._now = datetime.now(UTC)
        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.steps = QListWidget()
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.steps.setWordWrap(True)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        labels = ("Copy", "Done…", "Wrong…", "Escalate…")
        for name, label in zip(STEP_KEYS, labels, strict=True):
            button = QPushButton(f"{label} ({by_name(name).keys})")
            button.setToolTip(by_name(name).what)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys are in the list
            button.clicked.connect(lambda _c=False, n=name: self._ask(n))
            row.addWidget(button)
            self.buttons[name] = button
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.steps)
        split.addWidget(self.detail)
        split.setStretchFactor(1, 1)
        split.setSizes([130, 420])  # a runbook has a handful of steps; the detail needs room
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(split, 1)
        layout.addLayout(row)
        self.keys = {Qt.Key(ord(by_name(name).keys)): name for name in STEP_KEYS}
        self.steps.installEventFilter(self)
        self.steps.currentRowChanged.connect(lambda _row: self._show_detail())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.steps and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            name = self.keys.get(Qt.Key(event.key()))
            if name is not None and plain == Qt.KeyboardModifier.NoModifier:
                self._ask(name)
                return True
            if event.matches(QKeySequence.StandardKey.Copy):
                self._ask("runbook_copy")
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.back.emit()
                return True
        return super().eventFilter(watched, event)

    def _ask(self, name: str) -> None:
        step = self.current_step()
        if step is not None:
            self.asked.emit(name, step.number)

    def show_runbook(
        self,
        runbook: Runbook,
        name: str,
        trust: str,
        followed: dict[int, FollowedStep],
        now: datetime,
    ) -> None:
        changed = self.name != name
        self.name = name
        self.runbook, self.followed, self._now = runbook, followed, now
        owner = f" · owner {html.escape(runbook.owner)}" if runbook.owner else ""
        self.heading.setText(
            f"<b>{html.escape(runbook.title or name)}</b> <small>({html.escape(name)}) · "
            f"{html.escape(runbook.service)}{owner}</small><br>"
            f"<small>Trust: {html.escape(trust)}</small>"
        )
        row = self.steps.currentRow()
        self.steps.blockSignals(True)
        self.steps.clear()
        for step in runbook.steps:
            item = QListWidgetItem(self._step_line(step))
            item.setData(NUMBER, step.number)
            self.steps.addItem(item)
        self.steps.blockSignals(False)
        if changed or row < 0:
            row = self._first_open_row()
        self.steps.setCurrentRow(min(row, self.steps.count() - 1))
        self._show_detail()

    def _first_open_row(self) -> int:
        """Where to go on: the first step not done yet."""
        assert self.runbook is not None
        for row, step in enumerate(self.runbook.steps):
            if self.followed.get(step.number, FollowedStep()).done_at is None:
                return row
        return 0

    def _step_line(self, step: RunbookStep) -> str:
        seen = self.followed.get(step.number, FollowedStep())
        box = "☑" if seen.done_at else "☐"
        marks = []
        if seen.wrong_note is not None:
            marks.append("flagged wrong")
        if seen.escalated_to:
            marks.append(f"escalated to {seen.escalated_to}")
        if seen.done_at:
            marks.insert(0, f"done {format_clock(seen.done_at, self._now, self._zone)}")
        tail = f"  — {', '.join(marks)}" if marks else ""
        return f"{box} {step.number}. {step.title}{tail}"

    def current_step(self) -> RunbookStep | None:
        item = self.steps.currentItem()
        if item is None or self.runbook is None:
            return None
        number = item.data(NUMBER)
        return next((s for s in self.runbook.steps if s.number == number), None)

    def _show_detail(self) -> None:
        step = self.current_step()
        if step is None:
            self.detail.clear()
            return
        self.detail.setHtml(step_html(step, self.followed.get(step.number), self._now, self._zone))


def _pre(text: str, colour: str) -> str:
    return (
        f'<pre style="background:{colour}; padding:6px; white-space:pre-wrap">'
        f"{html.escape(text)}</pre>"
    )


def step_html(step: RunbookStep, seen: FollowedStep | None, now: datetime, zone: tzinfo) -> str:
    parts = [f"<h3>{step.number}. {html.escape(step.title)}</h3>"]
    if step.notes:
        parts.append(f"<p>{html.escape(step.notes)}</p>")
    for command in step.commands:
        parts.append("<p><b>Run</b> (Y copies it):</p>" + _pre(command, "#eef2f7"))
    for expect in step.expect:
        shown = f"/{expect.text}/ (a pattern)" if expect.is_pattern else expect.text
        parts.append("<p><b>Expect:</b></p>" + _pre(shown, "#f4f4ec"))
    if step.decisions:
        items = "".join(f"<li>{html.escape(d.describe())}</li>" for d in step.decisions)
        parts.append(f"<p><b>Then:</b></p><ul>{items}</ul>")
    if seen is not None and seen.done_at:
        when = format_clock(seen.done_at, now, zone)
        parts.append(f"<p><b>Done at {html.escape(when)}</b>; output seen:</p>")
        parts.append(_pre(seen.output or "(none given)", "#e8f5e9"))
    if seen is not None and seen.wrong_note is not None:
        parts.append(f"<p><b>Flagged wrong:</b> {html.escape(seen.wrong_note)}</p>")
    if seen is not None and seen.escalated_to:
        parts.append(f"<p><b>Escalated to</b> {html.escape(seen.escalated_to)}</p>")
    return "".join(parts)
