"""The draft dialog as a stressed communicator uses it: facts carried over from an
earlier phase are flagged until confirmed or cleared, and edits survive Esc and Close."""

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import Audience, Milestone, Severity, Status
from commander_app.core.update_facts import UpdateFacts
from commander_app.store import cadence
from commander_app.ui.main_window import MainWindow
from commander_app.ui.updates.draft_dialog import DraftDialog

IMPACT = "38 % of payments fail at the last step"
WORKAROUND = "Pay with PayPal"


def mitigated_incident(window: MainWindow, clock: FixedClock) -> str:
    """Customers were told of the impact and workaround; then it was mitigated."""
    assert window.open_incident("Payments failing", severity=Severity.SEV1)
    incident = current(window)
    log = window.log
    log.set_status(incident, Status.IDENTIFIED, author="alice")
    clock.advance(timedelta(minutes=5))
    cadence.record_sent(log, incident, Audience.CUSTOMERS, "Cause found", author="bram",
                              facts=UpdateFacts.of(IMPACT, WORKAROUND, ["payments"]))  # fmt: skip
    clock.advance(timedelta(minutes=20))
    log.mark_milestone(incident, Milestone.MITIGATED, author="alice")
    log.set_status(incident, Status.MONITORING, author="alice")
    return incident


def current(window: MainWindow) -> str:
    state = window.current_incident()
    assert state is not None
    return state.id


def open_draft(window: MainWindow, qtbot: QtBot, audience: str) -> DraftDialog:
    dialog = window.updates.draft(audience)
    assert dialog is not None
    qtbot.addWidget(dialog)
    return dialog


def test_carried_facts_are_flagged_until_confirmed_or_cleared(
    window: MainWindow, qtbot: QtBot, clock: FixedClock
) -> None:
    mitigated_incident(window, clock)
    dialog = open_draft(window, qtbot, "customers")
    impact, workaround = dialog.carried_notes["impact"], dialog.carried_notes["workaround"]
    assert impact.isVisibleTo(dialog)
    assert workaround.isVisibleTo(dialog)
    assert "carried over from the identified update to customers at 15:05 CET" in (
        impact.label.text()
    )
    # The facts stay in place until the person acts, and nothing goes out meanwhile.
    assert dialog.impact.text() == IMPACT
    assert WORKAROUND in dialog.text.toPlainText()
    assert not dialog.mark_sent()
    assert "Keep or Clear" in dialog.error.text()
    qtbot.mouseClick(workaround.clear_button, Qt.MouseButton.LeftButton)
    assert dialog.workaround.text() == ""
    assert WORKAROUND not in dialog.text.toPlainText()
    assert not workaround.isVisibleTo(dialog)
    assert not dialog.mark_sent()  # the impact is still to be answered
    qtbot.mouseClick(impact.keep_button, Qt.MouseButton.LeftButton)
    assert not impact.isVisibleTo(dialog)
    assert dialog.impact.text() == IMPACT
    assert dialog.mark_sent()


def test_a_fact_written_in_this_phase_needs_no_confirmation(
    window: MainWindow, qtbot: QtBot, clock: FixedClock
) -> None:
    assert window.open_incident("Payments failing", severity=Severity.SEV1)
    incident = current(window)
    cadence.record_sent(window.log, incident, Audience.CUSTOMERS, "Investigating",
                              author="bram", facts=UpdateFacts.of(IMPACT, None))  # fmt: skip
    dialog = open_draft(window, qtbot, "customers")
    assert not any(note.isVisibleTo(dialog) for note in dialog.carried_notes.values())


def test_escape_on_an_edited_draft_asks_and_keeps_the_text(
    window: MainWindow, qtbot: QtBot, clock: FixedClock
) -> None:
    window.open_incident("Payments failing", severity=Severity.SEV1)
    dialog = open_draft(window, qtbot, "internal")
    asked: list[str] = []
    dialog.confirm_discard = lambda: asked.append("asked") or False  # type: ignore[method-assign]
    dialog.text.setFocus()
    dialog.text.moveCursor(dialog.text.textCursor().MoveOperation.End)
    qtbot.keyClicks(dialog.text, "Rolling back deploy 4812.")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Escape)
    assert asked == ["asked"]
    assert dialog.isVisible()
    assert dialog.text.toPlainText().endswith("Rolling back deploy 4812.")
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert asked == ["asked", "asked"]
    assert dialog.isVisible()
    dialog.confirm_discard = lambda: True  # type: ignore[method-assign]
    qtbot.keyClick(dialog.text, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_escape_on_an_untouched_draft_closes_without_asking(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.open_incident("Payments failing", severity=Severity.SEV1)
    dialog = open_draft(window, qtbot, "internal")
    dialog.confirm_discard = lambda: (_ for _ in ()).throw(AssertionError("asked"))  # type: ignore[method-assign]
    qtbot.keyClick(dialog.text, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_switching_audience_on_an_edited_draft_asks_first(window: MainWindow, qtbot: QtBot) -> None:
    window.open_incident("Payments failing", severity=Severity.SEV1)
    dialog = open_draft(window, qtbot, "internal")
    dialog.confirm_discard = lambda: False  # type: ignore[method-assign]
    dialog.text.setPlainText(dialog.text.toPlainText() + "\nMy careful words.")
    dialog.audience.setCurrentIndex(dialog.audience.findData("customers"))
    assert dialog.chosen_audience() is Audience.INTERNAL
    assert dialog.text.toPlainText().endswith("My careful words.")
    dialog.confirm_discard = lambda: True  # type: ignore[method-assign]
    dialog.audience.setCurrentIndex(dialog.audience.findData("customers"))
    assert dialog.chosen_audience() is Audience.CUSTOMERS
    assert "My careful words." not in dialog.text.toPlainText()
