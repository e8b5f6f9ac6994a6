"""The playbook in the window: the severity helper and the rota in the start dialog,
a change of playbook noted in the open incident's timeline, a broken one told."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from commander_app.core.bodies import IncidentBody, read_incident
from commander_app.core.model import Kind, Severity
from commander_app.store import playbook
from commander_app.ui.incident.start_dialog import StartDialog
from commander_app.ui.main_window import MainWindow

TEAM = """\
name = "Payments playbook"

[[question]]
ask = "Are payments failing?"
yes = "SEV1"

[[question]]
ask = "Is a feature degraded?"
yes = "SEV3"

[severity.SEV1]
means = "Money is not moving."
commander = "rota"

[rota]
zone = "UTC"

[[rota.shift]]
person = "bob"
from = 2026-01-01T09:00:00
"""


def test_ticking_what_holds_sets_the_severity_with_the_reason(qtbot: QtBot) -> None:
    rules = playbook.read_text(TEAM).playbook
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    dialog = StartDialog(False, "alice", playbook=rules, now=now)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.severity.itemText(0) == "SEV1 — Money is not moving."
    assert dialog.chosen_severity() is Severity.SEV2  # nothing ticked: the default stands
    failing, degraded = dialog.questions
    qtbot.mouseClick(degraded, Qt.MouseButton.LeftButton, pos=QPoint(6, degraded.height() // 2))
    assert dialog.chosen_severity() is Severity.SEV3
    qtbot.keyClick(failing, Qt.Key.Key_Space)
    assert dialog.chosen_severity() is Severity.SEV1
    assert dialog.verdict.text().startswith("SEV1: yes to “Are payments failing?”. When in doubt")
    assert dialog.on_call.text() == (
        "May command at SEV1: whoever is on call (the rota); now: bob."
    )
    assert dialog.commander.text() == "alice"  # shown, never filled in for the user


def test_a_playbook_changed_under_an_open_incident_is_noted_in_its_timeline(
    window: MainWindow, qtbot: QtBot
) -> None:
    incident = window.open_incident("Checkout 500s", severity=Severity.SEV2)
    assert incident
    state = window.log.incidents()[0]
    path = playbook.playbook_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEAM, encoding="utf-8")
    window.updates.cadence.tick()  # the second's tick notices the file

    def notes() -> list[IncidentBody]:
        return [
            read_incident(e)
            for e in window.log.events(state.id)
            if e.kind is Kind.INCIDENT and read_incident(e)["action"] == "playbook"
        ]

    qtbot.waitUntil(lambda: len(notes()) == 1)
    assert notes()[0]["playbook"]["name"] == "Payments playbook"
    assert "severity rules" in notes()[0]["changes"]

    path.write_text("[severity.SEV1\n", encoding="utf-8")
    window.updates.cadence.tick()
    qtbot.waitUntil(lambda: "last good version" in window.statusBar().currentMessage())
    assert len(notes()) == 1  # the last good version is the one already noted
