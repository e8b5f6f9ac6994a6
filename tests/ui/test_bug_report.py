"""A bug in the window is logged with its traceback and shown with a "Copy details" button."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from commander_app.store import fault_log
from commander_app.ui.bug_report import BugHook

SECRET_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"


def _raised() -> ValueError:
    try:
        raise ValueError(f"bad answer from {SECRET_URL}")
    except ValueError as exc:
        return exc


def test_the_hook_is_installed_for_the_window_and_removed_after() -> None:
    before = sys.excepthook
    hook = BugHook()
    hook.install()
    try:
        assert sys.excepthook is hook
    finally:
        hook.remove()
    assert sys.excepthook is before


def test_a_bug_is_logged_and_shown_with_its_details_to_copy(qtbot: QtBot) -> None:
    hook = BugHook()
    hook.install()
    try:
        exc = _raised()
        hook(type(exc), exc, exc.__traceback__)
        box = hook.box
        assert box is not None
        qtbot.waitUntil(box.isVisible)
        assert "ValueError" in box.text()
        assert "This is a bug, not something you did" in box.text()
        assert str(fault_log.log_file_path()) in box.text()
        copy = next(b for b in box.findChildren(QPushButton) if b.text() == "Copy details")
        qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
        copied = QApplication.clipboard().text()
        assert "Traceback (most recent call last)" in copied
        assert "in _raised" in copied
        assert box.isVisible()  # copying leaves the box open to read
        written = fault_log.log_file_path().read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" in written
        assert "ValueError: bad answer from https://hooks.slack.com/[secret]" in written
        assert "XXXXSECRETXXXX" not in written
    finally:
        hook.remove()
    assert hook.box is None
