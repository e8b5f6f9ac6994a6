"""Incident → Publishing channels: add, change, test and remove where updates are published.

The form is built from the channel kind's description (publish.channel_settings), so the
window and `commander channel add` accept exactly the same settings. Secrets go to the
keyring; the form never shows a stored one.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError, ValidationError
from commander_app.core.model import Audience
from commander_app.publish.channel_settings import (
    SMTP_SECURITY,
    STATUSPAGE_COMPONENT_STATUSES,
    describe,
    settings_warnings,
    validate_secret,
    validate_settings,
)
from commander_app.publish.delivery import ChannelConfig, ChannelKind, DeliveryError
from commander_app.publish.secrets import SecretStore
from commander_app.publish.sending import audiences_served, with_audiences
from commander_app.publish.setting_values import CACHET_COMPONENT_STATUSES, flag
from commander_app.store import channels
from commander_app.store.channels import StoredChannel
from commander_app.store.incident_log import IncidentLog

_CHOICES: dict[tuple[ChannelKind, str], tuple[str, ...]] = {
    (ChannelKind.EMAIL, "security"): SMTP_SECURITY,
    (ChannelKind.STATUSPAGE, "component_status"): ("", *STATUSPAGE_COMPONENT_STATUSES),
    (ChannelKind.CACHET, "component_status"): ("", *CACHET_COMPONENT_STATUSES),
}
_LINES_HELP = {
    "recipients": "one audience per line: executives: cto@example.com, vp@example.com",
    "components": "one service per line: checkout = 8kbf7d35c070",
}


class _TestSignals(QObject):
    done = Signal(str)


class _TestJob(QRunnable):
    """A test send can take the channel's whole timeout: never on the GUI thread."""

    def __init__(self, config: ChannelConfig, secret: str, signals: _TestSignals) -> None:
        super().__init__()
        self._config, self._secret, self._signals = config, secret, signals

    def run(self) -> None:
        from commander_app.publish.channels import channel_for

        try:
            result = "✔ " + channel_for(self._config).send_test(self._secret)
        except DeliveryError as exc:
            result = f"✘ {exc.message}"
        except CommanderError as exc:
            result = f"✘ {exc}"
        except Exception as exc:  # noqa: BLE001  a bug: told in words that hold no secret
            result = f"✘ The test failed unexpectedly ({type(exc).__name__})."
        self._signals.done.emit(result)


