"""Publishing in the window: Send from a draft, the outbox panel and badge, and
Incident → Publishing channels.

Deliveries go to a real HTTP server on 127.0.0.1, from the window's own worker thread.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from commander_app.core.model import Audience, Kind, Severity
from commander_app.publish.delivery import ChannelKind
from commander_app.publish.secrets import SecretStore
from commander_app.publish.sending import audiences_served
from commander_app.store import channels
from commander_app.store import outbox as store
from commander_app.ui.main_window import MainWindow
from commander_app.ui.publish.outbox_dialog import EditQueuedDialog

HOOK = "/services/T000/B000/very-secret-token"


def add_chat(window: MainWindow, url: str) -> None:
    channels.save_channel(window.log, "ops-chat", "slack", {})
    SecretStore().set("ops-chat", url)


def timeline_texts(window: MainWindow) -> list[str]:
    model = window.timeline
    return [model.index(r, 3).data() for r in range(model.rowCount())]


def test_send_from_a_draft_is_delivered_off_the_gui_thread(
    window: MainWindow, qtbot: QtBot, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request(HOOK, method="POST").respond_with_data("ok")
    add_chat(window, httpserver.url_for(HOOK))
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    dialog = window.updates.draft("internal")
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.targets.text() == "Send goes to: ops-chat."
    dialog.text.setPlainText(dialog.text.toPlainText() + "\nRolling back deploy 4812.")
    assert dialog.send()
    assert window.publishing.badge.text() in ("Outbox: 1 waiting", "Outbox: empty")
    qtbot.waitUntil(lambda: window.publishing.badge.text() == "Outbox: empty", timeout=10_000)
    (request, _response) = httpserver.log[0]
    assert request.get_json()["text"].endswith("Rolling back deploy 4812.")
    qtbot.waitUntil(
        lambda: any(
            t.startswith("Update to internal sent (ops-chat") for t in timeline_texts(window)
        ),
        timeout=5_000,
    )
    assert "Sent: update to internal via ops-chat." in window.statusBar().currentMessage()


def test_send_is_offered_only_where_a_channel_serves_the_audience(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    dialog = window.updates.draft("executives")
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert not dialog.send_button.isEnabled()
    assert "No channel is set up for executives updates" in dialog.targets.text()


@pytest.fixture
def silent_server() -> Iterator[tuple[str, threading.Event]]:
    """Accepts a connection, reads the request and never answers until released."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    release = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        release.wait(30)
        connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook", release
    release.set()
    listener.close()


def test_a_hanging_channel_leaves_the_window_responsive(
    window: MainWindow, qtbot: QtBot, silent_server: tuple[str, threading.Event]
) -> None:
    url, release = silent_server
    add_chat(window, url)
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    incident = window.current_incident()
    assert incident is not None
    store.enqueue(
        window.log,
        incident.id,
        Audience.INTERNAL,
        ["ops-chat"],
        "s",
        "We are on it.",
        author="alice",
    )
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    window.publishing.runner.poke()
    # The send hangs on the worker thread; the GUI thread keeps firing timers and
    # taking entries meanwhile.
    qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=5_000)
    assert window.publishing.runner.busy
    window.capture.line.setText("n still responsive")
    window.capture.submit()
    assert any("still responsive" in t for t in timeline_texts(window))
    release.set()  # the remote hangs up without an answer
    qtbot.waitUntil(lambda: not window.publishing.runner.busy, timeout=10_000)
    timer.stop()
    (row,) = store.entries(window.log)
    assert row.state.value in ("retrying", "failed")
    assert row.in_doubt or row.state.value == "failed"


