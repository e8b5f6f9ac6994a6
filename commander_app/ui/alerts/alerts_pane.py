"""The Alerts pane (Ctrl+Alt+A): the selected incident's alert groups with first and last
seen, count, state, labels and annotations; one keystroke triages the selected group
(C cause, S symptom, N noise, U unknown), linked to the hypothesis chosen above the
list. When the incident has alerts and no detected time, it offers the first alert's
time (never sets it by itself). Built on first use; it refreshes when the window's
watch sees alert or board events arrive."""

from __future__ import annotations

import html
from datetime import tzinfo

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.alerts import AlertTriage
from commander_app.core.errors import CommanderError
from commander_app.core.model import Milestone
from commander_app.core.times import format_clock, from_iso
from commander_app.store.alerts import (
    AlertGroup,
    GroupDetail,
    group_detail,
    groups,
    triage,
)
from commander_app.store.board import board
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.alerts.alert_groups_model import ALERT, AlertGroupsModel
from commander_app.ui.shortcuts import by_name

TRIAGE_KEYS = {
    "alert_cause": AlertTriage.CAUSE,
    "alert_symptom": AlertTriage.SYMPTOM,
    "alert_noise": AlertTriage.NOISE,
    "alert_unknown": AlertTriage.UNKNOWN,
}
_DASHBOARD_WORDS = ("dashboard", "grafana", "panel")


