"""The Follow-ups view, driven as a user would: every open item of every incident, most
urgent first; filters; each button writes what `commander action` writes; refusals in the
user's words with nothing typed lost; the status bar's count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.follow_ups import FollowUpRequest
from commander_app.core.model import Ack, FollowUpState, Priority, Severity
from commander_app.core.times import to_iso
from commander_app.store import follow_ups as store
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.follow_ups.follow_ups_model import (
    DUE,
    INCIDENT,
    ITEM,
    OWNER,
    PAGE_SIZE,
    STANDING,
    FollowUpsModel,
)
from commander_app.ui.follow_ups.follow_ups_view import FollowUpsView, ReasonDialog
from commander_app.ui.main_window import MainWindow
from commander_app.ui.palette import amber, warning
from tests.support.first_paint import after_first_paint
from tests.ui.conftest import BERLIN, from_a_terminal


@dataclass
class Items:
    march: str  # the SEV1 of twenty days ago
    search: str  # today's SEV3
    drill: str


def write_items(log: IncidentLog, clock: FixedClock) -> Items:
    """One item of each standing, across three incidents (one a drill), one closed."""
    start = clock.now()

    def add(incident_id: str, text: str, owner: str | None = None, **more: object) -> str:
        request = FollowUpRequest(text, owner=owner, **more)  # type: ignore[arg-type]
        return store.add_follow_up(log, incident_id, request, author="ada").id

    clock.set(start - timedelta(days=20))
    march = log.open_incident("Checkout 500s in March", severity=Severity.SEV1, author="ada")
    canary = add(march.id, "Add a canary stage", "Kim")
    store.answer(log, march.id, canary, Ack.ACCEPTED, author="Kim")
    runbook = add(march.id, "Document the pool rollback", "Dana")
    store.answer(log, march.id, runbook, Ack.ACCEPTED, author="Dana")
    store.move(log, march.id, runbook, FollowUpState.DONE, evidence="wiki/pool", author="Dana")
    clock.set(start)
    search = log.open_incident("Search latency", severity=Severity.SEV3, author="ada")
    add(search.id, "Alert on search p99")
    add(search.id, "Document the reindex", "Lee")
    soon = add(search.id, "Throttle the reindex", "Dana", due=to_iso(start + timedelta(days=2)))
    store.answer(log, search.id, soon, Ack.ACCEPTED, author="Dana")
    track = add(search.id, "Load-test search at twice the peak", "Ravi", priority=Priority.P1)
    store.answer(log, search.id, track, Ack.ACCEPTED, author="Ravi")
    passed = add(search.id, "Add a health check", "Mei")
    store.answer(log, search.id, passed, Ack.DECLINED, reason="not our service", author="Mei")
    drill = log.open_incident("Drill: lose eu-west", drill=True, author="ada")
    add(drill.id, "Write the failover checklist", "Kim")
    return Items(march.id, search.id, drill.id)


def column(view: FollowUpsView, which: int) -> list[str]:
    return [view.model.index(r, which).data() for r in range(view.model.rowCount())]


def select(view: FollowUpsView, text: str) -> None:
    row = column(view, ITEM).index(text)
    view.table.selectRow(row)
    assert view.selected() is not None
    assert view.selected().text == text


def events_in(log: IncidentLog) -> int:
    return int(log.conn.execute("SELECT count(*) FROM events").fetchone()[0])


def last_body(log: IncidentLog, incident_id: str) -> dict[str, object]:
    return log.events(incident_id)[-1].body


@pytest.fixture
def view(window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot) -> FollowUpsView:
    write_items(log, clock)
    window.live.poll(force=True)
    shown = window.follow_ups.show_view()
    qtbot.waitExposed(shown)
    return shown


def test_every_open_item_most_urgent_first_with_its_colour(
    window: MainWindow, view: FollowUpsView
) -> None:
    assert column(view, ITEM) == [
        "Add a canary stage",  # overdue: a SEV1's fifteen days are past
        "Alert on search p99",  # nobody owns it
        "Add a health check",  # its owner declined it
        "Document the reindex",  # offered, not accepted
        "Throttle the reindex",  # due in two days
        "Load-test search at twice the peak",
    ]
    assert column(view, STANDING) == [
        "overdue",
        "no owner",
        "no owner",
        "not accepted",
        "due soon",
        "on track",
    ]
    assert column(view, OWNER) == [
        "Kim",
        "— nobody",
        "Mei (declined)",
        "Lee (not accepted)",
        "Dana",
        "Ravi",
    ]
    assert column(view, DUE)[0] == "2026-11-23"  # 15 days from 2026-11-08, Berlin's date
    assert column(view, INCIDENT)[0] == "Checkout 500s in March"
    foreground = [
        view.model.index(r, ITEM).data(Qt.ItemDataRole.ForegroundRole)
        for r in range(view.model.rowCount())
    ]
    assert foreground[0].color() == warning()
    assert foreground[4].color() == amber()
    assert foreground[1] is None
    assert foreground[5] is None
    assert view.isVisible()
    assert not view.isModal()
    assert view.parentWidget() is window  # owned by the window, closed with it


def test_filters_narrow_the_list(view: FollowUpsView, qtbot: QtBot) -> None:
    qtbot.keyClicks(view.owner_filter, "dana")
    assert column(view, ITEM) == ["Throttle the reindex"]
    view.show_closed.setChecked(True)
    assert column(view, ITEM) == ["Throttle the reindex", "Document the pool rollback"]
    assert column(view, STANDING)[-1] == "done"
    view.show_closed.setChecked(False)
    view.owner_filter.clear()
    view.overdue_only.setChecked(True)
    assert column(view, ITEM) == ["Add a canary stage"]
    view.overdue_only.setChecked(False)
    view.priority_filter.setCurrentIndex(view.priority_filter.findText(Priority.P1.value))
    assert column(view, ITEM) == ["Add a canary stage", "Load-test search at twice the peak"]
    view.priority_filter.setCurrentIndex(0)
    assert "Write the failover checklist" not in column(view, ITEM)
    view.include_drills.setChecked(True)
    assert "[DRILL] Drill: lose eu-west" in column(view, INCIDENT)
    view.include_drills.setChecked(False)
    view.load_choices()  # just after the first paint, in the window
    assert view.choices.rowCount() == 4  # all, and each incident with items
    drill = next(c for c in view.choices.choices if c.is_drill)
    view.incident_filter.setCurrentIndex(view.choices.row_of(drill.id))
    assert view.incident_filter.currentText() == "[DRILL] Drill: lose eu-west"
    assert column(view, ITEM) == ["Write the failover checklist"]  # chosen by name: shown
    view.incident_filter.setCurrentIndex(0)
    assert len(column(view, ITEM)) == 6
    assert view.owners.stringList() == ["Dana", "Kim", "Lee", "Mei", "Ravi"]


def test_an_empty_list_says_so(view: FollowUpsView, qtbot: QtBot) -> None:
    qtbot.keyClicks(view.owner_filter, "nobody-here")
    assert view.model.rowCount() == 0
    assert view.empty_note.isVisible()
    assert view.empty_note.text() == "No open follow-ups."
    assert not view.accept_button.isEnabled()


def test_accept_and_start_write_what_the_cli_writes(
    view: FollowUpsView, log: IncidentLog, qtbot: QtBot
) -> None:
    select(view, "Document the reindex")
    qtbot.mouseClick(view.accept_button, Qt.MouseButton.LeftButton)
    item = view.selected()
    assert item is not None
    assert item.text == "Document the reindex"  # the selection follows the item
    assert item.ack is Ack.ACCEPTED
    assert last_body(log, item.incident_id)["ack"] == "accepted"
    assert view.outcome_line.text() == "Lee (entered by alice) accepts: Document the reindex"
    assert view.model.index(view.model.row_of(item.id), OWNER).data() == "Lee"
    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    assert last_body(log, item.incident_id)["state"] == "in_progress"
    row = view.model.row_of(item.id)
    assert view.model.index(row, STANDING).data() == "on track, started"


def test_decline_done_wont_and_reopen_ask_and_write(
    view: FollowUpsView, log: IncidentLog, qtbot: QtBot
) -> None:
    select(view, "Load-test search at twice the peak")
    dialog = view.decline_selected()
    assert isinstance(dialog, ReasonDialog)
    qtbot.keyClicks(dialog.text, "no load-test rig this quarter")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    body = last_body(log, view.selected().incident_id)
    assert (body["ack"], body["reason"]) == ("declined", "no load-test rig this quarter")
    assert view.selected().text == "Load-test search at twice the peak"
    assert view.model.index(view.model.row_of(view.selected().id), OWNER).data() == (
        "Ravi (declined)"
    )

    select(view, "Throttle the reindex")
    dialog = view.finish_selected()
    assert dialog is not None
    qtbot.keyClicks(dialog.text, "https://git.example/pr/812")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return)
    events = [e.body for e in log.events(view.selected().incident_id)]
    done = next(b for b in reversed(events) if b.get("state") == "done")
    assert done["evidence"] == "https://git.example/pr/812"
    assert "Throttle the reindex" not in column(view, ITEM)  # closed: off the open list

    select(view, "Alert on search p99")
    dialog = view.drop_selected()
    assert dialog is not None
    qtbot.keyClicks(dialog.text, "the p99 alert exists since v8")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "Alert on search p99" not in column(view, ITEM)
    view.show_closed.setChecked(True)
    select(view, "Alert on search p99")
    assert view.model.index(view.table.currentIndex().row(), STANDING).data() == "won't do"
    qtbot.mouseClick(view.reopen_button, Qt.MouseButton.LeftButton)
    assert last_body(log, view.selected().incident_id)["state"] == "open"
    assert view.selected().state is FollowUpState.OPEN


def test_a_refusal_is_shown_in_the_users_words_and_keeps_what_was_typed(
    view: FollowUpsView, log: IncidentLog, qtbot: QtBot
) -> None:
    select(view, "Alert on search p99")
    before = events_in(log)
    qtbot.mouseClick(view.accept_button, Qt.MouseButton.LeftButton)
    assert view.error.isVisible()
    assert "has no owner to accept it" in view.error.text()
    dialog = view.decline_selected()
    assert dialog is not None
    qtbot.keyClicks(dialog.text, "not my service")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "has no owner to accept it" in dialog.error.text()
    assert dialog.text.text() == "not my service"
    dialog.reject()
    select(view, "Add a canary stage")
    dialog = view.finish_selected()
    assert dialog is not None
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # no evidence
    assert dialog.isVisible()
    assert "how it is known to be done" in dialog.error.text()
    qtbot.keyClicks(dialog.text, "x" * 1_200)  # past what a fact may hold
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.text.text() == "x" * 1_200
    assert "Your text is kept" in dialog.error.text()
    dialog.reject()
    assert events_in(log) == before  # nothing was written


def test_the_view_follows_the_log_and_the_clock(
    window: MainWindow, view: FollowUpsView, log: IncidentLog, clock: FixedClock
) -> None:
    with from_a_terminal(log, clock) as other:
        row = store.follow_ups(other, clock.now(), store.FollowUpFilter(owner="Lee"))[0]
        store.answer(other, row.incident_id, row.id, Ack.ACCEPTED, author="Lee")
    assert window.live.poll() > 0
    assert "Lee" in column(view, OWNER)
    assert "Lee (not accepted)" not in column(view, OWNER)
    assert column(view, STANDING)[column(view, ITEM).index("Throttle the reindex")] == "due soon"
    clock.advance(timedelta(days=3))
    view._minute.timeout.emit()  # the minute's tick, without waiting a minute
    assert column(view, STANDING)[:2] == ["overdue", "overdue"]
    assert column(view, ITEM)[:2] == ["Add a canary stage", "Throttle the reindex"]


def test_the_model_pages_and_passes_the_model_tester(
    log: IncidentLog, clock: FixedClock, qtmodeltester: ModelTester
) -> None:
    incident = log.open_incident("A long one", severity=Severity.SEV2, author="ada")
    for n in range(PAGE_SIZE + 7):
        store.add_follow_up(
            log,
            incident.id,
            FollowUpRequest(f"Add alert {n} on the checkout queue", owner="Kim"),
            author="a",
        )
    model = FollowUpsModel(log, BERLIN)
    model.show(store.FollowUpFilter(), clock.now())
    assert model.rowCount() == PAGE_SIZE
    root = model.index(0, 0).parent()
    assert model.canFetchMore(root)
    qtmodeltester.check(model)  # it fetches more, as a view scrolled to the end does
    assert model.rowCount() == PAGE_SIZE + 7
    assert not model.canFetchMore(root)
    assert model.index(PAGE_SIZE + 6, ITEM).data() == "Add alert 106 on the checkout queue"
    model.reload(clock.now())  # as far as it was scrolled
    assert model.rowCount() == PAGE_SIZE + 7
    qtmodeltester.check(model)


def test_the_status_bar_counts_what_needs_someone_after_the_first_paint(
    qtbot: QtBot, log: IncidentLog, clock: FixedClock, settings_file
) -> None:
    write_items(log, clock)
    window = MainWindow(log, "alice", BERLIN, settings_file)
    qtbot.addWidget(window)
    badge = window.follow_ups.badge
    assert badge.text() == ""  # nothing read before the window has painted
    with qtbot.waitSignal(window.first_painted, timeout=5000):
        window.show()
    qtbot.waitUntil(badge.isVisible, timeout=5000)
    assert badge.text() == "Follow-ups: 1 overdue, 1 not accepted"
    with from_a_terminal(log, clock) as other:
        row = store.follow_ups(other, clock.now(), store.FollowUpFilter(owner="Lee"))[0]
        store.answer(other, row.incident_id, row.id, Ack.ACCEPTED, author="Lee")
    window.live.poll()
    assert badge.text() == "Follow-ups: 1 overdue"
    with from_a_terminal(log, clock) as other:
        row = store.follow_ups(other, clock.now(), store.FollowUpFilter(overdue_only=True))[0]
        store.move(other, row.incident_id, row.id, FollowUpState.DONE, evidence="pr", author="K")
    window.live.poll()
    assert not badge.isVisible()  # nothing to say: hidden
    qtbot.mouseClick(window.follow_ups_button, Qt.MouseButton.LeftButton)  # the empty page's
    window.close()


def test_the_badge_and_the_empty_page_open_the_view(window: MainWindow, qtbot: QtBot) -> None:
    assert window.stack.currentWidget() is window.empty
    assert window.follow_ups_button.isVisible()
    qtbot.mouseClick(window.follow_ups_button, Qt.MouseButton.LeftButton)
    view = window.follow_ups.view
    assert view is not None
    assert view.isVisible()
    assert view.empty_note.text() == "No open follow-ups."
    view.close()
    window.follow_ups.badge.click()
    assert view.isVisible()


def test_the_menu_names_the_view(window: MainWindow) -> None:
    go = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Go")
    texts = [a.text() for a in go.actions()]
    assert any(t.startswith("Follow-ups of every incident") for t in texts)


def test_the_view_loads_only_when_first_opened(tmp_path) -> None:
    """The window's first paint does without the view's modules."""
    loaded = after_first_paint(
        tmp_path,
        "lazy = ('commander_app.ui.follow_ups.follow_ups_view',"
        " 'commander_app.ui.follow_ups.follow_ups_model')\n"
        "print(*[m in sys.modules for m in lazy])\n"
        "window.follow_ups.show_view()\n"
        "print(*[m in sys.modules for m in lazy])",
    )
    assert loaded.split("\n")[:2] == ["False False", "True True"]


def test_closing_the_window_closes_the_view(window: MainWindow, qtbot: QtBot) -> None:
    view = window.follow_ups.show_view()
    assert view._minute.isActive()
    window.close()
    assert not view.isVisible()
    assert not view._minute.isActive()
    assert QApplication.activeModalWidget() is None