def test_the_outbox_panel_retries_edits_and_cancels(
    window: MainWindow, qtbot: QtBot, qtmodeltester
) -> None:
    # The desk's own timers poke the runner when a retry falls due: here the test alone
    # says when it runs, however slow the machine is.
    window.publishing._timer.stop()
    window.publishing._startup.stop()
    channels.save_channel(window.log, "ops-chat", "slack", {})  # no secret stored
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    incident = window.current_incident()
    assert incident is not None
    for text in ("first words", "second words"):
        store.enqueue(
            window.log, incident.id, Audience.INTERNAL, ["ops-chat"], "s", text, author="alice"
        )
    window.publishing.refresh()
    assert window.publishing.badge.text() == "Outbox: 2 waiting"
    window.publishing.runner.poke()
    qtbot.waitUntil(lambda: not window.publishing.runner.busy, timeout=10_000)
    window.publishing.refresh()
    assert window.publishing.badge.text() == "Outbox: 1 failed, 1 waiting"
    window.publishing.badge.click()
    dialog = window.publishing.show_outbox()
    qtmodeltester.check(dialog.model)
    assert dialog.model.rowCount() == 2
    assert "No secret is stored on this computer" in dialog.model.index(1, 6).data()
    dialog.table.selectRow(0)  # newest first: the second, still queued
    editor = dialog.edit_selected()
    assert isinstance(editor, EditQueuedDialog)
    editor.text.setPlainText("better words")
    assert editor.save()
    assert dialog.model.entry(0).text == "better words"
    assert dialog.model.entry(0).state.value == "queued"  # held behind the failed one
    dialog.table.selectRow(1)
    assert dialog.retry_button.isEnabled()
    dialog.cancel_selected()
    assert dialog.model.entry(1).state.value == "cancelled"
    # Nothing holds the edited one back now: the runner tries it at once, and it fails
    # the same way (no secret). Waited for, so the test reads it after, never during.
    qtbot.waitUntil(lambda: not window.publishing.runner.busy, timeout=10_000)
    dialog.refresh()
    assert dialog.model.entry(0).state.value == "failed"
    assert dialog.model.entry(0).text == "better words"
    assert dialog.summary.text() == "0 waiting to go out, 1 failed."
    comms = [e.body["action"] for e in window.log.events(incident.id) if e.kind is Kind.COMMS]
    assert comms == ["queued", "queued", "failed", "cancelled", "failed"]


