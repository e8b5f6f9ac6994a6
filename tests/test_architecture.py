"""The layering in DESIGN.md, checked by import-linter on every test run."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is part of the test extra"
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    counts = re.search(r"Contracts: (\d+) kept, (\d+) broken", result.stdout)
    assert counts, result.stdout
    declared = (ROOT / "pyproject.toml").read_text("utf-8").count("[[tool.importlinter.contracts]]")
    assert (int(counts[1]), int(counts[2])) == (declared, 0), result.stdout
