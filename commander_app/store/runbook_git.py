"""Who last changed each runbook and when, when the folder is a git repository and git
is installed: one `git log` over the folder, with a timeout. Without git, or outside a
repository, there is simply nothing to show; nothing fails."""

from __future__ import annotations

import logging
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

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
