"""The template editor: shipped, own and overriding templates, a live preview
against the open incident, and no edit lost without being asked."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import Severity
from commander_app.core.template_catalog import TemplateInfo
from commander_app.core.update_context import CONTEXT_HELP
from commander_app.store import board, templates
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.updates.template_editor import Answer, TemplateEditor
from tests.ui.conftest import BERLIN

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def editor(qtbot: QtBot, log: IncidentLog) -> Iterator[TemplateEditor]:
    shown = TemplateEditor(log, None, zone=BERLIN)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    shown.confirm_discard = lambda _name: "discard"  # let the test's edits go
    shown.close()
    shown.deleteLater()


def rows(editor: TemplateEditor) -> dict[str, tuple[str, str]]:
    model = editor.templates
    return {
        model.index(r, 0).data(): (model.index(r, 1).data(), model.index(r, 2).data())
        for r in range(model.rowCount())
    }


def answering(answer: Answer, asked: list[str]) -> Callable[[str], Answer]:
    def confirm(name: str) -> Answer:
        asked.append(name)
        return answer

    return confirm


def test_the_list_shows_the_sixteen_shipped_templates(
    editor: TemplateEditor, qtmodeltester: ModelTester
) -> None:
    qtmodeltester.check(editor.templates)
    shown = rows(editor)
    assert len(shown) == 16
    assert shown["first-update"] == ("customers", "shipped")
    assert shown["executives-resolved"] == ("executives", "shipped")
    assert {origin for _audience, origin in shown.values()} == {"shipped"}
    assert editor.name.text() == "customer-summary"  # the first one is open
    assert editor.list_view.currentIndex().data() == "customer-summary"
    assert not editor.delete_button.isEnabled()
    assert "Saving creates your version" in editor.origin_note.text()
    assert editor.preview_caption.text() == "Preview with a sample incident (none is open)"
    assert "the payment service ran out of connections" in editor.preview_text()  # its summary
    assert editor.select("customers-identified")
    assert "Customers can pay with PayPal" in editor.preview_text()  # the sample's workaround


def test_editing_a_shipped_template_previews_as_you_type_and_saving_overrides_it(
    editor: TemplateEditor, qtbot: QtBot, log: IncidentLog
) -> None:
    assert editor.select("customers-investigating")
    shipped = templates.get_template(log, "customers-investigating")
    editor.set_body(shipped.body + "\nCall the status line: 0800 123.\n")
    assert "0800 123" not in editor.preview_text()  # not re-rendered on the keystroke
    assert editor.preview_timer.isActive()
    assert editor.isWindowModified()
    with qtbot.waitSignal(editor.preview_timer.timeout):
        pass
    assert editor.preview_text().rstrip().endswith("Call the status line: 0800 123.")
    assert editor.save()
    saved = templates.get_template(log, "customers-investigating")
    assert saved.origin == "override"
    assert saved.body.endswith("0800 123.\n")
    assert rows(editor)["customers-investigating"] == ("customers", "yours, over shipped")
    assert editor.delete_button.text() == "Reset to shipped"
    assert editor.delete_button.isEnabled()
    assert not editor.isWindowModified()
    assert "Reset to shipped brings the shipped one back" in editor.message_text()


def test_a_broken_placeholder_is_named_with_its_line_and_save_keeps_the_edits(
    editor: TemplateEditor, log: IncidentLog
) -> None:
    editor.select("internal-resolved")
    good = editor.preview_text()
    assert good
    broken = "Subject: {{ title }}\n\nResolved.\nCommander: {{ comander }}\n"
    editor.set_body(broken)
    editor.flush_preview()
    assert "'comander'" in editor.error_text()
    assert "line 4" in editor.error_text()
    assert "Did you mean 'commander'?" in editor.error_text()
    assert editor.error.isVisibleTo(editor)
    assert editor.preview_text() == good  # the last good text stays
    assert len(editor.body.extraSelections()) == 1  # the line is marked in the editor
    assert not editor.save()
    assert editor.message_text().startswith("Not saved")
    assert "Your edits are kept" in editor.message_text()
    assert editor.body.toPlainText() == broken
    assert templates.get_template(log, "internal-resolved").origin == "shipped"
    editor.set_body("Subject: {{ title }}\n\nResolved.\n")
    editor.flush_preview()
    assert editor.error_text() == ""
    assert not editor.error.isVisibleTo(editor)
    assert editor.body.extraSelections() == []


def test_new_duplicate_and_delete(editor: TemplateEditor, log: IncidentLog) -> None:
    assert not editor.new_template("Customers outage!")
    assert "cannot be a template name" in editor.message_text()
    assert not editor.new_template("first-update")
    assert "already a template" in editor.message_text()
    assert editor.new_template("customers-outage")
    assert editor.name.text() == "customers-outage"
    assert editor.isWindowModified()  # new and not saved yet
    assert "customers-outage" not in rows(editor)
    editor.audience.setCurrentIndex(editor.audience.findData("customers"))
    assert editor.save()
    assert rows(editor)["customers-outage"] == ("customers", "yours")
    assert editor.list_view.currentIndex().data() == "customers-outage"
    assert editor.delete_button.text() == "Delete"

    editor.set_body("Subject: {{ title }}\n\nWe are on it (EU).\n")
    assert editor.duplicate("customers-outage-eu")  # the copy takes the edits along
    assert editor.name.text() == "customers-outage-eu"
    assert templates.get_template(log, "customers-outage-eu").body.endswith("(EU).\n")
    assert "(EU)" not in templates.get_template(log, "customers-outage").body
    assert not editor.duplicate("customers-outage")
    assert "already a template" in editor.message_text()

    asked: list[str] = []

    def refuse(info: TemplateInfo) -> bool:
        asked.append(info.name)
        return False

    editor.confirm_delete = refuse
    assert not editor.delete()
    assert "customers-outage-eu" in rows(editor)
    editor.confirm_delete = lambda _info: True
    assert editor.delete()
    assert asked == ["customers-outage-eu"]
    assert "customers-outage-eu" not in rows(editor)
    assert editor.name.text() == editor.list_view.currentIndex().data()
    assert "Deleted 'customers-outage-eu'" in editor.message_text()


def test_reset_to_shipped_removes_the_override(editor: TemplateEditor, log: IncidentLog) -> None:
    shipped = templates.get_template(log, "executive-summary").body
    templates.save_template(log, "executive-summary", "Summary: {{ title }}\n", "all", None)
    editor.select("first-update")
    editor.select("executive-summary")
    assert editor.body.toPlainText() == "Summary: {{ title }}\n"
    assert editor.delete_button.text() == "Reset to shipped"
    editor.confirm_delete = lambda _info: True
    assert editor.delete()
    assert editor.name.text() == "executive-summary"
    assert editor.body.toPlainText() == shipped
    assert rows(editor)["executive-summary"] == ("executives", "shipped")
    assert not editor.delete_button.isEnabled()
    assert "shipped template again" in editor.message_text()


def test_unsaved_edits_are_never_dropped_without_asking(
    editor: TemplateEditor, log: IncidentLog
) -> None:
    asked: list[str] = []
    editor.select("internal-identified")
    editor.set_body("Subject: {{ title }}\n\nMine.\n")

    editor.confirm_discard = answering("cancel", asked)
    assert not editor.select("internal-monitoring")
    other = editor.templates.index(
        next(r for r in range(15) if editor.templates.index(r, 0).data() == "internal-monitoring"),
        0,
    )
    editor.list_view.setCurrentIndex(other)  # as a click would
    assert editor.name.text() == "internal-identified"
    assert editor.list_view.currentIndex().data() == "internal-identified"
    assert editor.body.toPlainText() == "Subject: {{ title }}\n\nMine.\n"
    editor.reject()  # Close or Esc
    assert editor.isVisible()
    assert asked == ["internal-identified"] * 3

    editor.confirm_discard = answering("save", asked)
    assert editor.select("internal-monitoring")
    assert templates.get_template(log, "internal-identified").body.endswith("Mine.\n")
    assert editor.name.text() == "internal-monitoring"

    editor.set_body("Subject: {{ title }}\n\nThrown away.\n")
    editor.confirm_discard = answering("discard", asked)
    editor.reject()
    assert not editor.isVisible()
    assert templates.get_template(log, "internal-monitoring").origin == "shipped"
    assert len(asked) == 5


def test_the_preview_uses_the_open_incident(
    qtbot: QtBot, log: IncidentLog, clock: FixedClock
) -> None:
    incident = log.open_incident("Checkout 500s", severity=Severity.SEV1, author="alice")
    board.open_hypothesis(
        log, incident.id, "Payment DB pool exhausted", owner="Chen", author="alice"
    )
    clock.advance(timedelta(minutes=65))
    editor = TemplateEditor(log, incident.id, zone=BERLIN)
    qtbot.addWidget(editor)
    assert editor.preview_caption.text() == "Preview with “Checkout 500s” as it stands now"
    editor.select("internal-investigating")
    preview = editor.preview_text()
    assert preview.startswith("Subject: [SEV1] Checkout 500s: Investigating")
    assert "Leading hypothesis: H1 Payment DB pool exhausted (owner Chen)" in preview
    assert "started 15:00 CET (1 h 05 min ago)" in preview  # internal: the team zone
    editor.select("customers-investigating")  # readers' times: Berlin unless told otherwise
    assert "that started at 15:00 CET." in editor.preview_text()
    editor.close()
    for_readers = TemplateEditor(log, incident.id, zone=BERLIN, readers_zone=NEW_YORK)
    qtbot.addWidget(for_readers)
    for_readers.select("customers-investigating")
    assert "that started at 09:00 EST." in for_readers.preview_text()


def test_placeholders_are_listed_and_a_double_click_inserts_one(
    editor: TemplateEditor, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    qtmodeltester.check(editor.placeholders)
    model = editor.placeholders
    assert model.rowCount() == len(CONTEXT_HELP)
    assert model.index(0, 0).data() == "title"
    assert model.index(0, 1).data() == "The incident's title."
    editor.set_body("IC: ")
    cursor = editor.body.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    editor.body.setTextCursor(cursor)
    row = next(r for r, (name, _) in enumerate(CONTEXT_HELP) if name == "commander")
    view = editor.placeholders_view
    view.scrollTo(model.index(row, 0))
    where = view.visualRect(model.index(row, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert editor.body.toPlainText() == "IC: {{ commander }}"


def test_keyboard_saves_starts_and_duplicates(
    editor: TemplateEditor, qtbot: QtBot, log: IncidentLog
) -> None:
    editor.activateWindow()
    qtbot.waitActive(editor)
    editor.select("customers-resolved")
    editor.body.setFocus()
    editor.set_body("Subject: {{ title }}\n\nFixed.\n")
    qtbot.keyClick(editor.body, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert templates.get_template(log, "customers-resolved").origin == "override"
    prompts: list[tuple[str, str]] = []

    def name(prompt: str, suggestion: str) -> str:
        prompts.append((prompt, suggestion))
        return "customers-fixed" if suggestion else "customers-new"

    editor.ask_name = name
    qtbot.keyClick(editor.body, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert templates.get_template(log, "customers-fixed").body.endswith("Fixed.\n")
    qtbot.keyClick(editor.body, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert editor.name.text() == "customers-new"
    assert [s for _p, s in prompts] == ["customers-resolved-copy", ""]
