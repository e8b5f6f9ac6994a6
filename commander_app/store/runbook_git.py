"""Who last changed each runbook and when, when the folder is a git repository and git
is installed: one `git log` over the folder, with a timeout. Without git, or outside a
repository, there is simply nothing to show; nothing fails."""

from __future__ import annotations

import logging
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from commander_app.core.errors import ValidationError
from commander_app.core.runbook_trust import GitChange

GIT_TIMEOUT = 10.0  # seconds: a huge or network-mounted repository is not waited on
_COMMIT = "\x1e"  # starts each commit's line in the log's output

logger = logging.getLogger(__name__)


def last_changes(folder: Path) -> dict[Path, GitChange]:
    """Each file's last commit (committer date, author), by absolute path; empty when
    git is missing, the folder is not a repository, or git takes too long."""
    git = shutil.which("git")
    if git is None:
        return {}
    folder = folder.absolute()
    try:
        result = subprocess.run(
            [git, "-c", "core.quotePath=false", "log", f"--format={_COMMIT}%cI%x09%an",
             "--name-only", "--relative", "--", "."],
            cwd=folder,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        logger.warning(
            "git log in %s took more than %.0f s; no git history shown", folder, GIT_TIMEOUT
        )
        return {}
    except OSError as exc:
        logger.warning("git could not be run in %s: %s", folder, exc)
        return {}
    if result.returncode != 0:  # not a repository, or one without commits
        return {}
    return _read_log(result.stdout.decode("utf-8", "replace"), folder)


def _read_log(output: str, folder: Path) -> dict[Path, GitChange]:
    changes: dict[Path, GitChange] = {}
    current: GitChange | None = None
    for line in output.split("\n"):  # not splitlines(): it splits at \x1e too
        if line.startswith(_COMMIT):
            when, _, author = line[1:].partition("\t")
            try:
                current = GitChange(datetime.fromisoformat(when), author.strip() or "unknown")
            except ValueError:
                current = None
        elif line.strip() and current is not None:
            changes.setdefault(folder / line.strip(), current)  # newest commit comes first
    return changes


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    """One git command in the folder; None without git or when it cannot run in time."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        return subprocess.run(
            [git, *args], cwd=folder, capture_output=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("git %s in %s failed: %s", args[0], folder, exc)
        return None


def is_repository(folder: Path) -> bool:
    """Whether the folder is inside a git work tree (and git is installed)."""
    result = _git(folder, "rev-parse", "--is-inside-work-tree")
    return result is not None and result.returncode == 0 and result.stdout.strip() == b"true"


def commit_file(path: Path, message: str) -> str:
    """Commit this one file (other staged changes stay staged) with the message; its
    short commit id. Never pushes."""
    text = message.strip()
    if not text:
        raise ValidationError("Say what the change is: the commit needs a message.")
    folder = path.parent
    added = _git(folder, "add", "--", path.name)
    committed = _git(folder, "commit", "-q", "-m", text, "--", path.name) if added else None
    if added is None or committed is None:
        raise ValidationError("git is not installed or did not answer: nothing was committed.")
    for result in (added, committed):
        if result.returncode != 0:
            said = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            last = said.splitlines()[-1] if said else f"exit status {result.returncode}"
            raise ValidationError(f"git could not commit the runbook: {last}")
    head = _git(folder, "rev-parse", "--short", "HEAD")
    return head.stdout.decode().strip() if head is not None else ""
