"""Team sync in the window: the badge, another laptop's entry arriving, sharing, closing."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.store import team_state
from commander_app.store.incident_log import IncidentLog
from commander_app.team.config import TeamConfig, TeamSecrets
from commander_app.team.connection import TeamConnection
from commander_app.team.sync import run_round
from commander_app.ui.main_window import MainWindow
from commander_app.ui.team_desk import NOT_SET_UP
from tests.conftest import START
from tests.support import pg_cluster
from tests.sync.conftest import TeamDatabase

BERLIN = ZoneInfo("Europe/Berlin")
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def _set_up(log: IncidentLog, config: TeamConfig) -> None:
    team_state.save_config(log, config.to_dict())
    TeamSecrets().set(config.key, pg_cluster.MEMBER_PASSWORD)


@pytest.fixture
def laptop_a(tmp_path: Path) -> Iterator[IncidentLog]:
    with IncidentLog(tmp_path / "a.db", device_id="laptop-a") as log:
        yield log


def _window(qtbot: QtBot, log: IncidentLog) -> MainWindow:
    shown = MainWindow(log, "alice", BERLIN, None)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    shown.activateWindow()  # shortcuts go to the active window
    qtbot.waitUntil(shown.isActiveWindow)
    return shown


def _texts(window: MainWindow) -> list[str]:
    return [window.timeline.index(r, 3).data() for r in range(window.timeline.rowCount())]


def test_another_laptops_entry_shows_and_the_badge_says_who_is_in(
    qtbot: QtBot, tmp_path: Path, laptop_a: IncidentLog, team_db: TeamDatabase
) -> None:
    opened = laptop_a.open_incident("Checkout 500s", author="alice")
    team_state.share(laptop_a, opened.id)
    _set_up(laptop_a, team_db.config())
    window = _window(qtbot, laptop_a)
    try:
        qtbot.waitUntil(lambda: window.team is not None and "Team: online" in
                        window.team.badge.text(), timeout=20_000)  # fmt: skip
        b = IncidentLog(tmp_path / "b.db", device_id="laptop-b", clock=FixedClock(START))
        with TeamConnection.open(team_db.conninfo(), "laptop-b") as team_b:
            qtbot.waitUntil(lambda: run_round(b, team_b).pulled > 0, timeout=20_000)
            team_b.seen("bob", [opened.id], "test")
            b.log(opened.id, "rolled back deploy 4812", author="bob")
            run_round(b, team_b)
        qtbot.waitUntil(lambda: "rolled back deploy 4812" in _texts(window), timeout=20_000)
        assert window.team is not None
        worker = window.team.worker
        assert worker is not None
    finally:
        window.close()
    assert window.team is not None
    assert window.team.worker is None
    assert not worker.running  # the window's closing stopped its thread


def test_offline_the_window_says_since_when_and_keeps_every_entry(
    qtbot: QtBot, laptop_a: IncidentLog, team_db: TeamDatabase
) -> None:
    with socket.socket() as probe:  # a port nobody listens on: the database is away
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = TeamConfig(host="127.0.0.1", port=port, dbname="x", user=pg_cluster.MEMBER,
                        sslmode="disable")  # fmt: skip
    opened = laptop_a.open_incident("Payments down", author="alice")
    team_state.share(laptop_a, opened.id)
    _set_up(laptop_a, config)
    window = _window(qtbot, laptop_a)
    try:
        qtbot.waitUntil(lambda: window.team is not None and "Team: offline since" in
                        window.team.badge.text(), timeout=20_000)  # fmt: skip
        window.capture.line.setFocus()
        qtbot.keyClicks(window.capture.line, "failover started")
        qtbot.keyClick(window.capture.line, Qt.Key.Key_Return)
        assert "failover started" in _texts(window)
        assert window.team is not None
        qtbot.waitUntil(lambda: "1 entry waits to be sent" in window.team.badge.text()
                        if window.team else False, timeout=20_000)  # fmt: skip
        assert "Connection refused" in window.team.badge.toolTip()
    finally:
        window.close()


def test_ctrl_alt_t_shares_the_selected_incident(
    qtbot: QtBot, laptop_a: IncidentLog, team_db: TeamDatabase
) -> None:
    opened = laptop_a.open_incident("Disk full", author="alice")
    window = _window(qtbot, laptop_a)
    try:
        qtbot.keyClick(window.capture.line, Qt.Key.Key_T, CTRL_ALT)
        assert window.statusBar().currentMessage() == NOT_SET_UP
        assert opened.id not in team_state.shared_ids(laptop_a)
        _set_up(laptop_a, team_db.config())
        qtbot.keyClick(window.capture.line, Qt.Key.Key_T, CTRL_ALT)
        assert opened.id in team_state.shared_ids(laptop_a)
        assert "“Disk full” is shared with the team" in window.statusBar().currentMessage()
        assert window.capture.line.hasFocus()  # focus stays where the user was
        qtbot.waitUntil(lambda: window.team is not None and "Team: online" in
                        window.team.badge.text(), timeout=20_000)  # fmt: skip
    finally:
        window.close()


def test_a_wrong_password_says_what_to_do_instead_of_retrying_as_offline(
    qtbot: QtBot, laptop_a: IncidentLog, team_db: TeamDatabase
) -> None:
    config = team_db.config()
    team_state.save_config(laptop_a, config.to_dict())
    TeamSecrets().set(config.key, "not-the-password")
    laptop_a.open_incident("Queue backlog", author="alice")
    window = _window(qtbot, laptop_a)
    try:
        qtbot.waitUntil(lambda: window.team is not None and "Team: not syncing" in
                        window.team.badge.text(), timeout=20_000)  # fmt: skip
        assert window.team is not None
        tip = window.team.badge.toolTip()
        assert "refused this laptop's login" in tip
        assert "commander team setup" in tip
        assert "not-the-password" not in tip
    finally:
        window.close()
