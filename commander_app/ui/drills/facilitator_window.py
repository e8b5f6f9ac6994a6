"""The facilitator's window for a drill (Ctrl+Alt+D): the scenario's injects with when
each falls due, fired on schedule while the window is open (a member timer, stopped on
close), or fired, skipped and delayed by hand; pause and resume; what the drill would
have sent (the drill outbox); and the drill report. Built on first use."""

from __future__ import annotations

from datetime import tzinfo
from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.drill_schedule import DONE, ScheduledInject
from commander_app.core.errors import CommanderError
from commander_app.core.times import format_duration
from commander_app.store import drill_outbox, drill_scenarios, drills
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.drills.injects_model import InjectsModel
from commander_app.ui.error_line import ErrorLine

TICK_MS = 1000


class FacilitatorWindow(QWidget):
    wrote = Signal()  # an inject fired or a control was logged: the window reads it back
    started = Signal(str)  # a drill was started from a scenario: its incident id

    def __init__(
        self, log: IncidentLog, author: str, zone: tzinfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._log, self._author, self._zone = log, author, zone
        self.incident_id: str | None = None
        self.setWindowTitle("Drill facilitator — Commander")
        self.resize(1000, 620)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self._init_widgets()
        self._init_layout()
        self._connect_signals()

    # -- building ----------------------------------------------------------

    def _init_widgets(self) -> None:
        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.notice = QLabel("")  # what the last action wrote, until the next one
        self.notice.setWordWrap(True)
        self.scenarios = QComboBox()
        self.speed = QDoubleSpinBox()
        self.speed.setRange(0.5, 60.0)
        self.speed.setValue(1.0)
        self.speed.setSuffix("× speed")
        self.speed.setToolTip("Drill minutes per real minute: faster for a solo walk-through")
        self.start_button = QPushButton("&Start drill")
        self.starter = QWidget()
        self.model = InjectsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.buttons = {
            "fire": QPushButton("Fire now (F)"),
            "skip": QPushButton("Skip (S)"),
            "delay": QPushButton("Delay… (D)"),
            "pause": QPushButton("Pause (P)"),
        }
        self.outbox = QTextBrowser()
        self.report = QTextBrowser()
        self.report.setOpenLinks(False)  # a break's link makes its follow-up, here
        self.tabs = QTabWidget()
        self.error = ErrorLine()

    def _init_layout(self) -> None:
        start = QHBoxLayout(self.starter)
        start.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Sce&nario")
        label.setBuddy(self.scenarios)
        for widget in (label, self.scenarios, self.speed, self.start_button):
            start.addWidget(widget)
        start.addStretch(1)
        injects = QWidget()
        column = QVBoxLayout(injects)
        column.addWidget(self.table, 1)
        row = QHBoxLayout()
        for button in self.buttons.values():
            row.addWidget(button)
        row.addStretch(1)
        column.addLayout(row)
        self.tabs.addTab(injects, "&Injects")
        self.tabs.addTab(self.outbox, "Drill &outbox")
        self.tabs.addTab(self.report, "&Report")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.notice)
        layout.addWidget(self.starter)
        layout.addWidget(self.error)
        layout.addWidget(self.tabs, 1)

    def _connect_signals(self) -> None:
        self.timer.timeout.connect(self.tick)
        self.start_button.clicked.connect(self.start_drill)
        self.buttons["fire"].clicked.connect(lambda: self._on_selected(self.fire))
        self.buttons["skip"].clicked.connect(lambda: self._on_selected(self.skip))
        self.buttons["delay"].clicked.connect(lambda: self._on_selected(self.ask_delay))
        self.buttons["pause"].clicked.connect(self.pause_or_resume)
        self.tabs.currentChanged.connect(lambda _n: self.refresh())
        self.report.anchorClicked.connect(lambda url: self.propose(url.toString()))
        self.table.installEventFilter(self)
        close = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        close.activated.connect(self.close)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """F, S, D and P act in the inject list only, so typing elsewhere never fires."""
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            act = {Qt.Key.Key_F: self.fire, Qt.Key.Key_S: self.skip,
                   Qt.Key.Key_D: self.ask_delay}.get(Qt.Key(event.key()))  # fmt: skip
            if plain == Qt.KeyboardModifier.NoModifier and act is not None:
                self._on_selected(act)
                return True
            if plain == Qt.KeyboardModifier.NoModifier and event.key() == Qt.Key.Key_P:
                self.pause_or_resume()
                return True
        return super().eventFilter(watched, event)

    # -- showing -----------------------------------------------------------

    def show_for(self, incident_id: str | None) -> None:
        """Open (or raise) on the selected incident when it is a drill, else the most
        recent drill still running, else the scenarios to start one."""
        self.incident_id = self._drill_of(incident_id)
        self.scenarios.clear()
        for found in drill_scenarios.scenario_files():
            self.scenarios.addItem(f"{found.name} ({found.origin})", found.name)
        self.refresh()
        self.timer.start()
        self.show()
        self.raise_()
        self.activateWindow()
        (self.table if self.incident_id else self.scenarios).setFocus()

    def _drill_of(self, incident_id: str | None) -> str | None:
        for ref in (incident_id, None):
            try:
                return drills.run(self._log, ref).incident.id
            except CommanderError:
                continue
        return None

    def refresh(self, running: drills.DrillRun | None = None, *, pages: bool = True) -> None:
        """The heading and the injects; the outbox and report tabs too unless `pages` is
        off (a tick: rebuilding them every second would also scroll them back up)."""
        running = running or self._running()
        self.starter.setVisible(running is None or running.incident.status.value == "resolved")
        for button in self.buttons.values():
            button.setEnabled(running is not None)
        if running is None:
            self.heading.setText(
                "No drill is running. Choose a scenario and start it: a drill incident opens "
                "in the main window, everything in it is marked EXERCISE and nothing is sent."
            )
            self.model.show([])
            self.outbox.setHtml("")
            self.report.setHtml("")
            return
        sched = running.schedule
        clock = f"T+{format_duration(sched.drill_now.total_seconds())}"
        paused = " — PAUSED" if sched.clock.paused else ""
        speed = f" at {sched.clock.speed:g}× speed" if sched.clock.speed != 1 else ""
        upcoming = sched.upcoming
        after = (
            f"; next: {upcoming[0].inject.id} at {upcoming[0].describe_when()}" if upcoming else ""
        )
        self.heading.setText(
            f"<b>{escape(running.incident.title)}</b> — scenario {escape(running.scenario.name)}"
            f"{speed}: drill time {clock}{paused}{escape(after)}"
        )
        self.buttons["pause"].setText("Resume (P)" if sched.clock.paused else "Pause (P)")
        self.model.show(list(sched.injects))
        if not pages:
            return
        if self.tabs.currentWidget() is self.outbox:
            self._show_outbox(running.incident.id)
        elif self.tabs.currentWidget() is self.report:
            self._show_report(running.incident.id)

    def _running(self) -> drills.DrillRun | None:
        if self.incident_id is None:
            return None
        try:
            return drills.run(self._log, self.incident_id)
        except CommanderError as exc:
            self.error.say(str(exc))
            return None

    def _show_outbox(self, incident_id: str) -> None:
        found = drill_outbox.updates(self._log, incident_id)
        if not found:
            self.outbox.setHtml("<p>Nothing would have gone out yet.</p>")
            return
        parts = []
        for update in found:
            subject = f"<br><b>{escape(update.subject)}</b>" if update.subject else ""
            parts.append(
                f"<p><b>{escape(update.audience.value)}</b> via {escape(update.channel)} "
                f"({escape(update.channel_kind)}) — <i>{escape(update.label)}</i>{subject}"
                f"<br>{escape(update.text).replace(chr(10), '<br>')}</p>"
            )
        self.outbox.setHtml("<hr>".join(parts))

    def _show_report(self, incident_id: str) -> None:
        from commander_app.ui.drills.report_html import report_html

        try:
            self.report.setHtml(report_html(self._log, incident_id))
        except CommanderError as exc:
            self.report.setHtml(f"<p>{escape(str(exc))}</p>")

    # -- acting ------------------------------------------------------------

    def _selected(self) -> ScheduledInject | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _on_selected(self, act: object) -> None:
        found = self._selected()
        if found is None:
            self.error.say("Select an inject first.")
            return
        if found.state in DONE:
            self.error.say(f"The inject {found.inject.id} is {found.state.value} already.")
            return
        assert callable(act)
        act(found)

    def _do(self, action: object) -> None:
        assert callable(action)
        try:
            action()
        except CommanderError as exc:
            self.error.say(str(exc))
            return
        self.error.say("")
        self.wrote.emit()
        self.refresh()

    def fire(self, found: ScheduledInject) -> None:
        self._do(lambda: drills.fire(self._log, found.inject.id, author=self._author,
                                     incident_id=self.incident_id))  # fmt: skip

    def skip(self, found: ScheduledInject) -> None:
        self._do(lambda: drills.skip(self._log, found.inject.id, author=self._author,
                                     incident_id=self.incident_id))  # fmt: skip

    def ask_delay(self, found: ScheduledInject) -> None:
        minutes, chosen = QInputDialog.getInt(
            self, "Delay the inject", f"Delay {found.inject.id} by how many drill minutes?",
            5, 1, drills.MAX_DELAY_MINUTES,
        )  # fmt: skip
        if chosen:
            self.delay(found, minutes)

    def delay(self, found: ScheduledInject, minutes: int) -> None:
        self._do(lambda: drills.delay(self._log, found.inject.id, minutes, author=self._author,
                                      incident_id=self.incident_id))  # fmt: skip

    def pause_or_resume(self) -> None:
        running = self._running()
        if running is None:
            return
        act = drills.resume if running.schedule.clock.paused else drills.pause
        self._do(lambda: act(self._log, author=self._author, incident_id=self.incident_id))

    def propose(self, link: str) -> None:
        """A break of the report made a process follow-up of the drill, on one click."""
        from commander_app.store.drill_report import find_break, propose_break, read_drill_report
        from commander_app.ui.drills.report_html import PROPOSE

        if self.incident_id is None or not link.startswith(PROPOSE):
            return
        incident = self.incident_id
        try:
            found = find_break(read_drill_report(self._log, incident), int(link[len(PROPOSE) :]))
            event = propose_break(self._log, incident, found, author=self._author)
        except (CommanderError, ValueError) as exc:
            self.error.say(str(exc))
            return
        self.error.say("")
        self.notice.setText(f"Follow-up written: {escape(str(event.body.get('text', '')))}")
        self.wrote.emit()

    def start_drill(self) -> None:
        name = self.scenarios.currentData()
        if not name:
            return
        try:
            started = drills.start(self._log, str(name), author=self._author,
                                   speed=self.speed.value())  # fmt: skip
        except CommanderError as exc:
            self.error.say(str(exc))
            return
        self.error.say("")
        self.incident_id = started.incident.id
        self.started.emit(started.incident.id)
        self.wrote.emit()
        self.refresh()
        self.table.setFocus()

    def tick(self) -> None:
        """Fire what fell due; the heading's drill time moves on either way."""
        if self.incident_id is None:
            return
        try:
            running = drills.run(self._log, self.incident_id)
            fired = []
            if running.schedule.due:  # the usual second: nothing due, one read of the log
                fired = drills.tick(self._log, author=self._author, incident_id=self.incident_id)
                running = drills.run(self._log, self.incident_id)
        except CommanderError as exc:
            self.error.say(str(exc))
            self.timer.stop()  # a scenario file changed under the drill: say it once
            return
        if fired:
            self.wrote.emit()
        self.refresh(running, pages=bool(fired))

    def shut_down(self) -> None:
        self.timer.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        super().closeEvent(event)
