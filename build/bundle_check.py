"""What Commander finds at run time, the same questions asked of the source and the bundle.

Freezing can silently lose things the app only finds by name at run time: keyring's
backends (entry points), package resources, SQLite's FTS5, the CA bundle requests uses,
Qt's plugins. The frozen app answers when started with COMMANDER_BUNDLE_CHECK=1 (see
commander_entry.py); this script asks the same from source and compares:

    python build/bundle_check.py                                  # the report, from source
    python build/bundle_check.py --against dist/commander/commander   # source vs frozen

Exit 0 when everything the app needs is found and matches; 1 otherwise, with the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

RESOURCES = "commander_app.resources"
ROOT = Path(__file__).resolve().parent.parent
# Qt plugins the bundle must have: the X11 window, the headless platform CI uses, SVG icons.
REQUIRED_QT_PLUGINS = (
    "platforms/libqxcb.so",
    "platforms/libqoffscreen.so",
    "imageformats/libqsvg.so",
    "iconengines/libqsvgicon.so",
)
# Keys that must be equal from source and frozen; the rest is information.
COMPARED = (
    "keyring", "fts5", "resources", "templates", "jinja2", "requests", "sqlite_utils",
    "psycopg",
)  # fmt: skip


def shipped_resource_globs(root: Path = ROOT) -> list[str]:
    """The wheel's package-data globs for commander_app.resources: the bundle ships the same."""
    with open(root / "pyproject.toml", "rb") as handle:
        setuptools = tomllib.load(handle)["tool"]["setuptools"]
    return list(setuptools["package-data"][RESOURCES])


def shipped_resource_files(root: Path = ROOT) -> list[str]:
    """Files under resources/ that the wheel ships, as paths relative to resources/."""
    folder = root / "resources"
    found = set()
    for pattern in shipped_resource_globs(root):
        found.update(p.relative_to(folder).as_posix() for p in folder.glob(pattern) if p.is_file())
    return sorted(found)


def _resource_files() -> list[str]:
    """Every data file of the resources package, found through importlib.resources."""
    from importlib import resources

    found: list[str] = []

    def walk(node: resources.abc.Traversable, prefix: str) -> None:
        for entry in node.iterdir():
            name = f"{prefix}{entry.name}"
            if entry.is_dir():
                if entry.name != "__pycache__":
                    walk(entry, f"{name}/")
            elif not entry.name.endswith((".py", ".pyc")):
                found.append(name)

    walk(resources.files(RESOURCES), "")
    return sorted(found)


def _keyring() -> dict[str, object]:
    import importlib.metadata

    import keyring
    import keyring.backend

    entry_points = sorted(
        ep.name for ep in importlib.metadata.entry_points(group="keyring.backends")
    )
    chosen = keyring.get_keyring()  # loads the entry points' backends
    classes = {}
    for cls in keyring.backend.KeyringBackend._classes:
        try:
            verdict: object = cls.priority
        except Exception as exc:  # the backend's own reason it cannot run here
            verdict = f"{type(exc).__name__}: {exc}"
        classes[f"{cls.__module__}.{cls.__qualname__}"] = verdict
    return {
        "get_keyring": f"{type(chosen).__module__}.{type(chosen).__qualname__}",
        "entry_points": entry_points,
        "backends": dict(sorted(classes.items())),
    }


def _fts5() -> str:
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61')")
    conn.execute("INSERT INTO t VALUES ('the pools were exhausted')")
    hits = conn.execute("SELECT count(*) FROM t WHERE t MATCH 'exhaust*'").fetchone()[0]
    return "ok" if hits == 1 else f"no match ({hits})"


def _qt() -> dict[str, object]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtGui import QGuiApplication, QImageReader

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    present = sorted(p.relative_to(plugins).as_posix() for p in plugins.rglob("*.so"))
    return {
        "platform": app.platformName(),
        "missing_plugins": [p for p in REQUIRED_QT_PLUGINS if p not in present],
        "plugins": present,
        "image_formats": sorted(
            bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()
        ),
    }


