"""pyproject maps resources/ to the package commander_app.resources (package-dir): show
PyInstaller's module graph the same, so it finds commander_app.resources at resources/."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def pre_safe_import_module(api):
    with open(ROOT / "pyproject.toml", "rb") as handle:
        package_dir = tomllib.load(handle)["tool"]["setuptools"].get("package-dir", {})
    for package, folder in package_dir.items():
        parent, _, child = package.rpartition(".")
        if parent == api.module_name and Path(folder).name == child:
            api.append_package_path(str((ROOT / folder).parent))
