"""The countdown strip, the overdue banner, the mini timer and the one-click draft,
driven with the log's fake clock (nothing sleeps)."""

import tomllib
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import Kind, Severity, Status
from commander_app.store import cadence
from commander_app.ui.main_window import MainWindow
from commander_app.ui.updates.cadence_strip import AMBER, RED
from commander_app.ui.updates.draft_dialog import DraftDialog


@pytest.fixture
def window(window: MainWindow) -> MainWindow:
    """A centre column with room for the countdowns in full (narrow ones are tested below)."""
    window.resize(1800, 900)
    window.splitter.setSizes([200, 1200, 400])
    return window


def chips(window: MainWindow) -> dict[str, tuple[str, str]]:
    return {
        name: (chip.text(), chip.styleSheet()) for name, chip in window.updates.strip.chips.items()
    }


def sev1_minutes_in(window: MainWindow, clock: FixedClock, minutes: float) -> None:
    """A SEV1 opened `minutes` ago by the log's clock, its countdowns brought up to date."""
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    clock.advance(timedelta(minutes=minutes))
    window.updates.cadence.tick()


def test_countdowns_go_amber_then_red_with_the_banner(
    window: MainWindow, clock: FixedClock
) -> None:
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    shown = chips(window)
    assert set(shown) == {"internal", "executives", "customers"}
    assert shown["internal"] == ("Internal · due 15:05 · 5 min", AMBER)  # the first update
    assert (
        window.updates.strip.chips["internal"]
        .toolTip()
        .startswith("Internal update due 15:05, in 5 min")
    )
    assert not window.updates.banner.isVisibleTo(window)
    clock.advance(timedelta(minutes=6, seconds=30))
    window.updates.cadence.tick()
    assert chips(window)["executives"] == ("Executives · overdue 1 min", RED)
    assert window.updates.banner.isVisibleTo(window)
    assert "Executives update overdue by 1 min (was due 15:05)" in window.updates.banner.text()


def test_a_sev4_has_no_countdowns(window: MainWindow) -> None:
    window.open_incident("Typo on the pricing page", severity=Severity.SEV4)
    assert window.updates.strip.chips == {}
    assert window.updates.strip.idle.isVisibleTo(window.updates.strip)


def test_the_mini_timer_shows_the_same_countdowns(window: MainWindow, clock: FixedClock) -> None:
    window.open_incident("x", severity=Severity.SEV2)
    window.updates.toggle_mini_timer()
    assert window.updates.mini.isVisible()
    clock.advance(timedelta(minutes=2))
    window.updates.cadence.tick()
    mini = {n: c.text() for n, c in window.updates.mini.strip.chips.items()}
    main = {n: c.text() for n, c in window.updates.strip.chips.items()}
    assert main["internal"] == "Internal · due 15:05 · 3 min"
    # A small window: the same countdowns, in short where the full ones do not fit.
    assert mini["internal"] in ("Internal · due 15:05 · 3 min", "Int · due 15:05 · 3 min")
    assert {n: t.split(" · ", 1)[1] for n, t in mini.items()} == {
        n: t.split(" · ", 1)[1] for n, t in main.items()
    }
    window.updates.toggle_mini_timer()
    assert not window.updates.mini.isVisible()


def test_one_click_draft_then_mark_as_sent_restarts_the_countdown(
    window: MainWindow, qtbot: QtBot, clock: FixedClock
) -> None:
    sev1_minutes_in(window, clock, 3)
    window.updates.strip.chips["internal"].click()
    dialog = window.findChild(DraftDialog)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.chosen_audience().value == "internal"
    assert "Checkout 500s" in dialog.text.toPlainText()
    assert dialog.next_update.text() == "15:23"  # now (15:03 Berlin) + 20 minutes
    dialog.text.setPlainText(dialog.text.toPlainText() + "\nRolling back deploy 4812.")
    assert dialog.mark_sent()
    window.updates.cadence.tick()
    assert chips(window)["internal"][0] == "Internal · due 15:23 · 20 min"
    assert "due 15:23, in 20 min" in window.updates.strip.chips["internal"].toolTip()
    incident = window.current_incident()
    assert incident is not None
    sent = [e for e in window.log.events(incident.id) if e.kind is Kind.COMMS]
    assert len(sent) == 1
    assert sent[0].body["text"].endswith("Rolling back deploy 4812.")
    texts = [window.timeline.index(r, 3).data() for r in range(window.timeline.rowCount())]
    assert any(t.startswith("Update to internal sent") for t in texts)


def test_a_template_that_cannot_be_filled_keeps_the_text(window: MainWindow, qtbot: QtBot) -> None:
    window.open_incident("x", severity=Severity.SEV1)
    dialog = window.updates.draft("customers")
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.text.setPlainText("my careful wording")
    dialog.next_update.setText("half past")
    assert not dialog.fill()
    assert dialog.error.isVisibleTo(dialog)
    assert "HH:MM" in dialog.error.text()
    assert dialog.text.toPlainText() == "my careful wording"


def test_snooze_needs_a_reason_and_shows_as_snoozed(window: MainWindow, clock: FixedClock) -> None:
    window.open_incident("x", severity=Severity.SEV1)
    clock.advance(timedelta(minutes=4))
    window.updates.cadence.tick()
    dialog = window.updates.snooze("customers")
    assert dialog is not None
    dialog.minutes.setValue(15)
    assert not dialog.snooze()  # no reason given
    assert "reason" in dialog.error.text().lower()
    dialog.reason.setText("legal is reviewing the wording")
    assert dialog.snooze()
    window.updates.cadence.tick()
    text, _style = chips(window)["customers"]
    assert text == "Customers · snoozed · due 15:19 · 15 min"
    assert "legal is reviewing the wording" in window.updates.strip.chips["customers"].toolTip()


