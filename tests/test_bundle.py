"""What the desktop bundle and the wheel ship, and the frozen app's smoke test when it is built.

The full gate is .ci/bundle (it builds the bundle and checks the frozen app); these run with
the suite.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from commander_app.ui.app import application_icon

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
FROZEN_APP = ROOT / "dist" / "commander" / "commander"
ICON_SIZES = (16, 32, 48, 64, 128, 256)


def shipped_globs() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        package_data = tomllib.load(handle)["tool"]["setuptools"]["package-data"]
    return list(package_data["commander_app.resources"])


def test_every_resource_file_ships_in_the_wheel_and_the_bundle() -> None:
    """A file under resources/ that no package-data glob names works from a checkout only."""
    shipped = {p for pattern in shipped_globs() for p in RESOURCES.glob(pattern) if p.is_file()}
    unshipped = [
        p.relative_to(ROOT).as_posix()
        for p in RESOURCES.rglob("*")
        if p.is_file()
        and p not in shipped
        and p.suffix not in {".py", ".pyc"}
        and not (p.parent == RESOURCES and p.suffix == ".png")  # the README's pictures
    ]
    assert unshipped == [], "add these to [tool.setuptools.package-data] in pyproject.toml"


def test_building_the_wheel_prints_no_setuptools_warning(tmp_path: Path) -> None:
    """The install step is read by people: forty lines of deprecation warnings hide a real one."""
    import shutil
    import sys

    source = tmp_path / "source"  # setuptools builds in build/, which is the bundle's folder here
    shutil.copytree(
        ROOT, source, ignore=shutil.ignore_patterns(".*", "*.egg-info", "build", "dist", "tests")
    )
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    warnings = [
        line.strip()
        for line in output.splitlines()
        if ("Warning" in line or "!!" in line) and "Location 'file:" not in line
    ]
    assert warnings == []


def test_desktop_entry_starts_the_installed_command_with_the_shipped_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)  # keys read in lower case
    entry.read(RESOURCES / "commander.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    with open(ROOT / "pyproject.toml", "rb") as handle:
        scripts = tomllib.load(handle)["project"]["scripts"]
    assert section["type"] == "Application"
    assert section["exec"] in scripts
    assert (RESOURCES / "icons" / f"{section['icon']}.svg").is_file()
    for size in ICON_SIZES:
        assert (RESOURCES / "icons" / f"{section['icon']}-{size}.png").is_file()


def test_window_icon_has_every_shipped_size(qapp: QApplication) -> None:
    icon = application_icon()
    assert not icon.isNull()
    assert set(icon.availableSizes()) == {QSize(s, s) for s in ICON_SIZES}
    assert not icon.pixmap(QSize(48, 48)).isNull()  # the files are there and decode


@pytest.mark.skipif(
    not FROZEN_APP.is_file(),
    reason="no desktop bundle in dist/commander (build it: python build/build.py)",
)
def test_frozen_app_opens_its_window(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run(
        [str(FROZEN_APP), "--db", str(tmp_path / "smoke.db"), "--smoke-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("smoke-test ok: platform=offscreen"), run.stdout