class AlertsPane(QWidget):
    wrote = Signal()  # a triage or the detected time was logged; the window reads it back
    problem = Signal(str)
    runbook_wanted = Signal(str)  # the library's runbook an alert's runbook_url links to

    def __init__(
        self, log: IncidentLog, author: str, zone: tzinfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._log, self._author, self._zone = log, author, zone
        self.incident_id: str | None = None
        self._first_alert: str | None = None
        self.setWindowTitle("Alerts — Commander")
        self.resize(1000, 620)
        self._init_widgets()
        self._init_keys()
        self._connect_signals()

    # -- building ----------------------------------------------------------------

    def _init_widgets(self) -> None:
        self.heading = QLabel("")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.detected_line = QLabel("")
        self.detected_button = QPushButton("")
        offer = QHBoxLayout()
        offer.addWidget(self.detected_line, 1)
        offer.addWidget(self.detected_button)
        self.offer = QWidget()
        self.offer.setLayout(offer)
        self.offer.hide()
        self.hypothesis = QComboBox()
        self.hypothesis.setToolTip("The triage keys link the group to this hypothesis")
        link = QHBoxLayout()
        linked = QLabel("Link triage to &hypothesis:")
        linked.setBuddy(self.hypothesis)
        link.addWidget(linked)
        link.addWidget(self.hypothesis, 1)
        self.model = AlertGroupsModel(self._zone, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(ALERT, QHeaderView.ResizeMode.Stretch)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)  # a runbook link opens the library's runbook
        self.detail.setPlaceholderText("Select a group to see its labels and annotations.")
        self.buttons: dict[AlertTriage, QPushButton] = {}
        keys = QHBoxLayout()
        for name, verdict in TRIAGE_KEYS.items():
            button = QPushButton(f"{verdict.value.capitalize()} ({by_name(name).keys})")
            button.setToolTip(by_name(name).what)
            keys.addWidget(button)
            self.buttons[verdict] = button
        keys.addStretch()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([380, 200])
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.offer)
        layout.addLayout(link)
        layout.addWidget(split, 1)
        layout.addLayout(keys)

    def _init_keys(self) -> None:
        """C, S, N and U work in the list only (a filter on its key presses, ahead of the
        list's own type-to-search), so typing elsewhere is never a triage."""
        self.keys = {
            Qt.Key(ord(by_name(name).keys)): verdict for name, verdict in TRIAGE_KEYS.items()
        }
        self.runbook_key = Qt.Key(ord(by_name("alert_runbook").keys))
        self.table.installEventFilter(self)
        close = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        close.activated.connect(self.close)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            verdict = self.keys.get(Qt.Key(event.key()))
            plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if event.key() == self.runbook_key and plain == Qt.KeyboardModifier.NoModifier:
                self.open_runbook()
                return True
            if verdict is not None and plain == Qt.KeyboardModifier.NoModifier:
                self.triage_selected(verdict)
                return True
        return super().eventFilter(watched, event)

    def _connect_signals(self) -> None:
        for verdict, button in self.buttons.items():
            button.clicked.connect(lambda _c=False, v=verdict: self.triage_selected(v))
        self.detected_button.clicked.connect(self.set_detected)
        self.table.selectionModel().currentRowChanged.connect(lambda _n, _o: self._show_detail())
        self.detail.anchorClicked.connect(lambda url: self.open_link(url.toString()))

    # -- showing -------------------------------------------------------------------

    def show_incident(self, incident_id: str | None) -> None:
        """Show (or raise) the pane on this incident's alerts."""
        if incident_id != self.incident_id:
            self.incident_id = incident_id
            self.model.clear()
        self.refresh()
        self.show()
        self.raise_()
        self.activateWindow()
        self.table.setFocus()

    def refresh(self) -> None:
        """Read the groups again (alerts arrived, a triage was logged); the selection
        stays on its group."""
        incident_id = self.incident_id
        if incident_id is None:
            self.heading.setText("Select an incident to see its alerts.")
            self.model.clear()
            self.offer.hide()
            return
        state = self._log.incident(incident_id)
        on_board = board(self._log, incident_id)
        found = groups(self._log, incident_id)
        self.model.show(found, on_board.numbers, self._log.clock.now())
        self._fill_hypotheses(
            [(h.id, f"{on_board.number(h.id)} {h.text}") for h in on_board.hypotheses]
        )
        untriaged = sum(g.triage is None for g in found)
        alerts = sum(g.alerts for g in found)
        if found:
            self.heading.setText(
                f"Alerts of “{state.title}”: {len(found)} groups of {alerts:,} alerts, "
                f"{untriaged} untriaged."
            )
        else:
            self.heading.setText(f"No alerts in “{state.title}” yet.")
        self._first_alert = min((g.first_seen for g in found), default=None)
        if self._first_alert and state.detected_at is None:
            shown = format_clock(self._first_alert, self._log.clock.now(), self._zone)
            self.detected_line.setText("This incident has no detected time yet.")
            self.detected_button.setText(f"Set detected to the first alert's time {shown}")
            self.offer.show()
        else:
            self.offer.hide()
        if self.table.currentIndex().isValid():
            self._show_detail()
        elif found:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _fill_hypotheses(self, choices: list[tuple[str, str]]) -> None:
        chosen = self.hypothesis.currentData()
        self.hypothesis.blockSignals(True)
        self.hypothesis.clear()
        self.hypothesis.addItem("(none)", None)
        for hypothesis_id, text in choices:
            self.hypothesis.addItem(text[:80], hypothesis_id)
        index = self.hypothesis.findData(chosen) if chosen else 0
        self.hypothesis.setCurrentIndex(max(index, 0))
        self.hypothesis.blockSignals(False)

    def selected_group(self) -> AlertGroup | None:
        index = self.table.currentIndex()
        return self.model.group(index.row()) if index.isValid() else None

    def _show_detail(self) -> None:
        group = self.selected_group()
        if group is None or self.incident_id is None:
            self.detail.clear()
            return
        detail = group_detail(self._log, self.incident_id, group.key)
        self.detail.setHtml(detail_html(group, detail))

    # -- acting --------------------------------------------------------------------

    def triage_selected(self, verdict: AlertTriage) -> bool:
        group = self.selected_group()
        if group is None or self.incident_id is None:
            self.problem.emit("Select an alert group first.")
            return False
        hypothesis_id = self.hypothesis.currentData()
        linked = None
        incident_id = self.incident_id
        try:
            if hypothesis_id and verdict is not AlertTriage.UNKNOWN:
                linked = (hypothesis_id, board(self._log, incident_id).number(hypothesis_id))
            triage(self._log, incident_id, group, verdict, hypothesis=linked, author=self._author)
        except CommanderError as exc:
            self.problem.emit(str(exc))
            return False
        self.wrote.emit()
        self.refresh()
        self._select_next_untriaged(group.key)
        return True

    def _select_next_untriaged(self, after: str) -> None:
        """After a triage the next untriaged group below is selected: a storm is sorted
        by pressing keys, not by clicking."""
        start = self.model.row_of(after)
        rows = self.model.groups
        for n in list(range(start + 1, len(rows))) + list(range(0, max(start, 0))):
            if rows[n].triage is None:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(n, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                return

    def open_runbook(self) -> bool:
        """R: the selected group's runbook_url, in the runbook view when the library has
        the runbook it links to, else as the link."""
        group = self.selected_group()
        detail = (
            group_detail(self._log, self.incident_id, group.key)
            if group is not None and self.incident_id is not None
            else None
        )
        url = dict(detail.annotations).get("runbook_url", "") if detail else ""
        if not url:
            self.problem.emit("The selected alert group has no runbook_url.")
            return False
        return self.open_link(url)

    def open_link(self, url: str) -> bool:
        """True when the runbook view was asked for (the link names an indexed runbook)."""
        from commander_app.store.runbook_suggestions import linked_runbook

        found = linked_runbook(self._log.conn, url)
        if found is not None:
            self.runbook_wanted.emit(found.name)
            return True
        if url.startswith(("http://", "https://")):
            QDesktopServices.openUrl(QUrl(url))
        return False

    def set_detected(self) -> bool:
        """The offer taken: the detected milestone at the first alert's start."""
        if self.incident_id is None or self._first_alert is None:
            return False
        try:
            self._log.mark_milestone(
                self.incident_id,
                Milestone.DETECTED,
                author=self._author,
                at=from_iso(self._first_alert),
            )
        except CommanderError as exc:
            self.problem.emit(str(exc))
            return False
        self.wrote.emit()
        self.refresh()
        return True


def detail_html(group: AlertGroup, detail: GroupDetail | None) -> str:
    """A group's labels and annotations: summary and description first, the runbook and
    dashboards as links (only web addresses), the rest as they came."""
    parts = [f"<h3>{html.escape(group.name)}</h3>"]
    if detail is None:
        return "".join(parts)
    notes = dict(detail.annotations)
    for key in ("summary", "description"):
        if notes.get(key):
            parts.append(f"<p><b>{key.capitalize()}:</b> {_text(notes.pop(key))}</p>")
    links = []
    runbook = notes.pop("runbook_url", "")
    if runbook:
        links.append(("Runbook", runbook))
    for key in sorted(notes):
        if any(word in key.lower() for word in _DASHBOARD_WORDS):
            links.append((key, notes.pop(key)))
    if detail.url:
        links.append(("Source", detail.url))
    for what, url in links:
        parts.append(f"<p><b>{html.escape(what)}:</b> {_link(url)}</p>")
    if runbook:
        parts.append("<p><i>R (or the link) follows it in the runbook view.</i></p>")
    if not runbook:
        parts.append("<p><i>No runbook_url: this alert fires without a runbook.</i></p>")
    for key in sorted(notes):
        parts.append(f"<p><b>{html.escape(key)}:</b> {_text(notes[key])}</p>")
    labels = ", ".join(
        f"{html.escape(k)}={html.escape(v)}" for k, v in sorted(detail.labels.items())
    )
    parts.append(f"<p><b>Labels:</b> {labels}</p>")
    parts.append(
        f"<p>{group.alerts:,} alerts ({group.firing:,} firing), {group.fires:,} firings.</p>"
    )
    return "".join(parts)


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def _link(url: str) -> str:
    shown = html.escape(url)
    if url.startswith(("http://", "https://")):
        return f'<a href="{html.escape(url, quote=True)}">{shown}</a>'
    return shown
