"""The authority matrix and the rollback checklist: parts of the playbook in force,
edited by hand in the playbook file or in the window (which writes the playbook)."""

from __future__ import annotations

from pathlib import Path

from commander_app.core.authority import AuthorityMatrix
from commander_app.core.rollback_checklist import RollbackChecklist
from commander_app.store import playbook


def shipped_matrix() -> AuthorityMatrix:
    return playbook.shipped().authority


def load_matrix() -> AuthorityMatrix:
    """Who may order a production change alone, per severity, in the playbook in force."""
    return playbook.in_force().playbook.authority


def save_matrix(matrix: AuthorityMatrix) -> Path:
    """Write the matrix into the playbook in place, atomically."""
    return playbook.save_authority(matrix)


def load_checklist() -> RollbackChecklist:
    return playbook.in_force().playbook.checklist


def save_checklist(checklist: RollbackChecklist) -> Path:
    return playbook.save_checklist(checklist)
