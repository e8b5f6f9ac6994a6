"""Run under a real X server (xvfb-run): which of the window's shortcuts the capture line
claims for its own bindings. On X11 a line edit takes Ctrl+U and Ctrl+Shift+Z; the
offscreen platform the suite uses takes fewer, so this is checked on the real one.

Prints one line: the platform, then the claimed keys separated by spaces (none: empty).
"""

from __future__ import annotations

import sys
import tempfile
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
        window.show()
        claimed = []
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
