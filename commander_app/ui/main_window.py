"""The commander's window: incidents, the live timeline with its capture line,
and the selected incident's state. Widgets are built in `_init_*` helpers and
wired together in `_connect_signals`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QByteArray,
    QItemSelection,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QListView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QSystemTrayIcon,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.board import owner_missing
from commander_app.core.capture import CaptureEntry, check_capture_time
from commander_app.core.change_words import ChangeReading, reads_as_change
from commander_app.core.errors import CommanderError
from commander_app.core.model import (
    BOARD_KINDS,
    ROLLBACK_KINDS,
    STATE_KINDS,
    Audience,
    HypothesisState,
    IncidentState,
    Kind,
    Milestone,
    Role,
    Severity,
    Status,
)
from commander_app.core.template_catalog import CUSTOMER_SUMMARY
from commander_app.store import playbook
from commander_app.store.incident_log import IncidentLog
from commander_app.store.timeline import TimelineRow
from commander_app.ui.backup_timer import BackupTimer
from commander_app.ui.follow_ups.follow_ups_desk import FollowUpsDesk
from commander_app.ui.incident.board_panel import NO_OWNER_HINT, BoardPanel
from commander_app.ui.incident.capture_bar import CaptureBar
from commander_app.ui.incident.glance_header import GlanceHeader
from commander_app.ui.incident.incident_list_model import IncidentIdRole, IncidentListModel
from commander_app.ui.incident.incident_panel import IncidentPanel
from commander_app.ui.incident.start_dialog import StartDialog
from commander_app.ui.incident.timeline_view import TimelineView
from commander_app.ui.integrity_watch import IntegrityWatch
from commander_app.ui.live_watch import LiveWatch
from commander_app.ui.publish.publish_desk import PublishDesk
from commander_app.ui.rollback.rollback_tab import RollbackTab
from commander_app.ui.shortcut_guard import ShortcutGuard
from commander_app.ui.shortcuts import SHORTCUTS, ShortcutsDialog, by_name
from commander_app.ui.updates.update_desk import UpdateDesk

if TYPE_CHECKING:
    from commander_app.ui.alerts.alerts_pane import AlertsPane
    from commander_app.ui.conflicts_dialog import ConflictsDialog
    from commander_app.ui.drills.facilitator_window import FacilitatorWindow
    from commander_app.ui.metrics.metrics_window import MetricsWindow
    from commander_app.ui.postmortem.postmortem_dialog import PostmortemDialog
    from commander_app.ui.rollback.decide_dialog import DecideDialog
    from commander_app.ui.rollback.rollback_panel import RollbackPanel
    from commander_app.ui.runbooks.runbooks_pane import RunbooksPane
    from commander_app.ui.runbooks.update_offer import RunbookUpdateOffer
    from commander_app.ui.team_desk import TeamDesk
    from commander_app.ui.updates.draft_dialog import DraftDialog


# The kinds a conflict between laptops is found in: an arrival of any of them counts again.
CONFLICT_SOURCES = frozenset({Kind.ROLE, Kind.ACTION, Kind.DECISION, Kind.COMMS, Kind.CONFLICT})


class MainWindow(QMainWindow):
    first_painted = Signal()  # what the first paint does without can be set up now
    closing = Signal()  # the one shutdown path: every part that starts work stops on it

    def __init__(
        self, log: IncidentLog, author: str, zone: tzinfo, settings_file: Path | None = None
    ) -> None:
        super().__init__()
        self.log, self.author, self.zone = log, author, zone
        self.settings = (
            QSettings(str(settings_file), QSettings.Format.IniFormat) if (settings_file) else None
        )
        self._painted = False
        self._shut_down = False
        self._refusal = ""  # the last refusal shown, taken down when the incident moves on
        self._postmortem: PostmortemDialog | None = None  # built on first use
        self._metrics: MetricsWindow | None = None  # built on first use
        self._alerts: AlertsPane | None = None  # built on first use
        self._runbooks: RunbooksPane | None = None  # built on first use
        self._drills: FacilitatorWindow | None = None  # built on first use
        self.team: TeamDesk | None = None  # built after the first paint
        self._conflicts: ConflictsDialog | None = None  # built on first use
        self.update_offer: RunbookUpdateOffer | None = None  # built on the first resolve
        self.damage_box: QMessageBox | None = None
        self._after_first_paint = QTimer(self)
        self._after_first_paint.setSingleShot(True)
        self._after_first_paint.setInterval(0)
        self.setWindowTitle(f"Commander — {log.path}")
        self.resize(1360, 860)
        self._init_watchers()
        self._init_empty_state()
        self._init_workspace()
        self._init_actions()
        self._connect_signals()
        self._restore_layout()
        self.incidents.reload()
        self._show_state()
        if self.incidents.rowCount() > 0:
            self.focus_capture()  # where typing starts when the window opens
        if log.backup_problem:
            self.statusBar().showMessage(log.backup_problem, 60_000)
        elif log.finished_imports:
            self.statusBar().showMessage(log.finished_imports[0].describe(), 60_000)

    # -- building ----------------------------------------------------------

    def _init_watchers(self) -> None:
        self.incidents = IncidentListModel(self.log, self)
        self.live = LiveWatch(self.log.conn, self)
        self.backups = BackupTimer(self.log, self)
        self.integrity = IntegrityWatch(self.log.integrity_check, self)
        self.publishing = PublishDesk(self.log, self.author, self.zone, self)
        self.statusBar().addPermanentWidget(self.publishing.badge)
        self.follow_ups = FollowUpsDesk(self.log, self.author, self.zone, self)
        self.statusBar().addPermanentWidget(self.follow_ups.badge)
        self.conflicts_badge = QPushButton()
        self.conflicts_badge.setFlat(True)
        self.conflicts_badge.setToolTip("Conflicts between laptops (Ctrl+Alt+C)")
        self.conflicts_badge.hide()
        self.statusBar().addPermanentWidget(self.conflicts_badge)

    def _init_empty_state(self) -> None:
        self.empty = QWidget()
        layout = QVBoxLayout(self.empty)
        layout.addStretch()
        heading = QLabel("<h2>No incidents yet</h2>")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(heading)
        self.start_button = QPushButton("Start an incident")
        self.drill_button = QPushButton("Start a drill")
        for button, sentence in (
            (self.start_button, "Something is broken now: open the log and start the clock."),
            (self.drill_button, "Practise the roles on a pretend incident, marked as a drill."),
        ):
            button.setMinimumHeight(40)
            layout.addWidget(button, alignment=Qt.AlignmentFlag.AlignCenter)
            note = QLabel(sentence)
            note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(note)
        self.follow_ups_button = QPushButton("Follow-ups of every incident…")
        self.follow_ups_button.setFlat(True)
        layout.addWidget(self.follow_ups_button, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addStretch()

    def _init_workspace(self) -> None:
        self.incident_list = QListView()
        self.incident_list.setModel(self.incidents)
        self.incident_list.setAlternatingRowColors(True)
        self.incident_list.setWordWrap(True)
        self.incident_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.timeline_view = TimelineView(self.log.conn, self.zone)
        self.timeline = self.timeline_view.model
        self.capture = CaptureBar(self.log.clock, self.zone)
        self.updates = UpdateDesk(self.log, self.author, self.zone, self)
        self.tray: QSystemTrayIcon | None = None
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.updates.strip)
        column.addWidget(self.timeline_view, 1)
        column.addWidget(self.capture)
        self.panel = IncidentPanel(self.log, self.author, self.log.clock, self.zone)
        self.rollback_tab = RollbackTab(self.log, self.author, self.log.clock, self.zone)
        self.board = BoardPanel(self.log, self.author, self.log.clock, self.zone)
        self.glance = GlanceHeader(self.log.clock, self.zone)
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(scroll)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.board, "&Board")
        self.tabs.addTab(self.rollback_tab, "&Rollback && decisions")
        self.right.addWidget(self.tabs)
        # The header shows the roles, so the state box above the tabs needs only its own
        # height and the board (more hypotheses, the checklist's Ticked column) the rest.
        self.right.setStretchFactor(1, 1)
        self.right.setSizes([175, 625])
        self.splitter = QSplitter()
        self.splitter.addWidget(self.incident_list)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([190, 590, 500])
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.splitter)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.updates.banner)
        outer.addWidget(self.glance)
        outer.addWidget(self.rollback_tab.prompt_slot)
        outer.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.setTabOrder(self.incident_list, self.timeline_view.kind_filter)
        self.setTabOrder(self.timeline_view.kind_filter, self.timeline_view.search_box)
        self.setTabOrder(self.timeline_view.search_box, self.timeline_view.table)
        self.setTabOrder(self.timeline_view.table, self.capture.kind_box)
        self.setTabOrder(self.capture.kind_box, self.capture.line)

    def _action(self, menu: QMenu, name: str, slot: object) -> QAction:
        shortcut = by_name(name)
        action = QAction(shortcut.what, self)
        action.setShortcut(QKeySequence(shortcut.keys))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # works while the menu bar is hidden too
        return action

    def _init_actions(self) -> None:
        incident = self.menuBar().addMenu("&Incident")
        self._action(incident, "new_incident", lambda: self.ask_and_open(drill=False))
        self._action(incident, "new_drill", lambda: self.ask_and_open(drill=True))
        incident.addSeparator()
        for severity in Severity:
            self._action(
                incident,
                severity.value.lower(),
                lambda _c=False, s=severity: self.panel.set_severity(s),
            )
        incident.addSeparator()
        for status in Status:
            self._action(
                incident, status.value, lambda _c=False, s=status: self.panel.set_status(s)
            )
        incident.addSeparator()
        names = {Milestone.RESOLVED: "resolved_milestone"}
        for milestone in Milestone:
            self._action(
                incident,
                names.get(milestone, milestone.value),
                lambda _c=False, m=milestone: self.panel.ask_milestone(m),
            )
        incident.addSeparator()
        self._action(incident, "assign_commander", lambda: self.panel.ask_role(Role.COMMANDER))
        self._action(
            incident, "assign_communicator", lambda: self.panel.ask_role(Role.COMMUNICATOR)
        )
        self._action(incident, "draft_update", lambda: self.updates.draft(None))
        self._action(incident, "snooze", lambda: self.updates.snooze(None))
        self._action(incident, "mini_timer", self.updates.toggle_mini_timer)
        self._action(incident, "cadence_settings", self.updates.settings)
        self._action(incident, "edit_templates", self.updates.edit_templates)
        self._action(incident, "outbox", self.publishing.show_outbox)
        self._action(incident, "channels", self.publishing.show_channels)
        self.sound_action = self._action(incident, "overdue_sound", lambda: None)
        self.sound_action.setCheckable(True)
        self._action(incident, "hand_over", self.panel.handoff.ask_handoff)
        self._action(incident, "postmortem", self.show_postmortem)
        self._action(incident, "share_incident", self.share_incident)
        self._action(incident, "conflicts", self.show_conflicts)
        self._action(incident, "backup", self.backup_now)
        board = self.menuBar().addMenu("&Board")
        self._action(
            board, "confirm_hypothesis", lambda: self.board.set_state(HypothesisState.CONFIRMED)
        )
        self._action(
            board, "refute_hypothesis", lambda: self.board.set_state(HypothesisState.REFUTED)
        )
        self._action(board, "hypothesis_owner", self.board.ask_owner)
        self._action(board, "add_action", self.board.ask_action)
        self._action(board, "action_done", self.board.complete_selected_action)
        board.addSeparator()
        self._action(board, "decide", lambda: self.rollback.ask_decision())
        self._action(board, "outcome_prompt", self.focus_outcome)
        self._action(board, "log_change", lambda: self.rollback.ask_change())
        self._action(board, "authority_settings", lambda: self.rollback.edit_authority())
        incident.addSeparator()
        self._action(incident, "quit", self.close)
        go = self.menuBar().addMenu("&Go")
        self._action(go, "capture", self.focus_capture)
        self._action(go, "search", self.timeline_view.search_box.setFocus)
        self._action(go, "filter", self.timeline_view.kind_filter.showPopup)
        self._action(go, "board", self.focus_board)
        self._action(go, "rollback", self.focus_rollback)
        self._action(go, "follow_ups", self.follow_ups.show_view)
        self._action(go, "metrics", self.show_metrics)
        self._action(go, "alerts", self.show_alerts)
        self._action(go, "runbooks", self.show_runbooks)
        self._action(go, "drill_facilitator", self.show_drills)
        self._action(go, "next_incident", lambda: self.step_incident(1))
        self._action(go, "previous_incident", lambda: self.step_incident(-1))
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "shortcuts", lambda: ShortcutsDialog(self).exec())
        self.shortcut_guard = ShortcutGuard(self, (s.keys for s in SHORTCUTS if s.window))

    def _connect_signals(self) -> None:
        self.start_button.clicked.connect(lambda: self.ask_and_open(drill=False))
        self.drill_button.clicked.connect(lambda: self.ask_and_open(drill=True))
        self.follow_ups_button.clicked.connect(self.follow_ups.show_view)
        self.conflicts_badge.clicked.connect(self.show_conflicts)
        self.publishing.pushes_wanted.connect(self.follow_ups.show_failed_push)
        self.capture.entry_ready.connect(self.write_entry)
        self.incident_list.selectionModel().selectionChanged.connect(self._on_selection)
        self.timeline_view.hit_chosen.connect(self._on_hit)
        self.live.arrived.connect(self._on_arrived)
        self.live.arrived.connect(self.follow_ups.on_arrived)
        self.updates.cadence.changed.connect(self.glance.show_cadence)
        self._after_first_paint.timeout.connect(self.rollback_tab.build)
        self._after_first_paint.timeout.connect(self.follow_ups.after_first_paint)
        self._after_first_paint.timeout.connect(self._start_team_sync_if_set_up)
        self._after_first_paint.timeout.connect(self._count_conflicts_now)
        self.follow_ups.wrote.connect(lambda: self.live.poll(force=True))
        self.follow_ups.push_queued.connect(self.publishing.push_queued)
        self.publishing.runner.attempted.connect(self.follow_ups.on_attempt)
        self.follow_ups.pull_asked.connect(lambda: self.publishing.runner.pull(self.author))
        self.publishing.runner.pulled.connect(self.follow_ups.on_pulled)
        self.panel.alerts_wanted.connect(self.show_alerts)
        self.panel.resolved.connect(self.offer_runbook_update)
        for part in (self.panel, self.board, self.rollback_tab):
            part.wrote.connect(lambda: self.live.poll(force=True))
            part.problem.connect(self.show_refusal)
        self.updates.wrote.connect(lambda: self.live.poll(force=True))
        self.updates.fell_overdue.connect(self.announce_overdue)
        self.updates.queued.connect(self.publishing.queued)
        self.publishing.message.connect(lambda text: self.statusBar().showMessage(text, 30_000))
        self.publishing.delivered.connect(lambda: self.live.poll(force=True))
        self.updates.problem.connect(lambda text: self.statusBar().showMessage(text, 30_000))
        self.backups.failed.connect(
            lambda reason: self.statusBar().showMessage(f"Backup failed: {reason}", 30_000)
        )
        self.integrity.damaged.connect(self.report_damage)
        # Whatever the window started ends with it, before the log is closed.
        for stop in (
            self.live.stop,
            self.shortcut_guard.stop,
            self.backups.stop,
            self.integrity.stop,
            self.updates.stop,
            self.rollback_tab.stop,
            self.publishing.stop,
            self.follow_ups.stop,
        ):
            self.closing.connect(stop)

    @property
    def rollback(self) -> RollbackPanel:
        return self.rollback_tab.build()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self._after_first_paint.start()
            self.first_painted.emit()

    # -- layout that outlives the window -------------------------------------

    def _restore_layout(self) -> None:
        if self.settings is None:
            return
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self.sound_action.setChecked(self.settings.value("alerts/sound") in (True, "true"))
        for key, splitter in (("window/splitter", self.splitter), ("window/right", self.right)):
            state = self.settings.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        pending = self._postmortem
        # It asks about postmortem text not saved; No keeps the window open.
        if pending is not None and pending.isVisible() and not pending.close():
            event.ignore()
            return
        self.shut_down()
        super().closeEvent(event)

    def shut_down(self) -> None:
        """Stop everything this window started, once: the parts' own work (threads,
        polling) through `closing`, then every timer anywhere in the window's tree, so a
        timer a part forgot to stop cannot fire on a closed log."""
        if self._shut_down:
            return
        self._shut_down = True
        self.closing.emit()
        for timer in self.findChildren(QTimer):
            timer.stop()
        if self.settings is not None:
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/splitter", self.splitter.saveState())
            self.settings.setValue("window/right", self.right.saveState())
            self.settings.setValue("alerts/sound", self.sound_action.isChecked())
            self.settings.sync()

    # -- behaviour -----------------------------------------------------------

    def show_refusal(self, text: str) -> None:
        self._refusal = text
        self.statusBar().showMessage(text, 15_000)

    def _drop_stale_refusal(self) -> None:
        """A refusal speaks of the incident as it was ("Not resolved: 2 changes not
        reviewed"); once its state has changed, or another incident is shown, it is stale."""
        if self._refusal and self.statusBar().currentMessage() == self._refusal:
            self.statusBar().clearMessage()
        self._refusal = ""

    def report_damage(self, message: str) -> None:
        """The log failed its integrity check, or a read met damage the check had missed:
        nothing more is written (the store refuses), and the window stays open so what it
        shows can still be read and copied. Said once: a poll meeting it again adds nothing."""
        if self.damage_box is not None and self.damage_box.isVisible():
            return
        self.statusBar().showMessage(message)
        self.damage_box = QMessageBox(
            QMessageBox.Icon.Critical,
            "The incident log is damaged",
            f"{message}\n\nCommander will write nothing more to this file. "
            "What the window shows can still be read and copied.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        self.damage_box.open()

    def _show_state(self) -> None:
        """The workspace or the empty page. Focus stays where the person put it (a
        search being typed, a note, the checklist) unless the page it was on goes away."""
        has_incidents = self.incidents.rowCount() > 0
        page = self.splitter if has_incidents else self.empty
        if self.stack.currentWidget() is not page:
            focused = QApplication.focusWidget()
            leaving = self.stack.currentWidget()
            self.stack.setCurrentWidget(page)
            if (
                has_incidents
                and focused is not None
                and leaving is not None
                and leaving.isAncestorOf(focused)
            ):
                self.focus_capture()
        if has_incidents and not self.incident_list.currentIndex().isValid():
            self.select_incident(self.incidents.index(0).data(IncidentIdRole))

    def focus_capture(self) -> None:
        self.capture.setFocus()

    def focus_board(self) -> None:
        self.tabs.setCurrentWidget(self.board)
        self.board.hypotheses_view.setFocus()

    def _start_team_sync_if_set_up(self) -> None:
        """A laptop without a team database loads nothing of team sync (one lookup)."""
        found = self.log.conn.execute("SELECT 1 FROM team_state WHERE key = 'config'")
        if found.fetchone() is not None:
            self.start_team_sync()

    def start_team_sync(self) -> TeamDesk:
        """The team desk (and its worker, when a team database is set up): after the
        first paint, or on the first share."""
        if self.team is None:
            from commander_app.ui.team_desk import TeamDesk

            self.team = TeamDesk(self.log, self.author, self.zone, self)
            self.statusBar().addPermanentWidget(self.team.badge)
            self.team.arrived.connect(lambda: self.live.poll(force=True))
            self.team.message.connect(lambda text: self.statusBar().showMessage(text, 30_000))
            self.closing.connect(self.team.stop)
            current = self.current_incident()
            self.team.select(current.id if current else None)
            if not self._shut_down:
                self.team.start()
        return self.team

    def share_incident(self) -> None:
        current = self.current_incident()
        self.start_team_sync().share(current.id if current else None)

    def show_postmortem(self) -> PostmortemDialog | None:
        """The postmortem of the selected incident, in its own window (built on first use)."""
        from commander_app.ui.postmortem.postmortem_dialog import PostmortemDialog

        incident = self.current_incident()
        if incident is None:
            self.show_refusal("Select an incident first: the postmortem is of one incident.")
            return None
        if self._postmortem is None:
            self._postmortem = PostmortemDialog(self.log, self.author, self.zone, self)
            self._postmortem.changed.connect(lambda: self.live.poll(force=True))
            self._postmortem.customer_summary.connect(self.draft_customer_summary)
        self._postmortem.show_incident(incident.id)
        self._postmortem.show()
        self._postmortem.raise_()
        self._postmortem.activateWindow()
        return self._postmortem

    def show_metrics(self) -> MetricsWindow:
        """Trends, the process review and the selected incident's figures (built on first
        use; its reading thread stops with the window)."""
        from commander_app.ui.metrics.metrics_window import MetricsWindow

        if self._metrics is None:
            self._metrics = MetricsWindow(self.log, self.zone, self, author=self.author)
            self._metrics.wrote.connect(lambda: self.live.poll(force=True))
            self._metrics.open_incident.connect(self._open_from_metrics)
            self.closing.connect(self._metrics.shut_down)
        incident = self.current_incident()
        self._metrics.show_for(incident.id if incident else None)
        return self._metrics

    def show_conflicts(self) -> ConflictsDialog:
        """What the merged logs of the selected incident disagree on (built on first use)."""
        from commander_app.ui.conflicts_dialog import ConflictsDialog

        if self._conflicts is None:
            self._conflicts = ConflictsDialog(self.log, self.author, self.zone, self)
            self._conflicts.wrote.connect(lambda: self.live.poll(force=True))
        incident = self.current_incident()
        self._conflicts.show_incident(incident.id if incident else None)
        self._conflicts.show()
        self._conflicts.raise_()
        self._conflicts.activateWindow()
        return self._conflicts

    def _count_conflicts_now(self) -> None:
        current = self.current_incident()
        self.show_conflict_count(current.id if current else None)

    def show_conflict_count(self, incident_id: str | None) -> None:
        """The status bar's "N conflicts", read again only when the incident's events
        that can conflict change (an incident written on one laptop costs two seeks).
        Read first just after the first paint, which does without it."""
        if not self._painted:
            return
        from commander_app.store import conflicts as conflict_store

        count = conflict_store.count(self.log, incident_id) if incident_id else 0
        self.conflicts_badge.setText(f"{count} conflict{'s' if count != 1 else ''} between laptops")
        self.conflicts_badge.setVisible(count > 0)
        if self._conflicts is not None and self._conflicts.isVisible():
            self._conflicts.show_incident(incident_id)

    def show_alerts(self) -> AlertsPane:
        """The selected incident's alert groups, to triage (built on first use)."""
        from commander_app.ui.alerts.alerts_pane import AlertsPane

        if self._alerts is None:
            self._alerts = AlertsPane(self.log, self.author, self.zone, self)
            self._alerts.wrote.connect(lambda: self.live.poll(force=True))
            self._alerts.problem.connect(self.show_refusal)
            self._alerts.runbook_wanted.connect(self.open_runbook)
        incident = self.current_incident()
        self._alerts.show_incident(incident.id if incident else None)
        return self._alerts

    def show_runbooks(self) -> RunbooksPane:
        """The Runbooks tab beside the timeline, on the selected incident (built on first
        use; its index refresh and timer stop when the tab is closed or the window)."""
        from commander_app.ui.runbooks.runbooks_pane import RunbooksPane

        if self._runbooks is None:
            pane = self._runbooks = RunbooksPane(self.log, self.author, self.zone)
            pane.wrote.connect(lambda: self.live.poll(force=True))
            pane.problem.connect(self.show_refusal)
            pane.assign_wanted.connect(self._assign_escalated)
            pane.closed.connect(self._close_runbooks)
            self.closing.connect(pane.stop)
        pane = self._runbooks
        if self.tabs.indexOf(pane) < 0:
            self.tabs.addTab(pane, "R&unbooks")
        incident = self.current_incident()
        pane.show_incident(incident.id if incident else None)
        self.tabs.setCurrentWidget(pane)
        if pane.pages.currentWidget() is pane.checklist:
            pane.checklist.steps.setFocus()
        else:
            pane.search.setFocus()
        return pane

    def open_runbook(self, name: str) -> RunbooksPane:
        """From an alert's runbook link: that runbook's steps, ready to follow."""
        pane = self.show_runbooks()
        pane.open_runbook(name)
        self.raise_()
        self.activateWindow()
        return pane

    def offer_runbook_update(self, incident_id: str) -> RunbookUpdateOffer:
        """Resolved here: offer the follow-up to update the runbooks it followed (a bar
        under the header; nothing is written until it is clicked)."""
        from commander_app.ui.runbooks.update_offer import RunbookUpdateOffer

        if self.update_offer is None:
            offer = self.update_offer = RunbookUpdateOffer(self.log, self.author)
            offer.wrote.connect(lambda: self.live.poll(force=True))
            offer.problem.connect(self.show_refusal)
            central = self.centralWidget()
            outer = central.layout() if central is not None else None
            assert isinstance(outer, QVBoxLayout)
            outer.insertWidget(outer.indexOf(self.rollback_tab.prompt_slot) + 1, offer)
        self.update_offer.offer_for(incident_id)
        return self.update_offer

    def _close_runbooks(self) -> None:
        if self._runbooks is not None:
            self.tabs.removeTab(self.tabs.indexOf(self._runbooks))
        self.focus_capture()

    def _assign_escalated(self, role: str, person: str) -> None:
        """The offer after an escalation, taken: the same path as Assign role."""
        assigned = self.panel.assign(Role(role), person)
        if self._runbooks is not None:
            self._runbooks.offer_answered(assigned)

    def show_drills(self) -> FacilitatorWindow:
        """The facilitator's window on the selected drill (built on first use; its timer
        fires due injects while it is open and stops with it or the main window)."""
        from commander_app.ui.drills.facilitator_window import FacilitatorWindow

        if self._drills is None:
            self._drills = FacilitatorWindow(self.log, self.author, self.zone, self)
            self._drills.wrote.connect(lambda: self.live.poll(force=True))
            self._drills.started.connect(self._drill_started)
            self.closing.connect(self._drills.shut_down)
        incident = self.current_incident()
        self._drills.show_for(incident.id if incident else None)
        return self._drills

    def _drill_started(self, incident_id: str) -> None:
        self.live.poll(force=True)
        self.select_incident(incident_id)

    def _open_from_metrics(self, incident_id: str) -> None:
        self.select_incident(incident_id)
        self.raise_()
        self.activateWindow()
        if self._metrics is not None:
            self._metrics.figures.show_incident(incident_id)

    def draft_customer_summary(self, incident_id: str) -> DraftDialog | None:
        """The postmortem's public summary as a customers' draft, over the postmortem."""
        current = self.current_incident()
        if current is None or current.id != incident_id:
            self.select_incident(incident_id)
        return self.updates.draft(
            Audience.CUSTOMERS.value, template=CUSTOMER_SUMMARY, over=self._postmortem
        )

    def focus_rollback(self) -> None:
        self.tabs.setCurrentWidget(self.rollback_tab)
        self.rollback.focus_checklist()

    def focus_outcome(self) -> None:
        """The "did it work?" prompt if one is up, else the decisions list."""
        if self.rollback.prompt.isVisible():
            self.rollback.prompt.note.setFocus()
            return
        self.tabs.setCurrentWidget(self.rollback_tab)
        self.rollback.decisions_view.setFocus()

    def select_incident(self, incident_id: str) -> None:
        row = self.incidents.row_of(incident_id)
        if row >= 0:
            self.incident_list.setCurrentIndex(self.incidents.index(row))

    def step_incident(self, step: int) -> None:
        row = self.incident_list.currentIndex().row() + step
        if 0 <= row < self.incidents.rowCount():
            self.incident_list.setCurrentIndex(self.incidents.index(row))

    def current_incident(self) -> IncidentState | None:
        incident_id = self.incident_list.currentIndex().data(IncidentIdRole)
        return self.log.incident(incident_id) if incident_id else None

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        incident_id = indexes[0].data(IncidentIdRole) if indexes else None
        if incident_id != self.timeline.incident_id:
            self._drop_stale_refusal()
            self.timeline_view.kind_filter.setCurrentIndex(0)
            self.timeline.show_incident(incident_id)
        self.panel.show_incident(self.log.incident(incident_id) if incident_id else None)
        self.board.show_incident(incident_id)
        self.glance.show_incident(self.panel.state, self.board.board)
        self.rollback_tab.show_incident(incident_id)
        self.updates.show_incident(incident_id)
        if self.team is not None:
            self.team.select(incident_id)
        if self._alerts is not None and self._alerts.isVisible():
            self._alerts.show_incident(incident_id)
        if self._runbooks is not None and self.tabs.indexOf(self._runbooks) >= 0:
            self._runbooks.show_incident(incident_id)
        self.show_conflict_count(incident_id)

    def _on_arrived(self, rows: Sequence[TimelineRow]) -> None:
        """New events, from this window or another process: show them in place."""
        current = self.incident_list.currentIndex().data(IncidentIdRole)
        self.timeline.add_rows(rows)
        self.incidents.reload()  # rows change in place: the selection stays on its incident
        mine = [row.event for row in rows if row.event.incident_id == current]
        kinds = {event.kind for event in mine}
        corrected = any(event.supersedes for event in mine)
        # Refresh only what the new events can change.
        if kinds & STATE_KINDS or corrected:
            self._drop_stale_refusal()
            self.panel.show_incident(self.current_incident())
        if kinds & (ROLLBACK_KINDS | STATE_KINDS) or corrected:
            self.rollback_tab.show_incident(current)
        if kinds & BOARD_KINDS or corrected:
            self.board.show_incident(current)
        if kinds & (STATE_KINDS | {Kind.COMMS}) or corrected:
            self.updates.show_incident(current)
        if Kind.ALERT in kinds:
            self.panel.show_alert_counts()
        if self._alerts is not None and kinds & (BOARD_KINDS | STATE_KINDS | {Kind.ALERT}):
            self._alerts.refresh()
        if self._runbooks is not None and (Kind.RUNBOOK in kinds or corrected):
            self._runbooks.show_incident(current)
        if kinds & CONFLICT_SOURCES:
            self.show_conflict_count(current)
        self.glance.show_incident(self.panel.state, self.board.board)
        self._show_state()

    def _on_hit(self, incident_id: str, event_id: str) -> None:
        self.select_incident(incident_id)
        if event_id:
            self.timeline_view.reveal(event_id)

    def ask_and_open(self, drill: bool) -> None:
        rules = playbook.in_force().playbook
        dialog = StartDialog(drill, self.author, self, playbook=rules, now=self.log.clock.now())
        while dialog.exec() == QDialog.DialogCode.Accepted:
            if self.open_incident(
                dialog.title.text(),
                drill=drill,
                severity=dialog.chosen_severity(),
                commander=dialog.commander.text().strip() or None,
            ):
                return
            dialog.show_error(self.statusBar().currentMessage())

    def open_incident(
        self,
        title: str,
        drill: bool = False,
        severity: Severity = Severity.SEV2,
        commander: str | None = None,
    ) -> bool:
        try:
            state = self.log.open_incident(
                title, severity=severity, drill=drill, commander=commander, author=self.author
            )
        except CommanderError as exc:
            self.statusBar().showMessage(str(exc), 15_000)
            return False
        self.live.poll(force=True)
        self.select_incident(state.id)
        self.focus_capture()
        return True

    def write_entry(self, entry: CaptureEntry) -> None:
        """Write durably; on failure the capture line keeps the text and says why."""
        incident = self.current_incident()
        if incident is None:
            self.capture.rejected("Select or start an incident first.")
            return
        assert entry.kind is not None
        try:
            check_capture_time(entry, incident.opened_at, self.zone)
        except CommanderError as exc:
            self.capture.rejected(str(exc))
            return
        change = reads_as_change(entry.text) if entry.kind is Kind.DECISION else None
        if change is not None:
            self.decide_typed(entry, change)
            return
        try:
            self.log.log(incident.id, entry.text, kind=entry.kind, author=self.author, at=entry.at)
        except CommanderError as exc:
            self.capture.rejected(str(exc))
            return
        self.capture.accepted()
        self.live.poll(force=True)
        if owner_missing(entry.kind, None):  # the capture line has no owner field
            self.statusBar().showMessage(NO_OWNER_HINT, 15_000)
        if entry.at is None:
            self.timeline_view.table.scrollToBottom()

    def decide_typed(self, entry: CaptureEntry, change: ChangeReading) -> DecideDialog | None:
        """A production change typed as a decision goes through the decide dialog's rules
        (checklist, authority, "did it work?"); the line keeps the text until it is decided."""
        dialog = self.rollback.ask_decision()
        if dialog is None:
            return None
        dialog.prefill(entry.text, change.kind, entry.at)
        dialog.accepted.connect(self.capture.accepted)
        self.statusBar().showMessage(
            f"'{change.words}' is a production change ({change.kind.value}): decide it with "
            "the checklist and authority. Cancel keeps your text in the line.",
            15_000,
        )
        return dialog

    def announce_overdue(self, sentences: list[str]) -> None:
        """Extras beside the banner, where the platform has them: a tray message, a beep."""
        if self.tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            from PySide6.QtWidgets import QStyle  # a large class; first paint does without it

            icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.show()
        if self.tray is not None:
            self.tray.showMessage("Stakeholder update overdue", "\n".join(sentences))
        if self.sound_action.isChecked():
            QApplication.beep()

    def backup_now(self) -> None:
        try:
            made = self.log.backup_now()
        except OSError as exc:
            self.statusBar().showMessage(f"Backup failed: {exc}", 30_000)
            return
        self.statusBar().showMessage(f"Backed up to {made}", 10_000)