class ChannelSettings(QDialog):
    saved = Signal(str)

    def __init__(self, log: IncidentLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log = log
        self._secrets = SecretStore()
        self.setWindowTitle("Channels")
        self.resize(820, 560)
        self.kind: ChannelKind | None = None
        self.editing: StoredChannel | None = None
        self.fields: dict[str, QWidget] = {}
        self.channel_list = QListWidget()
        self.new_button = QPushButton("&New channel")
        menu = QMenu(self.new_button)
        for kind in ChannelKind:
            menu.addAction(describe(kind).label, functools.partial(self.start_new, kind))
        self.new_button.setMenu(menu)
        self.remove_button = QPushButton("&Remove")
        left = QVBoxLayout()
        left.addWidget(self.channel_list, 1)
        left.addWidget(self.new_button)
        left.addWidget(self.remove_button)
        self.heading = QLabel()
        self.name = QLineEdit()
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.audience_boxes = {a: QCheckBox(a.value) for a in Audience}
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.save_button = QPushButton("&Save")
        self.test_button = QPushButton("Send &test")
        close = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch()
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.form_host)
        right.addStretch(1)
        right.addWidget(self.message)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 3)
        self._test_signals = _TestSignals()
        self._test_signals.done.connect(self._on_tested)
        self.channel_list.currentTextChanged.connect(self._on_chosen)
        self.remove_button.clicked.connect(self.remove)
        self.save_button.clicked.connect(self.save)
        self.test_button.clicked.connect(self.test)
        close.clicked.connect(self.reject)
        self.reload()

    # -- the list ----------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        self.channel_list.blockSignals(True)
        self.channel_list.clear()
        for stored in channels.channels(self._log):
            self.channel_list.addItem(stored.name)
        self.channel_list.blockSignals(False)
        names = [self.channel_list.item(i).text() for i in range(self.channel_list.count())]
        if select in names:
            self.channel_list.setCurrentRow(names.index(select))
        elif names and self.editing is None and self.kind is None:
            self.channel_list.setCurrentRow(0)
        elif not names and self.kind is None:
            self._show_nothing()

    def _show_nothing(self) -> None:
        self.heading.setText(
            "<b>No channels yet.</b> Add one with <i>New channel</i>: email for "
            "executives and customers, a status page, or a chat webhook for responders."
        )
        self._build_form(None)

    def _on_chosen(self, name: str) -> None:
        if not name:
            return
        stored = channels.channel(self._log, name)
        self.editing = stored
        self.kind = describe(stored.kind).kind
        self._build_form(stored)

    def start_new(self, kind: ChannelKind) -> None:
        self.editing = None
        self.kind = kind
        self.channel_list.clearSelection()
        self._build_form(None)
        self.name.setFocus()

    # -- the form ----------------------------------------------------------------

    def _build_form(self, stored: StoredChannel | None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)  # deletes the row's widgets (the shared ones are re-made)
        self.fields = {}
        self.name = QLineEdit()
        self.audience_boxes = {a: QCheckBox(a.value) for a in Audience}
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.message.setText("")
        enabled = self.kind is not None
        for button in (self.save_button, self.test_button):
            button.setEnabled(enabled)
        self.remove_button.setEnabled(stored is not None)
        if self.kind is None:
            return
        description = describe(self.kind)
        self.heading.setText(
            f"<b>{stored.name}</b> — {description.label}"
            if stored
            else f"<b>New {description.label} channel</b>"
        )
        settings = stored.settings if stored else {}
        self.name.setText(stored.name if stored else "")
        self.name.setReadOnly(stored is not None)
        self.name.setPlaceholderText("e.g. status-page, execs-mail, ops-chat")
        self.form.addRow("&Name", self.name)
        for spec in description.settings:
            widget = self._field(
                self.kind, spec.key, spec.coerce, settings.get(spec.key, spec.default)
            )
            widget.setToolTip(spec.help or _LINES_HELP.get(spec.key, ""))
            self.fields[spec.key] = widget
            self.form.addRow(spec.label + (" *" if spec.required else ""), widget)
        if self.kind is not ChannelKind.EMAIL:  # email serves whom it has recipients for
            serves = audiences_served(stored) if stored else description.audiences
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            for audience, box in self.audience_boxes.items():
                box.setChecked(audience in serves)
                row.addWidget(box)
            holder = QWidget()
            holder.setLayout(row)
            self.form.addRow("Serves", holder)
        have = stored is not None and self._secrets.get(stored.name) is not None
        self.secret.setPlaceholderText(
            "stored in the keyring — leave empty to keep it" if have else "not stored yet"
        )
        label = description.secret_label
        self.form.addRow(label[0].upper() + label[1:], self.secret)
        if self._secrets.warning:
            self.message.setText(self._secrets.warning)

    def _field(self, kind: ChannelKind, key: str, coerce: Any, value: Any) -> QWidget:
        choices = _CHOICES.get((kind, key))
        if choices is not None:
            box = QComboBox()
            box.addItems([c or "(from severity)" for c in choices])
            if value is not None:
                shown = _choice_name(kind, key, value)
                if shown in choices:
                    box.setCurrentIndex(choices.index(shown))
            return box
        if coerce is flag:
            check = QCheckBox()
            check.setChecked(bool(value))
            return check
        if key in _LINES_HELP:
            lines = QPlainTextEdit(_as_lines(key, value or {}))
            lines.setPlaceholderText(_LINES_HELP[key])
            lines.setFixedHeight(72)
            return lines
        edit = QLineEdit("" if value is None else str(value))
        return edit

    def typed_settings(self) -> dict[str, Any]:
        """What the form says, as the raw values validate_settings checks."""
        assert self.kind is not None
        raw: dict[str, Any] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                choices = _CHOICES[(self.kind, key)]
                raw[key] = choices[widget.currentIndex()] or None
            elif isinstance(widget, QCheckBox):
                raw[key] = widget.isChecked()
            elif isinstance(widget, QPlainTextEdit):
                raw[key] = _parse_lines(key, widget.toPlainText())
            elif isinstance(widget, QLineEdit):
                raw[key] = widget.text().strip() or None
        return raw

    def _checked(self) -> tuple[str, dict[str, Any], str | None]:
        assert self.kind is not None
        name = channels.check_channel_name(self.name.text())
        settings = validate_settings(self.kind, self.typed_settings())
        typed_secret = self.secret.text()
        secret = validate_secret(self.kind, typed_secret, settings) if typed_secret else None
        description = describe(self.kind)
        needs = description.secret_required or bool(settings.get("username"))
        if needs and secret is None and self._secrets.get(name) is None:
            raise ValidationError(f"Enter the {description.secret_label}.")
        return name, settings, secret

    # -- actions -----------------------------------------------------------------

    def save(self) -> bool:
        """Save the channel; a refusal keeps everything typed and says what to change."""
        if self.kind is None:
            return False
        try:
            name, settings, secret = self._checked()
            chosen = [a for a, box in self.audience_boxes.items() if box.isChecked()]
            channels.save_channel(
                self._log,
                name,
                self.kind.value,
                with_audiences(self.kind.value, settings, chosen),
                replace=self.editing is not None,
            )
        except CommanderError as exc:
            self.message.setText(f"Not saved — {exc}")
            return False
        notes = settings_warnings(self.kind, settings)
        if secret is not None:
            self._secrets.set(name, secret)
            if self._secrets.warning:
                notes.append(self._secrets.warning)
        self.kind = None
        self.reload(select=name)
        self.message.setText(" ".join([f"Saved '{name}'.", *notes]))
        self.saved.emit(name)
        return True

    def test(self) -> bool:
        if self.kind is None:
            return False
        try:
            name, settings, secret = self._checked()
        except CommanderError as exc:
            self.message.setText(f"Cannot test yet — {exc}")
            return False
        config = ChannelConfig(name, self.kind, settings)
        self.message.setText("Testing…")
        self.test_button.setEnabled(False)
        job = _TestJob(config, secret or self._secrets.get(name) or "", self._test_signals)
        QThreadPool.globalInstance().start(job)
        return True

    def _on_tested(self, result: str) -> None:
        self.test_button.setEnabled(self.kind is not None)
        self.message.setText(result)

    def remove(self) -> bool:
        if self.editing is None:
            return False
        try:
            channels.remove_channel(self._log, self.editing.name)
        except CommanderError as exc:
            self.message.setText(f"Not removed — {exc}")
            return False
        self._secrets.delete(self.editing.name)
        removed = self.editing.name
        self.editing, self.kind = None, None
        self.reload()
        self.message.setText(f"Removed '{removed}' and its secret.")
        return True


def _choice_name(kind: ChannelKind, key: str, value: Any) -> str:
    if kind is ChannelKind.CACHET and key == "component_status":
        names = {v: k for k, v in CACHET_COMPONENT_STATUSES.items()}
        return names.get(value, str(value))
    return str(value)


def _as_lines(key: str, value: dict[str, Any]) -> str:
    if key == "recipients":
        return "\n".join(f"{a}: {', '.join(v)}" for a, v in value.items())
    return "\n".join(f"{k} = {v}" for k, v in value.items())


def _parse_lines(key: str, text: str) -> dict[str, Any] | None:
    result: dict[str, Any] = {}
    separator = ":" if key == "recipients" else "="
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        left, sep, right = line.partition(separator)
        if not sep:
            raise ValidationError(f"Line {number} of {key}: expected {_LINES_HELP[key]}.")
        if key == "recipients":
            audience = Audience.parse(left).value
            result[audience] = [a.strip() for a in right.split(",") if a.strip()]
        else:
            result[left.strip()] = right.strip()
    return result or None
