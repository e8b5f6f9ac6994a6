"""The window's one exception hook: a bug is logged with its traceback to the log file and
shown in a box whose "Copy details" button puts the details on the clipboard."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from commander_app.store import fault_log
from commander_app.store.errors import DamagedDatabaseError

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def bug_details(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def bug_box(exc: BaseException, log_file: Path | None, parent: QWidget | None) -> QMessageBox:
    """A box that says a bug happened (not the user's doing), where its details are, and
    offers them for copying; what was written before it is in the log."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Commander hit a bug")
    where = f"The details are in {log_file}." if log_file else "No log file could be written."
    box.setText(
        f"Something went wrong inside Commander: {type(exc).__name__}: {exc}\n\n"
        "This is a bug, not something you did. Entries already accepted are safe in "
        f"the incident log. {where} Please send the details to whoever looks after Commander."
    )
    details = bug_details(exc)
    box.setDetailedText(details)
    copy = QPushButton("Copy details", box)
    box.addButton(copy, QMessageBox.ButtonRole.ActionRole)
    copy.clicked.disconnect()  # copying must not close the box
    copy.clicked.connect(lambda: QApplication.clipboard().setText(details))
    box.addButton(QMessageBox.StandardButton.Close)
    return box


def _redactors() -> list[logging.Filter]:
    from commander_app.publish.redaction import file_log_filters  # on the first bug only

    return list(file_log_filters())


class BugHook:
    """`sys.excepthook` while the window runs: every uncaught exception (a Qt slot's
    included) is logged and shown, never lost in a terminal nobody reads."""

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None) -> None:
        self._parent = parent
        # Where damage to the log, met by a read in a slot, is told (the window's box):
        # the file's fault, not Commander's, so no bug report.
        self.on_damage: Callable[[str], None] | None = None
        self._previous: ExceptHook | None = None
        self._handler: logging.Handler | None = None
        self.box: QMessageBox | None = None  # kept: the box outlives the call that made it

    def install(self) -> None:
        self._handler = fault_log.open_fault_log(_redactors)
        self._previous = sys.excepthook
        sys.excepthook = self

    def remove(self) -> None:
        if self._previous is not None and sys.excepthook is self:
            sys.excepthook = self._previous
        self._previous = None
        fault_log.close_fault_log(self._handler)
        self._handler = None
        if self.box is not None:
            self.box.close()
            self.box = None

    def __call__(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        if issubclass(kind, DamagedDatabaseError):
            self._tell_damage(str(exc))
            return
        exc.__traceback__ = tb
        fault_log.record_bug(exc, "in the window")
        log_file = fault_log.log_file_path() if self._handler is not None else None
        if self.box is not None:
            self.box.close()
        self.box = bug_box(exc, log_file, self._parent())
        self.box.open()

    def _tell_damage(self, message: str) -> None:
        if self.on_damage is not None:
            self.on_damage(message)
            return
        if self.box is not None:
            self.box.close()
        self.box = QMessageBox(
            QMessageBox.Icon.Critical,
            "The incident log is damaged",
            message,
            QMessageBox.StandardButton.Ok,
            self._parent(),
        )
        self.box.open()
