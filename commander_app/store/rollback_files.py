"""The authority matrix and the rollback checklist: shipped in the package,
overridable by files in the data directory (edited by hand or in the window)."""

from __future__ import annotations

from pathlib import Path

from commander_app.core.authority import AuthorityMatrix, parse_matrix
from commander_app.core.errors import ValidationError
from commander_app.core.rollback import RollbackChecklist, parse_checklist
from commander_app.store import environment
from commander_app.store.errors import StorageError

AUTHORITY_FILE = "authority.toml"
CHECKLIST_FILE = "rollback-checklist.toml"


def authority_path() -> Path:
    return environment.data_dir() / AUTHORITY_FILE


def checklist_path() -> Path:
    return environment.data_dir() / CHECKLIST_FILE


def shipped_matrix() -> AuthorityMatrix:
    return parse_matrix(
        environment.shipped_text("rollback", "authority.toml"), "the shipped authority matrix"
    )


def shipped_checklist() -> RollbackChecklist:
    return parse_checklist(
        environment.shipped_text("rollback", "checklist.toml"), "the shipped rollback checklist"
    )


def load_matrix(path: Path | None = None) -> AuthorityMatrix:
    """The shipped matrix with the severities the user's file lists replaced.

    A file that cannot be used is refused with its name and the problem, never
    silently replaced by the defaults: the team chose who decides.
    """
    path = path or authority_path()
    way_out = "Fix the file, or delete it to use the shipped matrix."
    text = environment.read_settings_file(path, "authority matrix", way_out)
    if text is None:
        return shipped_matrix()
    try:
        override = parse_matrix(text, f"The authority matrix {path}")
    except ValidationError as exc:
        raise ValidationError(f"{exc} {way_out}") from None
    return shipped_matrix().merged(override)


def save_matrix(matrix: AuthorityMatrix, path: Path | None = None) -> Path:
    """Write the whole matrix atomically: a reader sees the old file or the new one."""
    path = path or authority_path()
    parse_matrix(matrix.to_toml())  # what is written must read back the same
    try:
        environment.write_atomically(path, matrix.to_toml())
    except OSError as exc:
        raise StorageError(
            f"Cannot write the authority matrix {path}: {exc.strerror or exc}."
        ) from exc
    return path


def load_checklist(path: Path | None = None) -> RollbackChecklist:
    """The user's checklist file if there is one (it replaces the shipped one whole)."""
    path = path or checklist_path()
    way_out = "Fix the file, or delete it to use the shipped checklist."
    text = environment.read_settings_file(path, "rollback checklist", way_out)
    if text is None:
        return shipped_checklist()
    try:
        return parse_checklist(text, f"The rollback checklist {path}")
    except ValidationError as exc:
        raise ValidationError(f"{exc} {way_out}") from None
