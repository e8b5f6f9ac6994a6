"""The README's screenshots: the real window during a scripted SEV1, at two screen sizes.

    xvfb-run -s "-screen 0 1440x900x24" python build/screenshots.py resources/

writes screenshot-1440x900.png and screenshot-1280x800.png there (8-bit PNGs when
ImageMagick's `convert` is on the PATH). The incident is the one the layout tests
use (tests/support/sev1.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication

from commander_app.core.clock import FixedClock
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.app import application_icon
from commander_app.ui.main_window import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the scenario the tests use
from tests.support.sev1 import START, scripted_sev1

ZONE = ZoneInfo("Europe/Berlin")
SIZES = ((1440, 900), (1280, 800))


def shoot(out_dir: Path) -> list[Path]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setWindowIcon(application_icon())
    made = []
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(START)
        with IncidentLog(Path(tmp) / "incidents.db", device_id="screenshots", clock=clock) as log:
            scripted_sev1(log, clock)
            for width, height in SIZES:
                window = MainWindow(log, "alice", ZONE)
                window.resize(width, height)
                window.show()
                for _ in range(20):
                    app.processEvents()
                window.updates.cadence.tick()
                window.rollback.tick()
                app.processEvents()
                path = out_dir / f"screenshot-{width}x{height}.png"
                window.grab().save(str(path))
                if "--rollback" in sys.argv:  # the other tab, to look at, not for the README
                    window.tabs.setCurrentWidget(window.rollback_tab)
                    app.processEvents()
                    window.grab().save(str(out_dir / f"rollback-{width}x{height}.png"))
                window.close()
                made.append(path)
    if shutil.which("convert"):
        for path in made:
            subprocess.run(
                ["convert", str(path), "-strip", "-colors", "256", f"PNG8:{path}"], check=True
            )
    return made


if __name__ == "__main__":
    for shot in shoot(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(shot, shot.stat().st_size, "bytes")
