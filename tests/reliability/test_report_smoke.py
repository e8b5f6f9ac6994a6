"""The reliability report (tests/perf/report_reliability.py) still runs: with --quick it
prints its table with a row for every class, and neither it nor a class breaks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPORT = Path(__file__).resolve().parents[1] / "perf" / "report_reliability.py"
CLASSES = ("1 SIGKILL", "2 Storage", "3 Publish", "4 Secrets", "5 Inputs", "6 Templates")


@pytest.mark.slow
def test_the_quick_report_prints_its_table() -> None:
    result = subprocess.run(
        [sys.executable, str(REPORT), "--quick"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "| Class | What was tried | Count | Bad outcomes | Target |" in result.stdout
    for area in CLASSES:
        assert f"\n| {area} | " in result.stdout, area
    assert "the report itself failed" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
