"""One click from a countdown to a filled, editable update: copy it, or mark it sent.

An impact or workaround carried over from an update of an earlier phase is
flagged under its field, with where it came from, until the person keeps or
clears it; nothing goes out while one is unanswered. Closing a draft whose text
or facts were edited asks first: nothing typed is lost by Esc.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFontDatabase, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.cadence import Audience, CadencePolicy, suggested_next_update
from commander_app.core.errors import CommanderError
from commander_app.core.templates import RenderedUpdate
from commander_app.core.times import parse_due
from commander_app.core.update_facts import CarriedFact, UpdateFacts, parse_services
from commander_app.store import cadence, templates
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.error_line import ErrorLine
from commander_app.ui.updates.audience_box import AudienceBox

AUTOMATIC = "(the one for this audience and phase)"


class CarriedNote(QWidget):
    """Under a field: where its text came from, and Keep / Clear."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setStyleSheet("color: #8a5a00;")
        self.keep_button = QPushButton("Keep")
        self.clear_button = QPushButton("Clear")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.keep_button)
        layout.addWidget(self.clear_button)
        self.hide()


class DraftDialog(QDialog):
    """Filling needs no network. "Send" queues the final text for the audience's
    channels and returns at once (delivery happens off the GUI thread); "Mark as sent"
    logs a text that went out by hand. Either restarts the countdown once it is out."""

    queued = Signal(list)  # the outbox rows made by Send

    def __init__(
        self,
        log: IncidentLog,
        incident_id: str,
        audience: Audience,
        *,
        author: str,
        zone: tzinfo,
        policy: CadencePolicy,
        template: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._log, self._incident_id, self._author, self._zone = log, incident_id, author, zone
        self._policy = policy
        try:
            self._readers = cadence.stakeholder_zone(policy)
        except CommanderError:
            self._readers = zone  # the settings screen reports the bad name
        self.setWindowTitle("Draft a stakeholder update")
        self.resize(720, 600)
        self.audience = AudienceBox(audience)
        self.template = QComboBox()
        self.template.addItem(AUTOMATIC, "")
        for info in templates.list_templates(log):
            self.template.addItem(f"{info.name}  ({info.audience})", info.name)
        if template is not None:
            self.template.setCurrentIndex(max(0, self.template.findData(template)))
        self.next_update = QLineEdit()
        self.next_update.setPlaceholderText("HH:MM or ISO-8601; empty: none promised")
        self.impact = QLineEdit()
        self.impact.setPlaceholderText("What users see, in a sentence")
        self.workaround = QLineEdit()
        self.workaround.setPlaceholderText("What users can do meanwhile")
        self.services = QLineEdit()
        self.services.setPlaceholderText("Affected services, comma-separated: checkout, payments")
        said = cadence.facts(log, incident_id)  # what the last update said
        self.impact.setText(said.impact or "")
        self.workaround.setText(said.workaround or "")
        self.services.setText(", ".join(said.services))
        self.carried_notes = {"impact": CarriedNote(), "workaround": CarriedNote()}
        self._unanswered: dict[str, CarriedFact] = {}
        for fact in cadence.carried(log, incident_id):
            self._unanswered[fact.field] = fact
            note = self.carried_notes[fact.field]
            note.label.setText(fact.note(self._now(), zone))
            note.setVisible(True)
        self.text = QPlainTextEdit()
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.error = ErrorLine()
        self.fill_button = QPushButton("Fill again")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.sent_button = buttons.addButton("Mark as sent", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button = buttons.addButton("&Send", QDialogButtonBox.ButtonRole.ActionRole)
        self.targets = QLabel()
        self.targets.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Audience", self.audience)
        form.addRow("&Template", self.template)
        form.addRow("&Next update by", self.next_update)
        form.addRow("&Impact", self.impact)
        form.addRow("", self.carried_notes["impact"])
        form.addRow("&Workaround", self.workaround)
        form.addRow("", self.carried_notes["workaround"])
        form.addRow("Affected ser&vices", self.services)
        form.addRow(self.fill_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.targets)
        layout.addWidget(buttons)
        self.fill_button.clicked.connect(self.fill)
        self.audience.currentIndexChanged.connect(lambda _i: self._on_audience())
        self.template.currentIndexChanged.connect(lambda _i: self._on_template())
        self.copy_button.clicked.connect(self.copy)
        self.send_button.clicked.connect(self.send)
        self.sent_button.clicked.disconnect()
        self.sent_button.clicked.connect(self.mark_sent)
        buttons.rejected.connect(self.close_asking)
        for name, field in (("impact", self.impact), ("workaround", self.workaround)):
            note = self.carried_notes[name]
            note.keep_button.clicked.connect(lambda _c=False, n=name: self.keep_carried(n))
            note.clear_button.clicked.connect(lambda _c=False, n=name: self.clear_carried(n))
            # Typing a new text answers the question as well as Keep or Clear does.
            field.textEdited.connect(lambda _t, n=name: self._answered(n))
        self._as_filled = self._typed()
        self._shown = (self.audience.currentIndex(), self.template.currentIndex())
        self._suggest_and_fill()

    def chosen_audience(self) -> Audience:
        return self.audience.chosen()

    def _now(self) -> datetime:
        return self._log.clock.now()

    def _show_targets(self) -> None:
        """Say where Send goes, or why it cannot, before anyone presses it."""
        from commander_app.publish.sending import channels_for

        audience = self.chosen_audience()
        names = [c.name for c in channels_for(self._log, audience)]
        self.send_button.setEnabled(bool(names))
        # Enter in a field does what the person most likely means: send where it can.
        self.send_button.setDefault(bool(names))
        self.sent_button.setDefault(not names)
        if names:
            self.targets.setText(f"Send goes to: {', '.join(names)}.")
        else:
            self.targets.setText(
                f"No channel is set up for {audience.value} updates "
                "(Incident → Publishing channels). Copy the text, send it by hand, then "
                "Mark as sent."
            )

    def _suggest_and_fill(self) -> None:
        self._show_targets()
        state = self._log.incident(self._incident_id)
        promise = suggested_next_update(state, self._policy, self.chosen_audience(), self._now())
        self.next_update.setText(
            promise.astimezone(self._zone).strftime("%H:%M") if promise else ""
        )
        self.fill()

    def _next_update(self) -> datetime | None:
        typed = self.next_update.text().strip()
        return parse_due(typed, self._now(), self._zone) if typed else None

    def fill(self) -> bool:
        """Fill the template; on an error keep whatever text is there and say why."""
        try:
            rendered = templates.draft(
                self._log,
                self._incident_id,
                self.chosen_audience().value,
                template=self.template.currentData() or None,
                now=self._now(),
                next_update_due=self._next_update(),
                stakeholder_zone=self._readers,
                local_zone=self._zone,
                workaround=self.facts().workaround,
                affected_services=self.facts().services,
                impact=self.facts().impact,
            )
        except CommanderError as exc:
            self.error.say(str(exc))
            return False
        self.error.hide()
        if not self.template.currentData():
            chosen = templates.template_for(
                self._log, self._incident_id, self.chosen_audience().value
            )
            self.template.setItemText(0, f"{chosen.name} {AUTOMATIC}")
        self.text.setPlainText(rendered.as_text())
        self._as_filled = self._typed()
        return True

    # -- facts carried over from an earlier phase -------------------------------

    def keep_carried(self, name: str) -> None:
        """The carried text still holds: send it as it is."""
        self._answered(name)

    def clear_carried(self, name: str) -> None:
        """The carried text no longer holds: empty the field and fill the draft again."""
        {"impact": self.impact, "workaround": self.workaround}[name].clear()
        self._answered(name)
        self.fill()

    def _answered(self, name: str) -> None:
        self._unanswered.pop(name, None)
        self.carried_notes[name].hide()

    def _refuse_unanswered(self, verb: str) -> bool:
        """True (and the reason shown) while a carried fact waits for Keep or Clear."""
        if not self._unanswered:
            return False
        fields = " and the ".join(self._unanswered)
        phase = next(iter(self._unanswered.values())).phase.value
        self.error.say(
            f"Not {verb} — the {fields} came from the {phase} update: press Keep or Clear "
            "under each (or type the new text) first. Your text is kept."
        )
        return True

    # -- closing -------------------------------------------------------------

    def _typed(self) -> tuple[str, ...]:
        return (
            self.text.toPlainText(),
            self.impact.text(),
            self.workaround.text(),
            self.services.text(),
            self.next_update.text(),
        )

    def is_edited(self) -> bool:
        """True when the text or a field was changed since the draft was last filled."""
        return self._typed() != self._as_filled

    def _may_refill(self) -> bool:
        """Another audience or template refills the draft: ask first if it was edited,
        and if the answer is no, go back to the audience and template it was."""
        if self.is_edited() and not self.confirm_discard():
            with QSignalBlocker(self.audience), QSignalBlocker(self.template):
                self.audience.setCurrentIndex(self._shown[0])
                self.template.setCurrentIndex(self._shown[1])
            return False
        self._shown = (self.audience.currentIndex(), self.template.currentIndex())
        return True

    def _on_audience(self) -> None:
        if self._may_refill():
            self._suggest_and_fill()

    def _on_template(self) -> None:
        if self._may_refill():
            self.fill()

    def confirm_discard(self) -> bool:
        """Ask before edits are thrown away; True: discard them."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Discard this draft?",
            "The draft was edited. Close it and lose the edits?",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is discard

    def close_asking(self) -> None:
        """Esc and Close: an edited draft closes only when the person says so."""
        if self.is_edited() and not self.confirm_discard():
            return
        self.reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            event.accept()
            self.close_asking()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """The title bar's close button asks like Close; closing from code does not."""
        if event.spontaneous() and self.is_edited() and not self.confirm_discard():
            event.ignore()
            return
        super().closeEvent(event)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())

    def facts(self) -> UpdateFacts:
        """Impact, workaround and services as typed: kept with the update for the next draft."""
        return UpdateFacts.of(
            self.impact.text(), self.workaround.text(), parse_services(self.services.text())
        )

    def send(self) -> bool:
        """Queue the text for the audience's channels; on a refusal keep it and say why."""
        from commander_app.publish.sending import queue_update

        if self._refuse_unanswered("queued"):
            return False
        edited = RenderedUpdate.from_text(self.text.toPlainText())
        try:
            entries = queue_update(
                self._log,
                self._incident_id,
                self.chosen_audience(),
                edited.subject,
                edited.body,
                author=self._author,
                next_update_at=self._next_update(),
                facts=self.facts(),
            )
        except CommanderError as exc:
            self.error.say(f"Not queued — {exc} Your text is kept.")
            return False
        self.queued.emit(entries)
        self.accept()
        return True

    def mark_sent(self) -> bool:
        """Log the text as sent to the audience; the countdown restarts from it."""
        if self._refuse_unanswered("logged"):
            return False
        try:
            cadence.record_sent(
                self._log,
                self._incident_id,
                self.chosen_audience(),
                self.text.toPlainText(),
                next_update_at=self._next_update(),
                author=self._author,
                facts=self.facts(),
            )
        except CommanderError as exc:
            self.error.say(f"Not logged — {exc} Your text is kept.")
            return False
        self.accept()
        return True
