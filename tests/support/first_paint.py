"""A real window in a fresh process, painted on a new log: what a test of lazy loading
asks of it runs then, and what it prints comes back (the modules it has loaded)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def after_first_paint(folder: Path, then: str) -> str:
    """Open the window on a log with one incident, paint it, run `then` (Python with
    `sys`, `app`, `log` and `window` in scope), close; its standard output."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from zoneinfo import ZoneInfo\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from commander_app.store.incident_log import IncidentLog\n"
        "from commander_app.ui.main_window import MainWindow\n"
        "app = QApplication([])\n"
        f"log = IncidentLog(Path({str(folder / 'x.db')!r}), device_id='d', "
        "opened_by_window=True)\n"
        "log.open_incident('Checkout errors', author='a')\n"
        f"window = MainWindow(log, 'a', ZoneInfo('UTC'), Path({str(folder / 'w.ini')!r}))\n"
        "window.show()\n"
        "for _ in range(5): app.processEvents()\n"
        f"{then}\n"
        "window.close(); log.close()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
