"""The playbook in force: the team's file, else its last good version, else the shipped one.

The team's file is `playbook.toml` in the data directory. Each time it reads without a
blocking problem its text is kept as `playbook.last-good.toml`; a file that breaks later
(a bad edit, a half-synced git checkout) never stops an incident from starting:
Commander uses the last good version and says so (`InForce.warning`). The window's
settings screens and `commander playbook import` write the file atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commander_app.core.authority import AuthorityMatrix
from commander_app.core.bodies import PlaybookVersionBody
from commander_app.core.cadence_policy import CadencePolicy
from commander_app.core.errors import ValidationError
from commander_app.core.playbook import Playbook, Version, digest
from commander_app.core.playbook_parse import Problem, Reading, read_playbook
from commander_app.core.rollback_checklist import RollbackChecklist
from commander_app.store import environment
from commander_app.store.errors import StorageError

PLAYBOOK_FILE = "playbook.toml"
LAST_GOOD_FILE = "playbook.last-good.toml"
Source = Literal["file", "last good", "shipped"]


@dataclass(frozen=True)
class InForce:
    """The playbook Commander acts on, where it came from, and what to tell the user."""

    playbook: Playbook
    version: Version
    source: Source
    path: Path
    warning: str | None = None  # the team's file could not be used: why, and what is used
    gaps: tuple[Problem, ...] = ()
    migrated: str | None = None  # the old settings files were made into this playbook

    def version_body(self) -> PlaybookVersionBody:
        """What an incident's opening records of the rules in force."""
        return {"name": self.version.name, "digest": self.version.digest, "source": self.source}


def playbook_path() -> Path:
    return environment.data_dir() / PLAYBOOK_FILE


VERSIONS_FOLDER = "playbook-versions"


def last_good_path() -> Path:
    return environment.data_dir() / LAST_GOOD_FILE


def shipped_text() -> str:
    return environment.shipped_text("playbook", "playbook.toml")


@cache
def shipped_reading() -> Reading:
    return read_playbook(shipped_text(), zones=zone_named)


def shipped() -> Playbook:
    playbook = shipped_reading().playbook
    if playbook is None:  # the package's own file: a test keeps it readable
        raise AssertionError("The shipped playbook does not read.")
    return playbook


