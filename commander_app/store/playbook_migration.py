"""The three settings files that came before the playbook (`cadence.json`,
`authority.toml`, `rollback-checklist.toml`), read once to make `playbook.toml`.

Run on the first start that finds them and no playbook: the playbook is written
first, then the old files move into a dated backup folder beside it, so nothing is
lost at any moment. A file that cannot be read is moved with the others and named
in the playbook's opening comment; its part keeps the shipped rules.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from commander_app.core.authority import AuthorityMatrix, parse_matrix
from commander_app.core.cadence_policy import CadencePolicy
from commander_app.core.errors import ValidationError
from commander_app.core.playbook import Playbook
from commander_app.core.playbook_edit import (
    with_authority,
    with_cadence,
    with_checklist,
    with_header,
)
from commander_app.core.rollback_checklist import RollbackChecklist, parse_checklist
from commander_app.store import environment, playbook
from commander_app.store.errors import StorageError

CADENCE_FILE = "cadence.json"
AUTHORITY_FILE = "authority.toml"
CHECKLIST_FILE = "rollback-checklist.toml"
OLD_FILES = (CADENCE_FILE, AUTHORITY_FILE, CHECKLIST_FILE)
assert OLD_FILES == playbook.OLD_FILES
T = TypeVar("T")


@dataclass
class Migration:
    playbook: Path
    backup: Path
    moved: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # "name: the problem"

    def describe(self) -> str:
        made = f"Made the playbook {self.playbook} from {', '.join(self.moved)}"
        kept = f"; the originals are kept in {self.backup}"
        lost = "".join(
            f" {problem} That part keeps the shipped rules." for problem in self.unreadable
        )
        return f"{made}{kept}.{lost}"


def migrate(folder: Path, shipped_text: str, shipped: Playbook) -> Migration | None:
    """Make `folder`'s playbook from the old files there, if there are some and no
    playbook yet; None when there is nothing to do."""
    target = folder / "playbook.toml"
    found = [name for name in OLD_FILES if (folder / name).is_file()]
    if target.exists() or not found:
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    migration = Migration(target, folder / f"settings-before-playbook-{stamp}", found)
    text = shipped_text
    if CADENCE_FILE in found:
        policy = _read(migration, folder / CADENCE_FILE, read_cadence_file)
        if policy is not None:
            text = with_cadence(text, policy)
    if AUTHORITY_FILE in found:
        matrix = _read(migration, folder / AUTHORITY_FILE, read_authority_file)
        if matrix is not None:
            text = with_authority(text, shipped.authority.merged(matrix))
    if CHECKLIST_FILE in found:
        checklist = _read(migration, folder / CHECKLIST_FILE, read_checklist_file)
        if checklist is not None:
            text = with_checklist(text, checklist)
    header = [
        f"Made by Commander on {datetime.now():%Y-%m-%d %H:%M} from {', '.join(found)}",
        f"(the originals are kept in {migration.backup.name}/).",
        *[f"Not carried over: {problem}" for problem in migration.unreadable],
    ]
    try:
        environment.write_atomically(target, with_header(text, header))
        migration.backup.mkdir(parents=True, exist_ok=True)
        for name in found:
            os.replace(folder / name, migration.backup / name)
    except OSError as exc:
        raise StorageError(
            f"Cannot make the playbook {target} from the old settings files: "
            f"{exc.strerror or exc}. They are untouched."
        ) from exc
    return migration


def _read(migration: Migration, path: Path, reader: Callable[[Path], T]) -> T | None:
    try:
        return reader(path)
    except ValidationError as exc:
        migration.unreadable.append(f"{path.name}: {exc}")
        return None


def read_cadence_file(path: Path) -> CadencePolicy:
    """`cadence.json` as the old Commander read it."""
    text = environment.read_settings_file(path, "cadence policy", "") or "{}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except (RecursionError, ValueError):
        raise ValidationError("nested too deeply or holding a number too long to read.") from None
    return CadencePolicy.from_dict(data)


def read_authority_file(path: Path) -> AuthorityMatrix:
    text = environment.read_settings_file(path, "authority matrix", "") or ""
    return parse_matrix(text, f"The authority matrix {path.name}")


def read_checklist_file(path: Path) -> RollbackChecklist:
    text = environment.read_settings_file(path, "rollback checklist", "") or ""
    return parse_checklist(text, f"The rollback checklist {path.name}")
