"""The Follow-ups view: every open item of every incident, most urgent first, and the
owner's answers, the item's moves and its push to a tracker, each the store function the
CLI's `commander action` calls. Loaded the first time it is opened; the window's first
paint does without it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import QSignalBlocker, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError
from commander_app.core.follow_ups import FollowUpRow
from commander_app.core.model import Ack, Event, FollowUpState, Priority
from commander_app.store import follow_ups as store
from commander_app.store import tracker_pushes
from commander_app.store.follow_ups import FollowUpFilter
from commander_app.store.incident_log import IncidentLog
from commander_app.store.tracker_pushes import TrackerPush
from commander_app.ui.ask import ask_choice
from commander_app.ui.error_line import ErrorLine
from commander_app.ui.follow_ups.follow_ups_model import (
    DUE,
    INCIDENT,
    ITEM,
    NUMBER,
    OWNER,
    PRIORITY,
    STANDING,
    FollowUpsModel,
    IncidentChoices,
)
from commander_app.ui.follow_ups.push_strip import PushStrip

REFRESH_MS = 60_000  # due soon and overdue move with the clock, not only with the log
# Columns sized to a typical text, never by reading every row (ten thousand of them).
_SAMPLES = {
    NUMBER: "A999",
    OWNER: "Tomás Ferreira (not accepted)",
    PRIORITY: "Priority",
    DUE: "2026-12-31",
    INCIDENT: "Checkout 500s after the pool change",
    STANDING: "not accepted, started",
}
ANY_PRIORITY = "Any priority"


class ReasonDialog(QDialog):
    """One line asked before a write (a reason, the evidence); a refusal is shown here in
    the user's words and what they typed stays."""

    def __init__(
        self,
        title: str,
        question: str,
        write: Callable[[str], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._write = write
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.text = QLineEdit()
        self.error = ErrorLine()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        question_label = QLabel(question)
        question_label.setWordWrap(True)
        form.addRow(question_label)
        form.addRow(self.text)
        form.addRow(self.error)
        form.addRow(buttons)

    def submit(self) -> bool:
        try:
            self._write(self.text.text())
        except CommanderError as exc:
            self.error.say(f"Not written — {exc} Your text is kept.")
            return False
        self.accept()
        return True


class FollowUpsView(QDialog):
    """Non-modal, owned by the main window and closed with it."""

    wrote = Signal()  # an answer or a move was logged; the window reads it back
    push_queued = Signal(str)  # a push waits for its tracker: the line to show; send it now
    pull_asked = Signal()  # read the pushed items' states back from their trackers

    def __init__(
        self, log: IncidentLog, author: str, zone: tzinfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._log, self._author = log, author
        self.push_strip = PushStrip(log, zone)
        self.setWindowTitle("Follow-ups of every incident")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(1280, 640)
        self.model = FollowUpsModel(log, zone, self)
        self.choices = IncidentChoices(self)
        self._minute = QTimer(self)
        self._minute.setInterval(REFRESH_MS)
        self._minute.timeout.connect(self.refresh)
        # The incidents to filter by (thousands) and the owners to complete are read just
        # after the list has painted: the first page is what the person waits for.
        self._after_first_paint = QTimer(self)
        self._after_first_paint.setSingleShot(True)
        self._after_first_paint.setInterval(0)
        self._after_first_paint.timeout.connect(self.load_choices)
        self._painted = False
        self._choices_loaded = False
        self._pushing: str | None = None  # the push queued here last: told how it went
        self._init_filters()
        self._init_table()
        self._init_buttons()
        self._init_layout()
        self._connect_signals()
        self.apply_filters()

    # -- building ----------------------------------------------------------

    def _init_filters(self) -> None:
        self.owner_filter = QLineEdit()
        self.owner_filter.setPlaceholderText("anyone")
        self.owner_filter.setClearButtonEnabled(True)
        self.owners = QStringListModel(self)
        completer = QCompleter(self.owners, self.owner_filter)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.owner_filter.setCompleter(completer)
        self.incident_filter = QComboBox()
        self.incident_filter.setModel(self.choices)
        # Sized by a length, not by reading every incident's title.
        self.incident_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.incident_filter.setMinimumContentsLength(28)
        self.priority_filter = QComboBox()
        self.priority_filter.addItem(ANY_PRIORITY, None)
        for priority in Priority:
            self.priority_filter.addItem(priority.value, priority.value)
        self.overdue_only = QCheckBox("&Overdue only")
        self.show_closed = QCheckBox("Show &closed")
        self.include_drills = QCheckBox("Include dri&lls")

    def _init_table(self) -> None:
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(ITEM, QHeaderView.ResizeMode.Stretch)
        metrics = self.table.fontMetrics()
        for column, sample in _SAMPLES.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 24)
        self.empty_note = QLabel()
        self.outcome_line = QLabel()
        self.outcome_line.setWordWrap(True)
        self.outcome_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome_line.hide()
        self.error = ErrorLine()

    def _init_buttons(self) -> None:
        self.accept_button = QPushButton("&Accept")
        self.decline_button = QPushButton("&Decline…")
        self.start_button = QPushButton("&Start")
        self.done_button = QPushButton("Do&ne…")
        self.wont_button = QPushButton("&Won't do…")
        self.reopen_button = QPushButton("&Reopen")
        self.push_button = QPushButton("Push to &tracker…")
        self.pull_button = QPushButton("Read bac&k from trackers")
        self.close_button = QPushButton("Close")
        tips = {
            self.accept_button: "The owner accepts the item (commander action ack)",
            self.decline_button: "The owner declines, with a reason (commander action decline)",
            self.start_button: "Work on it has started (commander action start)",
            self.done_button: "Done, with the evidence: a link or a note (commander action done)",
            self.wont_button: "Not doing it is a decision: give the reason (commander action wont)",
            self.reopen_button: "Open it again (commander action reopen)",
            self.push_button: "Make it an issue in GitHub or Jira, once (commander action push)",
            self.pull_button: "What the trackers say of every pushed item: closed there, "
            "reopened, reassigned (commander action pull)",
        }
        for button, tip in tips.items():
            button.setToolTip(tip)
            button.setAutoDefault(False)
        self.close_button.setAutoDefault(False)

    def _init_layout(self) -> None:
        filters = QHBoxLayout()
        for label, widget in (
            ("Own&er", self.owner_filter),
            ("&Incident", self.incident_filter),
            ("&Priority", self.priority_filter),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            filters.addWidget(caption)
            filters.addWidget(widget, 1 if widget is not self.priority_filter else 0)
        for box in (self.overdue_only, self.show_closed, self.include_drills):
            filters.addWidget(box)
        buttons = QHBoxLayout()
        for button in (
            self.accept_button,
            self.decline_button,
            self.start_button,
            self.done_button,
            self.wont_button,
            self.reopen_button,
            self.push_button,
            self.pull_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch()
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_note)
        layout.addWidget(self.error)
        layout.addWidget(self.outcome_line)
        layout.addWidget(self.push_strip)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.owner_filter.textChanged.connect(self.apply_filters)
        self.incident_filter.currentIndexChanged.connect(self.apply_filters)
        self.priority_filter.currentIndexChanged.connect(self.apply_filters)
        for box in (self.overdue_only, self.show_closed, self.include_drills):
            box.toggled.connect(self.apply_filters)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.model.modelReset.connect(self._enable)
        self.accept_button.clicked.connect(self.accept_selected)
        self.decline_button.clicked.connect(self.decline_selected)
        self.start_button.clicked.connect(self.start_selected)
        self.done_button.clicked.connect(self.finish_selected)
        self.wont_button.clicked.connect(self.drop_selected)
        self.reopen_button.clicked.connect(self.reopen_selected)
        self.push_button.clicked.connect(self.push_selected)
        self.pull_button.clicked.connect(self.pull_back)
        self.push_strip.retried.connect(self._on_retried)
        self.push_strip.cancelled.connect(self._tell)
        self.close_button.clicked.connect(self.close)

    # -- showing -------------------------------------------------------------

    def chosen_filter(self) -> FollowUpFilter:
        incident_id = self.choices.incident_id(self.incident_filter.currentIndex())
        priority = self.priority_filter.currentData()
        return FollowUpFilter(
            owner=self.owner_filter.text().strip() or None,
            incident_id=incident_id,
            priority=Priority(priority) if priority else None,
            overdue_only=self.overdue_only.isChecked(),
            include_closed=self.show_closed.isChecked(),
            # One incident chosen by name shows its items, drill or not (as the CLI does).
            include_drills=self.include_drills.isChecked() or incident_id is not None,
        )

    def apply_filters(self) -> None:
        try:
            self.model.show(self.chosen_filter(), self._log.clock.now())
        except CommanderError as exc:  # a name no one could have (too long, control keys)
            self.error.say(str(exc))
            return
        self.error.say("")
        self._after_reading()

    def refresh(self) -> None:
        """The log or the clock moved: the same filter read again, the selection kept."""
        chosen = self.selected()
        row = self.table.currentIndex().row()
        if self._choices_loaded:
            self.load_choices()
        try:
            self.model.reload(self._log.clock.now())
        except CommanderError as exc:
            self.error.say(str(exc))
            return
        self._after_reading(chosen.id if chosen else None, row)

    def _after_reading(self, item_id: str | None = None, row: int = 0) -> None:
        """Select the item that was selected, or the one now in its place."""
        found = self.model.row_of(item_id) if item_id else -1
        count = self.model.rowCount()
        if count:
            at = found if found >= 0 else min(max(row, 0), count - 1)
            self.table.selectRow(at)
            self.table.scrollTo(self.model.index(at, 0))
        if count:
            self.empty_note.hide()
        else:
            closed = self.show_closed.isChecked()
            self.empty_note.setText("No follow-ups match." if closed else "No open follow-ups.")
            self.empty_note.show()
        self._enable()

    def load_choices(self) -> None:
        """The incidents with items, for the incident filter, and the owners, for completing
        the owner filter; read again as the log changes once read the first time."""
        self._choices_loaded = True
        self._after_first_paint.stop()
        owners = store.owners(self._log)
        if owners != self.owners.stringList():
            self.owners.setStringList(owners)
        self._reload_choices()

    def _reload_choices(self) -> None:
        if not self._choices_loaded:
            return
        fresh = store.incidents_with_follow_ups(self._log)
        if fresh == self.choices.choices:
            return
        current = self.choices.incident_id(self.incident_filter.currentIndex())
        with QSignalBlocker(self.incident_filter):
            self.choices.show(fresh)
            self.incident_filter.setCurrentIndex(max(self.choices.row_of(current), 0))

    def selected(self) -> FollowUpRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None

    def _enable(self) -> None:
        """Every move is offered on a selected item; the store says why one does not apply."""
        chosen = self.selected() is not None
        for button in (
            self.accept_button,
            self.decline_button,
            self.start_button,
            self.done_button,
            self.wont_button,
            self.reopen_button,
            self.push_button,
        ):
            button.setEnabled(chosen)
        self.push_strip.show_for(self.selected())

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self._after_first_paint.start()

    def showEvent(self, event: QShowEvent) -> None:
        if event.spontaneous() and not self._minute.isActive():
            self.refresh()  # back from minimised: the minutes it missed
        self._minute.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._minute.stop()
        super().hideEvent(event)

    def stop(self) -> None:
        """The window is closing: no more reading of its log."""
        self._minute.stop()
        self._after_first_paint.stop()
        self.close()

    # -- acting ----------------------------------------------------------------

    def _attempt(self, write: Callable[[FollowUpRow], Event]) -> bool:
        chosen = self.selected()
        if chosen is None:
            self.error.say("Select an item first.")
            return False
        try:
            event = write(chosen)
        except CommanderError as exc:
            self._tell("")
            self.error.say(str(exc))
            return False
        self._wrote(event)
        return True

    def _wrote(self, event: Event) -> None:
        self.error.say("")
        self._tell(str(event.body.get("text", "")))
        self.refresh()
        self.wrote.emit()

    def _tell(self, text: str) -> None:
        """What was written, in the words the CLI prints; nothing, hidden."""
        self.outcome_line.setText(text)
        self.outcome_line.setVisible(bool(text))

    def _ask(
        self, title: str, question: str, write: Callable[[FollowUpRow, str], Event]
    ) -> ReasonDialog | None:
        chosen = self.selected()
        if chosen is None:
            self.error.say("Select an item first.")
            return None

        def attempt(text: str) -> None:
            self._wrote(write(chosen, text))

        dialog = ReasonDialog(
            f"{title} {chosen.number}: {chosen.text[:60]}", question, attempt, self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _answer(self, row: FollowUpRow, reply: Ack, reason: str | None = None) -> Event:
        return store.answer(
            self._log, row.incident_id, row.id, reply, author=self._author, reason=reason
        )

    def _move(
        self,
        row: FollowUpRow,
        state: FollowUpState,
        *,
        evidence: str | None = None,
        reason: str | None = None,
    ) -> Event:
        return store.move(
            self._log,
            row.incident_id,
            row.id,
            state,
            author=self._author,
            evidence=evidence,
            reason=reason,
        )

    def accept_selected(self) -> bool:
        return self._attempt(lambda row: self._answer(row, Ack.ACCEPTED))

    def decline_selected(self) -> ReasonDialog | None:
        return self._ask(
            "Decline",
            "Why is it declined? The item goes back for a new owner; the reason helps find one.",
            lambda row, text: self._answer(row, Ack.DECLINED, text),
        )

    def start_selected(self) -> bool:
        return self._attempt(lambda row: self._move(row, FollowUpState.IN_PROGRESS))

    def finish_selected(self) -> ReasonDialog | None:
        return self._ask(
            "Done",
            "How is it known to be done? A link (a merged change, a dashboard) or a short note.",
            lambda row, text: self._move(row, FollowUpState.DONE, evidence=text),
        )

    def drop_selected(self) -> ReasonDialog | None:
        return self._ask(
            "Won't do",
            "Not doing it is a decision: why? The next postmortem will read it.",
            lambda row, text: self._move(row, FollowUpState.WONT, reason=text),
        )

    def reopen_selected(self) -> bool:
        return self._attempt(lambda row: self._move(row, FollowUpState.OPEN))

    def push_selected(self) -> TrackerPush | None:
        """Queue the item for a tracker (asking which, when there are several); the window's
        runner sends it. A refusal (already there, on its way) is shown, nothing written."""
        chosen = self.selected()
        if chosen is None:
            self.error.say("Select an item first.")
            return None
        names = tracker_pushes.tracker_channels(self._log)
        if not names:
            self._tell("")
            self.error.say(tracker_pushes.NO_TRACKER)
            return None
        channel = names[0] if len(names) == 1 else None
        if channel is None:
            channel = ask_choice(
                self,
                f"Push {chosen.number} to a tracker",
                f"Which tracker gets {chosen.number} “{chosen.text.splitlines()[0][:60]}”?",
                names,
            )
            if channel is None:
                return None  # cancelled
        try:
            push = tracker_pushes.enqueue(
                self._log, chosen.incident_id, chosen.id, channel, author=self._author
            )
        except CommanderError as exc:
            self._tell("")
            self.error.say(str(exc))
            return None
        self.error.say("")
        line = f"Queued: {push.request.number} goes to {push.channel}; pushing…"
        self._pushing = push.id
        self._tell(line)
        self.push_queued.emit(line)
        return push

    def pull_back(self) -> None:
        """Ask the window's runner to read the trackers (on its thread)."""
        self.error.say("")
        self._tell("Reading the trackers…")
        self.pull_button.setEnabled(False)
        self.pull_asked.emit()

    def on_pulled(self, changed: list[str], problems: list[str]) -> None:
        self.pull_button.setEnabled(True)
        if changed:
            self._tell("From the trackers: " + "; ".join(changed))
        else:
            self._tell("No pushed follow-up changed on its tracker.")
        self.error.say("\n".join(problems))
        self.refresh()

    def _on_retried(self, push_id: str, line: str) -> None:
        self._pushing = push_id
        self._tell(line)
        self.push_queued.emit(line)

    def on_attempt(self, row_id: str, line: str) -> None:
        """The window's runner tried a push: if it is the one queued here, say how it went."""
        if row_id == self._pushing:
            self._tell(line)
            self.push_strip.show_for(self.selected())

    def show_item(self, item_id: str, incident_id: str) -> bool:
        """Select one item (the badge's failed push): its incident chosen, closed items
        shown if it is closed, so it is on the list whatever the filters were."""
        self.owner_filter.clear()
        self.priority_filter.setCurrentIndex(0)
        self.overdue_only.setChecked(False)
        self.load_choices()
        self.incident_filter.setCurrentIndex(max(self.choices.row_of(incident_id), 0))
        if self.model.row_of(item_id) < 0:
            self.show_closed.setChecked(True)
        row = self.model.row_of(item_id)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0