def _templates() -> list[str]:
    from commander_app.store.templates import shipped_templates

    return sorted(shipped_templates())


def _jinja2() -> str:
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment().from_string("{{ 2 * 3 }}").render()


def _requests() -> str:
    """requests verifies certificates against certifi's bundle, a data file."""
    import requests.certs

    return "CA bundle found" if os.path.isfile(requests.certs.where()) else "CA bundle missing"


def _sqlite_utils() -> list[str]:
    from sqlite_utils import Database

    db = Database(memory=True)
    db["t"].insert({"body": "rollback"})
    db["t"].enable_fts(["body"], fts_version="FTS5")
    return [row["body"] for row in db["t"].search("rollback")]


def _psycopg() -> str:
    """Team sync: psycopg with its own libpq (the binary build), TLS compiled in (a libpq
    without it refuses sslmode=verify-full before it even tries to connect)."""
    import socket

    import psycopg

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        psycopg.connect(
            f"host=127.0.0.1 port={port} dbname=x user=x sslmode=verify-full connect_timeout=2"
        ).close()
    except psycopg.OperationalError as exc:
        if "compiled" in str(exc):
            return "libpq without TLS"
    return f"{psycopg.pq.__impl__} implementation, libpq {psycopg.pq.version() // 10000}"


def report() -> dict[str, object]:
    """Each answer, or the error that stopped it: a missing piece must show, not crash."""
    checks = {
        "keyring": _keyring,
        "fts5": _fts5,
        "resources": _resource_files,
        "templates": _templates,
        "jinja2": _jinja2,
        "requests": _requests,
        "sqlite_utils": _sqlite_utils,
        "psycopg": _psycopg,
        "qt": _qt,
    }
    result: dict[str, object] = {"frozen": bool(getattr(sys, "frozen", False))}
    for name, check in checks.items():
        try:
            result[name] = check()
        except Exception as exc:
            result[name] = f"FAILED {type(exc).__name__}: {exc}"
    return result


def compare(source: dict[str, object], frozen: dict[str, object]) -> list[str]:
    problems = []
    for key in COMPARED:
        want, got = source.get(key), frozen.get(key)
        if key == "resources":  # the source tree may hold files the wheel does not ship
            want = shipped_resource_files()
        if want != got:
            problems.append(f"{key}: source {want!r}\n{' ' * len(key)}  frozen {got!r}")
    for name, value in (("source", source), ("frozen", frozen)):
        if value.get("fts5") != "ok":
            problems.append(f"{name}: SQLite FTS5 {value.get('fts5')}")
    qt = frozen.get("qt")
    if not isinstance(qt, dict):
        problems.append(f"frozen qt: {qt}")
    elif qt["missing_plugins"]:
        problems.append(f"frozen Qt plugins missing: {qt['missing_plugins']}")
    return problems


def _field(result: dict[str, object], key: str, name: str) -> object:
    part = result.get(key)
    return part.get(name) if isinstance(part, dict) else part


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="the frozen commander executable")
    args = parser.parse_args(argv)
    source = report()
    if args.against is None:
        print(json.dumps(source, indent=2))
        return 0
    env = {**os.environ, "COMMANDER_BUNDLE_CHECK": "1"}
    run = subprocess.run(
        [str(args.against)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if run.returncode != 0:
        print(f"bundle check: the frozen app failed ({run.returncode}):\n{run.stderr}")
        return 1
    frozen = json.loads(run.stdout)
    problems = compare(source, frozen)
    print(f"frozen keyring backend: {_field(frozen, 'keyring', 'get_keyring')}")
    print(f"frozen SQLite FTS5: {frozen.get('fts5')}; resources: {frozen.get('resources')}")
    print(f"frozen Qt image formats: {_field(frozen, 'qt', 'image_formats')}")
    for problem in problems:
        print(f"bundle check: MISMATCH {problem}")
    print("bundle check: " + ("FAILED" if problems else "source and frozen app agree"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