def test_channels_are_added_tested_and_removed_in_settings(
    window: MainWindow, qtbot: QtBot, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    settings = window.publishing.show_channels()
    assert "No channels yet" in settings.heading.text()
    settings.start_new(ChannelKind.SLACK)
    settings.name.setText("ops-chat")
    settings.secret.setText("ftp://example.com/hook")
    assert not settings.save()
    assert "must start with https://" in settings.message.text()
    assert settings.name.text() == "ops-chat"  # nothing typed is lost
    assert "ftp://" not in settings.message.text()
    settings.secret.setText(httpserver.url_for(HOOK))
    assert settings.test()
    qtbot.waitUntil(lambda: settings.message.text().startswith(("✔", "✘")), timeout=10_000)
    assert settings.message.text().startswith("✔"), settings.message.text()
    assert settings.save()
    assert [c.name for c in channels.channels(window.log)] == ["ops-chat"]
    assert SecretStore().get("ops-chat") == httpserver.url_for(HOOK)
    assert b"very-secret-token" not in window.log.path.read_bytes()
    assert settings.remove()
    assert channels.channels(window.log) == []
    assert SecretStore().get("ops-chat") is None


def test_an_email_channel_form_round_trips(window: MainWindow) -> None:
    settings = window.publishing.show_channels()
    settings.start_new(ChannelKind.EMAIL)
    settings.name.setText("execs-mail")
    settings.fields["host"].setText("smtp.example.com")
    settings.fields["from_addr"].setText("Incidents <incidents@example.com>")
    settings.fields["recipients"].setPlainText("executives: cto@example.com, vp@example.com")
    settings.fields["username"].setText("incidents")
    assert not settings.save()
    assert "Enter the SMTP password" in settings.message.text()
    settings.secret.setText("hunter2")
    assert settings.save(), settings.message.text()
    stored = channels.channel(window.log, "execs-mail")
    assert stored.settings["recipients"] == {"executives": ["cto@example.com", "vp@example.com"]}
    assert stored.settings["port"] == 587
    assert "audiences" not in stored.settings  # it serves whom it has recipients for
    assert audiences_served(stored) == (Audience.EXECUTIVES,)
    assert not any(box.isVisibleTo(settings) for box in settings.audience_boxes.values())
    assert "cto@example.com, vp@example.com" in settings.fields["recipients"].toPlainText()


def test_impact_and_services_carry_to_the_outbox_and_the_next_draft(
    window: MainWindow, qtbot: QtBot
) -> None:
    channels.save_channel(window.log, "status", "statuspage", {"page_id": "p1"})
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    dialog = window.updates.draft("customers")
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.impact.text() == ""
    dialog.impact.setText("Some card payments fail at checkout")
    dialog.services.setText("checkout, payments")
    assert dialog.fill()
    assert "problems with checkout and payments" in dialog.text.toPlainText()
    assert dialog.send()
    (row,) = store.entries(window.log)
    assert row.services == ("checkout", "payments")
    again = window.updates.draft("executives")
    assert again is not None
    qtbot.addWidget(again)
    assert again.impact.text() == "Some card payments fail at checkout"
    assert again.services.text() == "checkout, payments"


def test_enter_sends_where_a_channel_serves_the_audience(window: MainWindow, qtbot: QtBot) -> None:
    channels.save_channel(window.log, "status", "statuspage", {"page_id": "p1"})
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    customers = window.updates.draft("customers")
    assert customers is not None
    qtbot.addWidget(customers)
    assert customers.send_button.isDefault()
    assert not customers.sent_button.isDefault()
    customers.audience.setCurrentIndex(customers.audience.findData("executives"))
    assert customers.sent_button.isDefault()
    assert not customers.send_button.isEnabled()


def test_the_badge_timer_sends_what_another_program_queued(
    window: MainWindow, qtbot: QtBot
) -> None:
    channels.save_channel(window.log, "ops-chat", "slack", {})  # no secret: it fails
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    incident = window.current_incident()
    assert incident is not None
    store.enqueue(window.log, incident.id, Audience.INTERNAL, ["ops-chat"], "s", "t", author="x")
    assert not window.publishing.runner.busy
    window.publishing._timer.timeout.emit()  # the 5-second tick, now
    qtbot.waitUntil(lambda: window.publishing.badge.text() == "Outbox: 1 failed", timeout=10_000)


def test_send_in_a_drill_reaches_no_channel_and_says_so(
    window: MainWindow, qtbot: QtBot, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    add_chat(window, httpserver.url_for(HOOK))
    window.open_incident("Failover practice", drill=True, severity=Severity.SEV2)
    dialog = window.updates.draft("internal")
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.text.setPlainText("Practising: the replica is promoted.")
    assert dialog.send()
    assert "recorded in the drill outbox, not sent" in window.statusBar().currentMessage()
    qtbot.waitUntil(
        lambda: any(
            t.startswith("Drill update to internal recorded, not sent (ops-chat)")
            for t in timeline_texts(window)
        ),
        timeout=5_000,
    )
    # A real incident's update through the same channel arrives, and only it.
    window.open_incident("Checkout 500s", severity=Severity.SEV1)
    real = window.updates.draft("internal")
    assert real is not None
    qtbot.addWidget(real)
    real.text.setPlainText("Rolling back deploy 4812.")
    assert real.send()
    qtbot.waitUntil(lambda: len(httpserver.log) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: window.publishing.badge.text() == "Outbox: empty", timeout=10_000)
    [(request, _response)] = httpserver.log
    assert request.get_json()["text"].endswith("Rolling back deploy 4812.")
    assert "Practising" not in request.get_json()["text"]
