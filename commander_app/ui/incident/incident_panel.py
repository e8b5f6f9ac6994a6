"""The right-hand panel: the selected incident's state, milestones and roles (with the handoff)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from commander_app.core.errors import ValidationError
from commander_app.core.model import (
    MILESTONE_FIELDS,
    IncidentState,
    Milestone,
    Role,
    Severity,
    Status,
)
from commander_app.core.times import format_duration, format_local, from_iso, parse_when
from commander_app.store.alert_counts import group_counts
from commander_app.ui.ask import ask_text
from commander_app.ui.handoff.handoff_panel import HandoffPanel
from commander_app.ui.log_panel import LogPanel
from commander_app.ui.palette import severity_colour


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class IncidentPanel(LogPanel):
    """Every control here calls the same IncidentLog method the CLI calls."""

    alerts_wanted = Signal()  # the Alerts pane, from the alerts line's button
    resolved = Signal(str)  # the incident's id, resolved from this panel (Alt+4, the box)

    def _build(self) -> None:
        self.state: IncidentState | None = None
        self._init_state_box()
        self._init_milestones_box()
        self._init_roles_box()
        layout = QVBoxLayout(self)
        # Who holds which role matters more at a glance than the milestones' times.
        for box in (self.state_box, self.roles_box, self.milestones_box):
            layout.addWidget(box)
        layout.addStretch()
        self._ticker = QTimer(self)
        self._ticker.setInterval(15_000)
        self._ticker.timeout.connect(self._refresh_elapsed)
        self._ticker.start()

    def _init_state_box(self) -> None:
        self.state_box = QGroupBox("Incident")
        form = QFormLayout(self.state_box)
        self.title = _label("")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold; font-size: 13pt")
        self.severity = QComboBox()
        self.severity.addItems([s.value for s in Severity])
        self.status = QComboBox()
        self.status.addItems([s.value for s in Status])
        self.elapsed = _label("")
        self.alert_counts = _label("—")
        self.alerts_button = QPushButton("Alerts…")
        self.alerts_button.setToolTip("The incident's alert groups, to triage (Ctrl+Alt+A)")
        self.alerts_button.clicked.connect(self.alerts_wanted)
        alerts_row = QHBoxLayout()
        alerts_row.addWidget(self.alert_counts, 1)
        alerts_row.addWidget(self.alerts_button)
        form.addRow(self.title)
        form.addRow("&Severity", self.severity)
        form.addRow("S&tatus", self.status)
        form.addRow("Elapsed", self.elapsed)
        form.addRow("Alerts", alerts_row)
        self.severity.activated.connect(lambda _i: self._change_severity())
        self.status.activated.connect(lambda _i: self._change_status())

    def _init_milestones_box(self) -> None:
        self.milestones_box = QGroupBox("Milestones")
        form = QFormLayout(self.milestones_box)
        self.milestone_labels: dict[Milestone, QLabel] = {}
        self.milestone_buttons: dict[Milestone, QPushButton] = {}
        for milestone in Milestone:
            label = _label("—")
            button = QPushButton("Set…")
            button.setToolTip(f"Record when the incident was {milestone.value.replace('_', ' ')}")
            button.clicked.connect(lambda _c=False, m=milestone: self.ask_milestone(m))
            row = QHBoxLayout()
            row.addWidget(label, 1)
            row.addWidget(button)
            form.addRow(milestone.value.replace("_", " ").capitalize(), row)
            self.milestone_labels[milestone] = label
            self.milestone_buttons[milestone] = button

    def _init_roles_box(self) -> None:
        self.roles_box = QGroupBox("Roles")
        form = QFormLayout(self.roles_box)
        self.handoff = HandoffPanel(self._log, self._author, self._zone, self._act, self)
        form.addRow(self.handoff)
        self.role_labels: dict[Role, QLabel] = {}
        for role in Role:
            label = _label("—")
            button = QPushButton("Assign…")
            button.clicked.connect(lambda _c=False, r=role: self.ask_role(r))
            row = QHBoxLayout()
            row.addWidget(label, 1)
            row.addWidget(button)
            form.addRow(role.value.replace("_", " ").capitalize(), row)
            self.role_labels[role] = label

    # -- showing -------------------------------------------------------------

    def show_incident(self, state: IncidentState | None) -> None:
        self.state = state
        self.setEnabled(state is not None)
        if state is None:
            return
        drill = "  [DRILL]" if state.is_drill else ""
        self.title.setText(state.title + drill)
        self.severity.setCurrentText(state.severity.value)
        self.severity.setStyleSheet(f"color: {severity_colour(state.severity).name()}")
        self.status.setCurrentText(state.status.value)
        for milestone, label in self.milestone_labels.items():
            value = getattr(state, MILESTONE_FIELDS[milestone])
            label.setText(format_local(value, self._zone) if value else "—")
        for role, label in self.role_labels.items():
            label.setText(state.roles.get(role.value, "—"))
        self.handoff.show_pending(state.pending_handoff_to)
        self._refresh_elapsed()
        self.show_alert_counts()

    def show_alert_counts(self) -> None:
        """'2 of 5 groups untriaged': what the scribe still has to sort."""
        if self.state is None:
            return
        counts = group_counts(self._log.conn, self.state.id)
        if not counts.groups:
            self.alert_counts.setText("none")
        elif counts.untriaged:
            self.alert_counts.setText(f"{counts.untriaged} of {counts.groups} groups untriaged")
        else:
            self.alert_counts.setText(f"{counts.groups} groups, all triaged")

    def _refresh_elapsed(self) -> None:
        state = self.state
        if state is None or state.opened_at is None:
            return
        end = from_iso(state.resolved_at) if state.resolved_at else self._clock.now()
        parts = [f"open {format_duration((end - from_iso(state.opened_at)).total_seconds())}"]
        if state.impact_started_at:
            impact = (end - from_iso(state.impact_started_at)).total_seconds()
            parts.append(f"impact {format_duration(impact)}")
        self.elapsed.setText(" · ".join(parts))

    # -- acting ----------------------------------------------------------------

    def _act(self, action: Callable[[IncidentState], object]) -> bool:
        state = self.state
        return state is not None and self.attempt(lambda: action(state))

    def after_refusal(self) -> None:
        self.show_incident(self.state)

    def _change_severity(self) -> None:
        chosen = Severity(self.severity.currentText())
        if self.state is not None and chosen is not self.state.severity:
            self.set_severity(chosen)

    def _change_status(self) -> None:
        chosen = Status(self.status.currentText())
        if self.state is not None and chosen is not self.state.status:
            self.set_status(chosen)

    def set_severity(self, severity: Severity) -> bool:
        return self._act(lambda s: self._log.set_severity(s.id, severity, author=self._author))

    def set_status(self, status: Status) -> bool:
        if status is Status.RESOLVED:
            state = self.state
            done = self._act(self._resolve)
            if done and state is not None:
                self.resolved.emit(state.id)
            return done
        return self._act(lambda s: self._log.set_status(s.id, status, author=self._author))

    def _resolve(self, state: IncidentState) -> None:
        """Resolve; with production changes not reviewed, only after the person confirms."""
        from commander_app.store import rollback  # loaded on the way to resolving

        try:
            rollback.resolve(self._log, state.id, author=self._author)
        except rollback.UnreviewedChanges as exc:
            if not self.confirm_resolve(state, str(exc)):
                raise ValidationError(
                    f"Not resolved: {len(exc.pending)} production change(s) not reviewed."
                ) from None
            rollback.resolve(self._log, state.id, author=self._author, confirmed=True)

    def confirm_resolve(self, state: IncidentState, why: str) -> bool:
        """Ask; tests answer by replacing this method."""
        answer = QMessageBox.question(
            self,
            "Resolve with changes not reviewed?",
            f"{why}\n\nResolve “{state.title}” anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def set_milestone(self, milestone: Milestone, typed: str) -> bool:
        """`typed` is HH:MM or ISO-8601; empty means now."""

        def write(state: IncidentState) -> None:
            at = parse_when(typed, self._clock.now(), self._zone) if typed.strip() else None
            self._log.mark_milestone(state.id, milestone, author=self._author, at=at)

        return self._act(write)

    def assign(self, role: Role, person: str) -> bool:
        return self._act(lambda s: self._log.assign_role(s.id, role, person, author=self._author))

    def ask_milestone(self, milestone: Milestone) -> None:
        typed: str | None = ""
        while True:
            typed = ask_text(
                self,
                "Set milestone",
                f"When was the incident {milestone.value.replace('_', ' ')}?\n"
                "HH:MM (local) or ISO-8601; leave empty for now.",
                text=typed or "",
            )
            if typed is None or self.set_milestone(milestone, typed):
                return

    def ask_role(self, role: Role) -> None:
        current = self.state.roles.get(role.value, "") if self.state else ""
        name = ask_text(
            self, "Assign role", f"Who is the {role.value.replace('_', ' ')}?", text=current
        )
        if name and name.strip():
            self.assign(role, name)
