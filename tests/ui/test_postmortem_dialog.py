"""The postmortem window, driven as a user would: write, keep drafts, publish."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from commander_app.core.postmortem import FactorCategory, PostmortemState, Section
from commander_app.store import postmortem as store
from commander_app.ui.main_window import MainWindow
from commander_app.ui.postmortem.postmortem_dialog import FACTORS_ROW, PostmortemDialog


def opened(window: MainWindow) -> PostmortemDialog:
    window.open_incident("Checkout 500s after deploy 4812")
    dialog = window.show_postmortem()
    assert dialog is not None
    return dialog


def test_the_shortcut_opens_the_selected_incidents_postmortem(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.open_incident("Checkout 500s after deploy 4812")
    qtbot.keyClick(
        window.capture.line,
        Qt.Key.Key_P,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
    )
    dialog = window._postmortem
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.heading.text() == "Checkout 500s after deploy 4812"
    assert "A timeline is not an analysis" in dialog.problems.text()
    dialog.close()


def test_writing_sections_keeps_drafts_while_moving_between_them(
    window: MainWindow, qtbot: QtBot
) -> None:
    dialog = opened(window)
    dialog.contents.setCurrentRow(list(Section).index(Section.SUMMARY))
    assert dialog.prompt.text().startswith("What happened and what it reveals")
    dialog.editor.setPlainText("A config change reached every host at once.")
    dialog.contents.setCurrentRow(list(Section).index(Section.DETECTION))
    assert dialog.editor.toPlainText() == ""
    dialog.contents.setCurrentRow(list(Section).index(Section.SUMMARY))
    assert dialog.editor.toPlainText() == "A config change reached every host at once."
    assert dialog.contents.item(0).text().endswith("✎")  # typed, not saved
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keySequence(dialog.editor, QKeySequence.StandardKey.Save)
    incident = window.current_incident()
    assert incident is not None
    pm = store.postmortem(window.log, incident.id)
    assert pm.text(Section.SUMMARY) == "A config change reached every host at once."
    assert dialog.written.text().startswith(f"Written by {window.author}, ")
    assert not dialog.contents.item(0).text().endswith("✎")
    dialog.close()


def test_publishing_is_refused_in_the_users_words_then_done(window: MainWindow) -> None:
    dialog = opened(window)
    assert dialog.move_to(PostmortemState.IN_REVIEW)
    assert dialog.publish.isVisibleTo(dialog)
    assert not dialog.move_to(PostmortemState.PUBLISHED)
    assert dialog.error.text().startswith("Not published yet: A timeline is not an analysis")
    for row, section in enumerate(Section):
        if section in (
            Section.SUMMARY,
            Section.CUSTOMER_IMPACT,
            Section.DETECTION,
            Section.LESSONS,
        ):
            dialog.contents.setCurrentRow(row)
            dialog.editor.setPlainText(f"{section.value} written")
            assert dialog.save_section()
    assert dialog.add_factor_text("Config deploys skip the canary", FactorCategory.DEPLOY_SAFETY)
    dialog.contents.setCurrentRow(FACTORS_ROW)
    assert dialog.factors.item(0).text() == "CF1  Deploy safety: Config deploys skip the canary"
    assert dialog.problems.text() == "Ready to publish."
    assert dialog.move_to(PostmortemState.PUBLISHED)
    assert dialog.state.text() == "Published"
    assert dialog.back.text() == "&Reopen"
    assert dialog.error.isHidden()
    dialog.close()


def test_a_refused_save_keeps_what_was_typed(window: MainWindow) -> None:
    dialog = opened(window)
    dialog.contents.setCurrentRow(0)
    dialog.editor.setPlainText("x" * 20_001)
    assert not dialog.save_section()
    assert "the limit is 20,000" in dialog.error.text()
    assert dialog.editor.toPlainText() == "x" * 20_001
    dialog._drafts.clear()  # the test leaves without the unsaved-text question
    dialog.close()


def test_closing_the_window_asks_before_dropping_unsaved_postmortem_text(
    window: MainWindow, monkeypatch: object
) -> None:
    from PySide6.QtWidgets import QMessageBox

    dialog = opened(window)
    dialog.contents.setCurrentRow(0)
    dialog.editor.setPlainText("Half a summary")
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: next(answers))  # type: ignore[attr-defined]
    assert not window.close()
    assert dialog.isVisible()
    assert dialog.editor.toPlainText() == "Half a summary"
    closed = window.close()
    assert closed


def test_blame_wording_is_shown_under_its_section_and_kept_only_with_a_reason(
    window: MainWindow, monkeypatch: object
) -> None:
    from commander_app.ui.postmortem import postmortem_dialog

    dialog = opened(window)
    analysis = (Section.SUMMARY, Section.CUSTOMER_IMPACT, Section.DETECTION, Section.LESSONS)
    for row, section in enumerate(Section):
        if section in analysis:
            dialog.contents.setCurrentRow(row)
            dialog.editor.setPlainText(f"{section.value} written")
            assert dialog.save_section()
    row = list(Section).index(Section.RESPONSE)
    dialog.contents.setCurrentRow(row)
    dialog.editor.setPlainText(f"{window.author} failed to check the dashboard.")
    assert dialog.save_section()
    assert dialog.blame.isVisibleTo(dialog)
    assert dialog.blame.text().startswith(f"“{window.author} failed to check the dashboard.” reads")
    assert dialog.add_factor_text("Config deploys skip the canary", FactorCategory.DEPLOY_SAFETY)
    assert dialog.move_to(PostmortemState.IN_REVIEW)
    answers = iter([None, "quoted from the pager"])
    monkeypatch.setattr(postmortem_dialog, "ask_text", lambda *a, **k: next(answers))  # type: ignore[attr-defined]
    assert not dialog.ask_publish()  # cancelled: nothing written
    assert dialog.state.text() == "In review"
    assert dialog.ask_publish()
    assert dialog.state.text() == "Published"
    dialog.close()


def test_the_customer_summary_is_drafted_from_the_saved_postmortem(
    window: MainWindow, qtbot: QtBot
) -> None:
    from commander_app.core.model import Audience
    from commander_app.ui.updates.draft_dialog import DraftDialog

    dialog = opened(window)
    dialog.contents.setCurrentRow(list(Section).index(Section.SUMMARY))
    dialog.editor.setPlainText("A config change reached every host at once.")
    dialog.summary_button.click()  # typed, not saved: said, kept, nothing drafted
    assert "summary text is not saved" in dialog.error.text()
    assert dialog.editor.toPlainText() == "A config change reached every host at once."
    assert not dialog.findChildren(DraftDialog)

    assert dialog.save_section()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.summary_button.click()
    drafts = dialog.findChildren(DraftDialog)
    assert len(drafts) == 1
    draft = drafts[0]
    qtbot.waitUntil(draft.isVisible)
    assert draft.chosen_audience() is Audience.CUSTOMERS
    assert draft.template.currentData() == "customer-summary"
    text = draft.text.toPlainText()
    assert text.startswith("Subject: What happened:")
    assert "A config change reached every host at once." in text
    draft.reject()
    dialog.close()


def test_the_facts_page_shows_what_was_saved_when_it_is_opened(window: MainWindow) -> None:
    """Rendered on opening, not on every save (a long timeline takes most of a second)."""
    from commander_app.ui.postmortem.postmortem_dialog import FACTS_ROW

    dialog = opened(window)
    for version in ("A config change reached every host.", "A config change had no canary."):
        dialog.contents.setCurrentRow(list(Section).index(Section.SUMMARY))
        dialog.editor.setPlainText(version)
        assert dialog.save_section()
        dialog.contents.setCurrentRow(FACTS_ROW)
        assert version in dialog.facts.toPlainText()
    dialog.close()
