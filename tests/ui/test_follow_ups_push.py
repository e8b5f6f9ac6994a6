"""Pushing a follow-up to its tracker from the window: the Follow-ups view's "Push to
tracker…" queues it, the window's own runner sends it (and anything another program
queued, or that waits to retry) to a real HTTP server holding GitHub's contract
(tests/support/trackers.py), exactly once; the row shows the issue's key and the status
bar says so."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.follow_ups import FollowUpRequest
from commander_app.core.outbox import OutboxState
from commander_app.core.times import from_iso
from commander_app.store import channels, tracker_pushes
from commander_app.store import follow_ups as follow_up_store
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.follow_ups.follow_ups_model import ITEM
from commander_app.ui.follow_ups.follow_ups_view import FollowUpsView
from commander_app.ui.main_window import MainWindow
from tests.support.trackers import FakeGitHub, Trouble, serve_github
from tests.ui.conftest import answer_with, from_a_terminal

CANARY = "Add a canary stage — done when every deploy passes it first"
PUSHED = f"Pushed: A1 “{CANARY}” is acme/ops#1 (https://github.com/acme/ops/issues/1)."


@pytest.fixture
def incident(log: IncidentLog, clock: FixedClock) -> str:
    opened = log.open_incident("Checkout 500s", author="ada")
    clock.advance(timedelta(seconds=1))
    request = FollowUpRequest(CANARY, owner="Kim")
    follow_up_store.add_follow_up(log, opened.id, request, author="ada")
    return opened.id


@pytest.fixture
def view(window: MainWindow, incident: str, qtbot: QtBot) -> FollowUpsView:
    window.live.poll(force=True)
    shown = window.follow_ups.show_view()
    qtbot.waitExposed(shown)
    shown.table.selectRow(0)
    assert shown.selected() is not None
    return shown


def pushes(log: IncidentLog) -> list[tuple[str, str]]:
    return [
        (str(r[0]), str(r[1]))
        for r in log.conn.execute("SELECT channel, state FROM tracker_pushes ORDER BY seq")
    ]


def item_text(view: FollowUpsView) -> str:
    return str(view.model.index(0, ITEM).data())


def sent_out(window: MainWindow, qtbot: QtBot, fake: FakeGitHub, line: str = PUSHED) -> None:
    """The runner has pushed and the window has read it back."""
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == line, timeout=10_000)
    qtbot.waitUntil(lambda: not window.publishing.runner.busy, timeout=10_000)


def runner_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "commander-outbox" and t.is_alive()]


def test_a_push_from_the_view_makes_one_issue_and_the_row_shows_its_key(
    window: MainWindow,
    view: FollowUpsView,
    log: IncidentLog,
    clock: FixedClock,
    qtbot: QtBot,
    httpserver: HTTPServer,
) -> None:
    fake = serve_github(log, clock, httpserver)
    assert item_text(view) == CANARY
    # Called as the button's click does, so that nothing the runner reports can arrive
    # before the first line is read (the click itself is driven below and by its mnemonic).
    assert view.push_selected() is not None
    assert view.outcome_line.text() == "Queued: A1 goes to gh; pushing…"
    assert window.statusBar().currentMessage() == "Queued: A1 goes to gh; pushing…"
    assert not view.error.isVisible()
    sent_out(window, qtbot, fake)
    assert view.outcome_line.text() == PUSHED  # the view says how its push went, too
    assert fake.posts() == 1
    [issue] = fake.issues.values()
    assert issue["title"] == CANARY
    qtbot.waitUntil(lambda: item_text(view) == f"{CANARY}  [acme/ops#1]", timeout=5_000)
    tip = view.model.index(0, ITEM).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.endswith("In GitHub as acme/ops#1 (open): https://github.com/acme/ops/issues/1")
    # Pushed once: asking again is refused in the view, and nothing more goes out.
    qtbot.mouseClick(view.push_button, Qt.MouseButton.LeftButton)
    assert view.error.isVisible()
    assert "already in GitHub as acme/ops#1" in view.error.text()
    assert not view.outcome_line.isVisible()
    assert pushes(log) == [("gh", "sent")]
    assert fake.posts() == 1


def test_a_push_already_on_its_way_is_refused_in_the_view(
    window: MainWindow,
    view: FollowUpsView,
    log: IncidentLog,
    clock: FixedClock,
    incident: str,
    qtbot: QtBot,
    httpserver: HTTPServer,
) -> None:
    fake = serve_github(log, clock, httpserver)
    with from_a_terminal(log, clock) as other:
        queued = tracker_pushes.enqueue(other, incident, "A1", "gh", author="dana")
    assert view.push_selected() is None  # before any tick could send the terminal's
    assert view.error.text() == (
        f"This follow-up is already waiting to go to GitHub (push {queued.id[:10]})."
    )
    assert pushes(log) == [("gh", "queued")]  # the one from the terminal, kept
    window.publishing.runner.tick()
    sent_out(window, qtbot, fake)
    assert fake.posts() == 1


def test_a_push_queued_by_another_program_goes_out_from_the_window_on_tick(
    window: MainWindow,
    incident: str,
    log: IncidentLog,
    clock: FixedClock,
    qtbot: QtBot,
    httpserver: HTTPServer,
) -> None:
    fake = serve_github(log, clock, httpserver)
    runner = window.publishing.runner
    runner.tick()
    assert not runner.busy  # nothing due: not even a thread
    fake.trouble = Trouble(status=429, retry_after="120")
    with from_a_terminal(log, clock) as other:
        queued = tracker_pushes.enqueue(other, incident, "A1", "gh", author="dana")
    runner.tick()  # the badge's timer, without waiting for it
    waiting = re.compile(r"Queued — will push when gh answers: A1 “.*” \(.*\) \(push \w{10}\)")
    qtbot.waitUntil(
        lambda: bool(waiting.fullmatch(window.statusBar().currentMessage())), timeout=10_000
    )
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    row = tracker_pushes.entry(log, queued.id)
    assert row.state is OutboxState.RETRYING
    assert from_iso(row.next_attempt_at) == clock.now() + timedelta(seconds=120)
    runner.tick()
    assert not runner.busy  # the tracker asked for two minutes: not yet
    clock.advance(timedelta(seconds=120))
    runner.tick()
    sent_out(window, qtbot, fake)
    assert fake.posts() == 2  # the one refused with 429, then the one taken
    assert len(fake.issues) == 1
    assert tracker_pushes.entry(log, queued.id).remote_key == "acme/ops#1"


def test_with_no_tracker_the_view_says_how_to_add_one(
    view: FollowUpsView, log: IncidentLog, qtbot: QtBot
) -> None:
    channels.save_channel(log, "ops-chat", "slack", {})  # a channel, but no tracker
    qtbot.mouseClick(view.push_button, Qt.MouseButton.LeftButton)
    assert view.error.isVisible()
    assert view.error.text() == tracker_pushes.NO_TRACKER
    assert "`commander channel add github NAME --repo OWNER/REPO`" in view.error.text()
    assert pushes(log) == []


def test_with_several_trackers_the_person_chooses_one(
    window: MainWindow,
    view: FollowUpsView,
    log: IncidentLog,
    clock: FixedClock,
    qtbot: QtBot,
    httpserver: HTTPServer,
) -> None:
    fake = serve_github(log, clock, httpserver)
    channels.save_channel(
        log, "jira-ops", "jira",
        {"base_url": "https://example.atlassian.net", "email": "ops@example.com",
         "project": "OPS", "issue_type": "Task", "labels": []},
    )  # fmt: skip
    answer_with(lambda d: d.reject())
    assert view.push_selected() is None  # cancelled: nothing queued, nothing said
    assert pushes(log) == []
    assert not view.error.isVisible()
    asked: list[list[str]] = []

    def choose_gh(dialog: object) -> None:
        asked.append(list(dialog.comboBoxItems()))  # type: ignore[attr-defined]
        dialog.setTextValue("gh")  # type: ignore[attr-defined]
        dialog.accept()  # type: ignore[attr-defined]

    answer_with(choose_gh)
    push = view.push_selected()
    assert asked == [["gh", "jira-ops"]]
    assert push is not None
    assert push.channel == "gh"
    sent_out(window, qtbot, fake)
    assert fake.posts() == 1


def test_the_button_answers_to_its_mnemonic_from_the_list(
    view: FollowUpsView, qtbot: QtBot
) -> None:
    view.activateWindow()
    qtbot.waitActive(view)
    view.table.setFocus()
    with qtbot.waitSignal(view.push_button.clicked, timeout=2_000):  # an animated click
        qtbot.keyClick(view.table, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert view.error.text() == tracker_pushes.NO_TRACKER  # it ran: no tracker is set up
    # Every mnemonic in the view is its own.
    texts = [w.text() for w in view.findChildren(QAbstractButton)]
    texts += [w.text() for w in view.findChildren(QLabel) if w.buddy() is not None]
    letters = [m.lower() for t in texts for m in re.findall(r"&(\w)", t)]
    assert "t" in letters
    assert len(letters) == len(set(letters)), letters


def test_closing_the_window_stops_the_runners_thread(
    window: MainWindow,
    view: FollowUpsView,
    log: IncidentLog,
    clock: FixedClock,
    qtbot: QtBot,
    httpserver: HTTPServer,
) -> None:
    fake = serve_github(log, clock, httpserver)
    qtbot.mouseClick(view.push_button, Qt.MouseButton.LeftButton)
    sent_out(window, qtbot, fake)
    assert runner_threads()
    window.close()
    qtbot.waitUntil(lambda: not runner_threads(), timeout=5_000)
    assert not view.isVisible()


def failed_push(
    window: MainWindow, view: FollowUpsView, log: IncidentLog, clock: FixedClock,
    qtbot: QtBot, httpserver: HTTPServer,
) -> FakeGitHub:  # fmt: skip
    """A push the tracker refuses for good (401: the token is wrong)."""
    fake = serve_github(log, clock, httpserver)
    fake.trouble = Trouble(status=401)
    assert view.push_selected() is not None
    qtbot.waitUntil(lambda: pushes(log) == [("gh", "failed")], timeout=10_000)
    qtbot.waitUntil(lambda: not window.publishing.runner.busy, timeout=10_000)
    return fake


def test_a_failed_push_is_retried_from_the_view_and_the_badge_leads_to_it(
    window: MainWindow,
    view: FollowUpsView,
    log: IncidentLog,
    clock: FixedClock,
    qtbot: QtBot,
    httpserver: HTTPServer,
) -> None:
    fake = failed_push(window, view, log, clock, qtbot, httpserver)
    window.publishing.refresh()
    assert window.publishing.badge.text() == "Outbox: empty; 1 follow-up push failed"
    view.close()
    view.table.clearSelection()
    qtbot.mouseClick(window.publishing.badge, Qt.MouseButton.LeftButton)  # to the item
    assert view.isVisible()
    assert view.selected() is not None
    strip = view.push_strip
    assert strip.isVisible()
    assert strip.label.text().startswith("The push of A1 to gh failed: ")
    fake.trouble = None  # the token is fixed
    qtbot.mouseClick(strip.retry_button, Qt.MouseButton.LeftButton)
    assert not strip.isVisible()
    assert view.outcome_line.text() == "Pushing A1 to gh again…"
    sent_out(window, qtbot, fake)
    assert pushes(log) == [("gh", "sent")]
    window.publishing.refresh()
    assert window.publishing.badge.text() == "Outbox: empty"


def test_a_failed_push_can_be_given_up_from_the_view(
    window: MainWindow,
    view: FollowUpsView,
    log: IncidentLog,
    clock: FixedClock,
    qtbot: QtBot,
    httpserver: HTTPServer,
) -> None:
    failed_push(window, view, log, clock, qtbot, httpserver)
    view.table.selectRow(0)
    view.push_strip.show_for(view.selected())
    assert view.push_strip.isVisible()
    assert view.push_strip.cancel()
    assert view.outcome_line.text() == "The push of A1 to gh is given up."
    assert pushes(log) == [("gh", "cancelled")]
    view.push_strip.show_for(view.selected())
    assert not view.push_strip.isVisible()


def test_an_issue_closed_on_the_tracker_is_read_back_from_the_view(
    window: MainWindow,
    view: FollowUpsView,
    log: IncidentLog,
    clock: FixedClock,
    qtbot: QtBot,
    httpserver: HTTPServer,
) -> None:
    fake = serve_github(log, clock, httpserver)
    assert view.push_selected() is not None
    sent_out(window, qtbot, fake)
    fake.close(1, "completed")
    qtbot.mouseClick(view.pull_button, Qt.MouseButton.LeftButton)
    assert view.outcome_line.text() == "Reading the trackers…"
    assert not view.pull_button.isEnabled()  # one read at a time
    done = f"From the trackers: A1 (GitHub): Done (closed in GitHub as completed): {CANARY}"
    qtbot.waitUntil(lambda: view.outcome_line.text() == done, timeout=10_000)
    assert view.pull_button.isEnabled()
    assert not view.error.isVisible()
    qtbot.mouseClick(view.pull_button, Qt.MouseButton.LeftButton)  # logged once
    qtbot.waitUntil(
        lambda: view.outcome_line.text() == "No pushed follow-up changed on its tracker.",
        timeout=10_000,
    )
