"""The countdown strip, the overdue banner, the mini timer and the one-click draft,
driven with the log's fake clock (nothing sleeps)."""

from datetime import timedelta

from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import Kind, Severity
from commander_app.ui.cadence_strip import AMBER, RED
from commander_app.ui.draft_dialog import DraftDialog
from commander_app.ui.main_window import MainWindow


def chips(window: MainWindow) -> dict[str, tuple[str, str]]:
    return {name: (chip.text(), chip.styleSheet()) for name, chip in window.strip.chips.items()}


def test_countdowns_go_amber_then_red_with_the_banner(
    window: MainWindow, clock: FixedClock
) -> None:
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    shown = chips(window)
    assert set(shown) == {"internal", "executives", "customers"}
    assert shown["internal"] == ("Internal 05:00", AMBER)  # the first update is due in 5 min
    assert (
        window.strip.chips["internal"]
        .toolTip()
        .startswith("Internal update due in 05:00 (due 15:05)")
    )
    assert not window.banner.isVisibleTo(window)
    clock.advance(timedelta(minutes=6, seconds=30))
    window.cadence.tick()
    assert chips(window)["executives"] == ("Executives overdue 01:30", RED)
    assert window.banner.isVisibleTo(window)
    assert "Executives update overdue by 01:30 (due 15:05)" in window.banner.text()


def test_a_sev4_has_no_countdowns(window: MainWindow) -> None:
    window.open_incident("Typo on the pricing page", severity=Severity.SEV4)
    assert window.strip.chips == {}
    assert window.strip.idle.isVisibleTo(window.strip)


def test_the_mini_timer_shows_the_same_countdowns(window: MainWindow, clock: FixedClock) -> None:
    window.open_incident("x", severity=Severity.SEV2)
    window.toggle_mini_timer()
    assert window.mini.isVisible()
    clock.advance(timedelta(minutes=2))
    window.cadence.tick()
    mini = {n: c.text() for n, c in window.mini.strip.chips.items()}
    assert mini == {n: c.text() for n, c in window.strip.chips.items()}
    assert mini["internal"] == "Internal 03:00"
    window.toggle_mini_timer()
    assert not window.mini.isVisible()


def test_one_click_draft_then_mark_as_sent_restarts_the_countdown(
    window: MainWindow, qtbot: QtBot, clock: FixedClock
) -> None:
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    clock.advance(timedelta(minutes=3))
    window.cadence.tick()
    window.strip.chips["internal"].click()
    dialog = window.findChild(DraftDialog)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.chosen_audience().value == "internal"
    assert "Checkout 500s" in dialog.text.toPlainText()
    assert dialog.next_update.text() == "15:23"  # now (15:03 Berlin) + 20 minutes
    dialog.text.setPlainText(dialog.text.toPlainText() + "\nRolling back deploy 4812.")
    assert dialog.mark_sent()
    window.cadence.tick()
    assert chips(window)["internal"][0] == "Internal 20:00"
    assert "(due 15:23)" in window.strip.chips["internal"].toolTip()
    incident = window.current_incident()
    assert incident is not None
    sent = [e for e in window.log.events(incident.id) if e.kind is Kind.COMMS]
    assert len(sent) == 1
    assert sent[0].body["text"].endswith("Rolling back deploy 4812.")
    texts = [window.timeline.index(r, 3).data() for r in range(window.timeline.rowCount())]
    assert any(t.startswith("Update to internal sent") for t in texts)


def test_a_template_that_cannot_be_filled_keeps_the_text(window: MainWindow, qtbot: QtBot) -> None:
    window.open_incident("x", severity=Severity.SEV1)
    dialog = window.open_draft("customers")
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.text.setPlainText("my careful wording")
    dialog.next_update.setText("half past")
    assert not dialog.fill()
    assert dialog.error.isVisibleTo(dialog)
    assert "HH:MM" in dialog.error.text()
    assert dialog.text.toPlainText() == "my careful wording"
