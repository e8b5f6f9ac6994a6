"""Start-up must not grow with features: the window's first paint loads none of the heavy
modules (the template engine, HTTP, SMTP, the keyring, the migrations' sqlite-utils) nor
the screens, parsers and clients that load on first use. Ruff bans importing the heavy
ones at module level (pyproject.toml); this checks what a real start-up loads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("jinja2", "requests", "sqlite_utils", "keyring", "socket", "smtplib", "markdown_it")
FIRST_USE = (
    "commander_app.core.templates",
    "commander_app.publish",
    "commander_app.ui.follow_ups_view",
    "commander_app.ui.postmortem_dialog",
    "commander_app.ui.outbox_dialog",
    "commander_app.store.import_stage",
    "commander_app.core.trends",
)


def test_the_windows_first_paint_loads_no_heavy_module(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from zoneinfo import ZoneInfo\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from commander_app.store.incident_log import IncidentLog\n"
        "from commander_app.ui.main_window import MainWindow\n"
        "app = QApplication([])\n"
        f"log = IncidentLog(Path({str(tmp_path / 'x.db')!r}), device_id='d', "
        "opened_by_window=True)\n"
        "log.open_incident('Checkout errors', author='a')\n"
        f"window = MainWindow(log, 'a', ZoneInfo('UTC'), Path({str(tmp_path / 'w.ini')!r}))\n"
        "window.show()\n"
        "for _ in range(5): app.processEvents()\n"
        f"print(*sorted(m for m in sys.modules if m in {HEAVY!r} "
        f"or m.startswith({FIRST_USE!r})))\n"
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
    assert result.stdout.strip() == ""