def test_cadence_settings_save_and_apply_at_once(window: MainWindow) -> None:
    window.open_incident("x", severity=Severity.SEV3)
    assert set(window.updates.strip.chips) == {"internal"}
    dialog = window.updates.settings()
    sev3 = 2
    executives = 1
    dialog.table.item(sev3, executives).setText("45")
    dialog.table.item(sev3, 0).setText("soon")
    assert not dialog.save()
    assert "SEV3 internal: 'soon' is not a whole number of minutes" in dialog.error.text()
    dialog.table.item(sev3, 0).setText("60")
    assert dialog.save()
    assert set(window.updates.strip.chips) == {"internal", "executives"}
    assert chips(window)["executives"][0] == "Executives · due 15:05 · 5 min"
    saved = tomllib.loads(cadence.policy_path().read_text(encoding="utf-8"))
    assert saved["severity"]["SEV3"]["cadence"] == {"internal": 60, "executives": 45}
    assert "# Commander's playbook" in cadence.policy_path().read_text(encoding="utf-8")


def test_the_readers_time_zone_is_a_setting_used_by_drafts(window: MainWindow) -> None:
    window.open_incident("x", severity=Severity.SEV1)
    settings = window.updates.settings()
    settings.readers_zone.setText("Mars/Olympus_Mons")
    assert not settings.save()
    assert "Unknown time zone 'Mars/Olympus_Mons'" in settings.error.text()
    settings.readers_zone.setText("America/New_York")
    assert settings.save()
    dialog = window.updates.draft("customers")
    assert dialog is not None
    assert "EST" in dialog.text.toPlainText()  # 14:00 UTC is 09:00 in New York


def test_the_template_editor_opens_from_the_window(window: MainWindow) -> None:
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    editor = window.updates.edit_templates()
    try:
        editor.select("internal-investigating")
        editor.flush_preview()
        assert "Checkout 500s" in editor.preview_text()
    finally:
        editor.confirm_discard = lambda _name: "discard"
        editor.close()


def test_falling_overdue_is_announced_once(
    window: MainWindow, qtbot: QtBot, clock: FixedClock
) -> None:
    window.open_incident("x", severity=Severity.SEV3)  # internal only
    heard: list[list[str]] = []
    window.updates.fell_overdue.connect(heard.append)
    clock.advance(timedelta(minutes=6))
    window.updates.cadence.tick()
    window.updates.cadence.tick()
    assert heard == [["Internal update overdue by 1 min (was due 15:05)"]]
    window.sound_action.setChecked(True)
    window.announce_overdue(heard[0])  # no tray offscreen; the beep must not fail


def test_where_the_chips_do_not_fit_they_abbreviate_rather_than_clip(
    window: MainWindow, clock: FixedClock, qtbot: QtBot
) -> None:
    sev1_minutes_in(window, clock, 45)
    strip = window.updates.strip
    assert not strip.compact
    assert strip.chips["executives"].text() == "Executives · overdue 40 min"
    window.splitter.setSizes([200, 400, 1200])  # a narrow centre column, or 150 % scaling
    qtbot.waitUntil(lambda: strip.compact)
    # Only the audience is abbreviated, never the "overdue N min".
    assert strip.chips["executives"].text() == "Exec · overdue 40 min"
    assert strip.title.isHidden()
    assert "Executives update overdue by 40 min" in strip.chips["executives"].toolTip()
    clock.advance(timedelta(minutes=1))
    window.updates.cadence.tick()  # the countdown moves on in short form
    assert strip.chips["executives"].text() == "Exec · overdue 41 min"
    window.splitter.setSizes([200, 1200, 400])
    qtbot.waitUntil(lambda: not strip.compact)
    assert strip.chips["executives"].text() == "Executives · overdue 41 min"


def test_the_mini_timer_never_clips_a_countdown(
    window: MainWindow, clock: FixedClock, qtbot: QtBot
) -> None:
    sev1_minutes_in(window, clock, 45)
    window.updates.toggle_mini_timer()
    mini = window.updates.mini
    qtbot.waitExposed(mini)
    for chip in mini.strip.chips.values():
        assert chip.width() >= chip.sizeHint().width(), chip.text()
    mini.resize(10, mini.height())  # as small as it will go
    qtbot.waitUntil(lambda: mini.strip.compact)
    for chip in mini.strip.chips.values():
        assert chip.width() >= chip.sizeHint().width(), chip.text()
    window.updates.toggle_mini_timer()


def test_the_first_executive_update_follows_the_phase_not_the_customer_text(
    window: MainWindow, qtbot: QtBot, clock: FixedClock
) -> None:
    sev1_minutes_in(window, clock, 3)
    incident = window.current_incident()
    assert incident is not None
    window.log.set_status(incident.id, Status.IDENTIFIED, author="alice")
    dialog = window.updates.draft("executives")
    assert dialog is not None
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert (
        dialog.template.currentText()
        == "executives-identified (the one for this audience and phase)"
    )
    assert "(cause identified)" in text
    assert "SEV1" in text
    assert "we are investigating" not in text.lower()
    # The same dialog switched to customers gives their first message for this phase.
    dialog.audience.setCurrentIndex(dialog.audience.findData("customers"))
    assert "We have found the cause" in dialog.text.toPlainText()
    assert dialog.template.currentText().startswith("customers-identified ")