def zone_named(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def read_text(text: str) -> Reading:
    """A playbook's text read over the shipped playbook (what it leaves out)."""
    return read_playbook(text, shipped(), zone_named)


@dataclass
class _Cache:
    key: tuple[object, ...] | None = None
    value: InForce | None = None
    migrated: dict[Path, str] = field(default_factory=dict)


_CACHE = _Cache()


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def in_force() -> InForce:
    """The playbook to act on now; read again only when the file changed."""
    path = playbook_path()
    migrated = _migrate_once(path.parent)
    key = (path, _stamp(path), _stamp(last_good_path()))
    if _CACHE.key == key and _CACHE.value is not None:
        return _CACHE.value
    found = _load(path)
    if migrated:
        found = replace(found, migrated=migrated)
    _CACHE.key, _CACHE.value = (path, _stamp(path), _stamp(last_good_path())), found
    return found


def news() -> list[str]:
    """What the last read of the playbook has to tell the user: a migration, a fallback."""
    found = _CACHE.value
    if found is None or found.path != playbook_path():
        return []
    return [line for line in (found.migrated, found.warning) if line]


def _migrate_once(folder: Path) -> str | None:
    if folder not in _CACHE.migrated:
        done = None
        if playbook_migration_needed(folder):
            from commander_app.store import playbook_migration  # once, on the first start

            done = playbook_migration.migrate(folder, shipped_text(), shipped())
        _CACHE.migrated[folder] = done.describe() if done else ""
    return _CACHE.migrated[folder] or None


OLD_FILES = ("cadence.json", "authority.toml", "rollback-checklist.toml")


def playbook_migration_needed(folder: Path) -> bool:
    """Settings files from before the playbook, and no playbook yet."""
    if (folder / PLAYBOOK_FILE).exists():
        return False
    return any((folder / name).is_file() for name in OLD_FILES)


def _load(path: Path) -> InForce:
    try:
        text = environment.read_settings_file(path, "playbook", "")
    except ValidationError as exc:
        return _fallback(path, str(exc).strip())
    if text is None:
        reading = shipped_reading()
        return InForce(shipped(), reading.version, "shipped", path, gaps=tuple(reading.gaps))
    reading = read_text(text)
    if reading.playbook is None:
        first = reading.blocking[0]
        return _fallback(path, f"The playbook {path} cannot be used: {first.describe()}")
    _keep_last_good(text, reading.version)
    return InForce(reading.playbook, reading.version, "file", path, gaps=tuple(reading.gaps))


def _fallback(path: Path, why: str) -> InForce:
    check = "`commander playbook check` lists every problem."
    try:
        text = environment.read_settings_file(last_good_path(), "last good playbook", "")
    except ValidationError:
        text = None
    reading = read_text(text) if text is not None else None
    if reading is not None and reading.playbook is not None:
        warning = f"{why} Using its last good version {reading.version.describe()}. {check}"
        return InForce(reading.playbook, reading.version, "last good", path, warning)
    shipped_version = shipped_reading().version
    warning = f"{why} Using the shipped playbook (there is no last good version). {check}"
    return InForce(shipped(), shipped_version, "shipped", path, warning)


def versions_folder() -> Path:
    """A copy of every playbook text that was ever in force, by digest: an incident
    records only the digest, and a review months later needs the rules themselves."""
    return environment.data_dir() / VERSIONS_FOLDER


def _keep_version(text: str, version: Version) -> None:
    target = versions_folder() / f"{version.digest}.toml"
    if target.exists():
        return
    with suppress(OSError):  # a read-only data folder: only this copy is missing
        target.parent.mkdir(parents=True, exist_ok=True)
        environment.write_atomically(target, text)


def version_text(wanted: str) -> str | None:
    """The text of the playbook whose digest is (or starts with) `wanted`, if kept."""
    wanted = wanted.strip().lower()
    if not wanted:
        return None
    if shipped_reading().version.digest.startswith(wanted):
        return shipped_text()
    folder = versions_folder()
    found = sorted(folder.glob(f"{wanted}*.toml")) if folder.is_dir() else []
    if len(found) != 1:
        return None
    with suppress(ValidationError):
        return environment.read_settings_file(found[0], "playbook version", "")
    return None


def _keep_last_good(text: str, version: Version) -> None:
    _keep_version(text, version)
    target = last_good_path()
    try:
        current = environment.read_settings_file(target, "last good playbook", "")
    except ValidationError:
        current = None
    if current is not None and digest(current) == version.digest:
        return
    with suppress(OSError):  # a read-only data folder: the fallback is the shipped playbook
        environment.write_atomically(target, text)


# -- writing ---------------------------------------------------------------------------


def current_text() -> str:
    """The team's file as it stands, for an edit in place (the shipped text if none).

    A file that does not read is refused: an edit from the window must not write over
    the team's broken file with a guess."""
    path = playbook_path()
    in_force()  # migrates the old files first, if they are still there
    way_out = "Fix it, or import a good one (`commander playbook import FILE`), before saving."
    text = environment.read_settings_file(path, "playbook", way_out)
    if text is None:
        return shipped_text()
    reading = read_text(text)
    if reading.playbook is None:
        raise ValidationError(
            f"The playbook {path} cannot be used ({reading.blocking[0].describe()}); fix it "
            "or import a good one (`commander playbook import FILE`) before saving here."
        )
    return text


def write_text(text: str, *, what: str = "playbook") -> Path:
    """Write a whole playbook text atomically after reading it back: a file with a
    blocking problem is never written."""
    reading = read_text(text)
    if reading.playbook is None:
        problems = "; ".join(p.describe() for p in reading.blocking[:5])
        raise ValidationError(f"The {what} cannot be used: {problems}.")
    path = playbook_path()
    try:
        environment.write_atomically(path, text)
    except OSError as exc:
        raise StorageError(f"Cannot write the playbook {path}: {exc.strerror or exc}.") from exc
    return path


def _edit(change: Callable[[str], str]) -> Path:
    return write_text(change(current_text()))


# The editor loads on first save: tomlkit is not needed to start the window.


def save_cadence(policy: CadencePolicy) -> Path:
    from commander_app.core.playbook_edit import with_cadence

    return _edit(lambda text: with_cadence(text, policy))


def save_authority(matrix: AuthorityMatrix) -> Path:
    from commander_app.core.playbook_edit import with_authority

    return _edit(lambda text: with_authority(text, matrix))


def save_checklist(checklist: RollbackChecklist) -> Path:
    from commander_app.core.playbook_edit import with_checklist

    return _edit(lambda text: with_checklist(text, checklist))
