"""Run under a real X server (xvfb-run): which of the window's shortcuts the capture line
claims for its own bindings. On X11 a line edit takes Ctrl+U and Ctrl+Shift+Z; the
offscreen platform the suite uses takes fewer, so this is checked on the real one.

Prints one line: the platform, then the claimed keys separated by spaces (none: empty).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication

from commander_app.store.incident_log import IncidentLog
from commander_app.ui.main_window import MainWindow
from commander_app.ui.shortcuts import SHORTCUTS


def main() -> int:
    app = QApplication(sys.argv[:1])
    with (
        tempfile.TemporaryDirectory() as scratch,
        IncidentLog(Path(scratch) / "x.db", device_id="x11") as log,
    ):
        window = MainWindow(log, "tester", ZoneInfo("UTC"), Path(scratch) / "window.ini")
        claimed: list[str] = []
        window.show()
        window.activateWindow()
        QApplication.setActiveWindow(window)  # no window manager under Xvfb to do it
        window.capture.line.setFocus()
        waited = 0.0
        while not window.capture.line.hasFocus() and waited < 5:  # as a person's would
            app.processEvents()
            time.sleep(0.02)
            waited += 0.02
        if not window.capture.line.hasFocus():
            claimed.append("(the capture line never had the keyboard)")
        for shortcut in (s for s in SHORTCUTS if s.window):
            combo = QKeySequence(shortcut.keys)[0]
            event = QKeyEvent(QEvent.Type.ShortcutOverride, combo.key(), combo.keyboardModifiers())
            event.setAccepted(False)
            QApplication.sendEvent(window.capture.line, event)
            if event.isAccepted():
                claimed.append(shortcut.keys)
        print(app.platformName(), *claimed)
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
