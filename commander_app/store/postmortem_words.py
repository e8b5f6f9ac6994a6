"""The word lists of the postmortem's checks: shipped in the package, extended by a
team's files in the data directory (their words are added; nothing shipped is lost)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from commander_app.core.errors import ValidationError
from commander_app.core.postmortem_words import (
    ActionWords,
    BlameWords,
    parse_action_words,
    parse_blame_words,
)
from commander_app.store import environment

RESOURCES = "commander_app.resources"
BLAME_WORDS_FILE = "blame-words.toml"
ACTION_WORDS_FILE = "action-words.toml"
WAY_OUT = "Fix the file, or delete it to use the shipped words only."


def blame_words_path() -> Path:
    return environment.data_dir() / BLAME_WORDS_FILE


def action_words_path() -> Path:
    return environment.data_dir() / ACTION_WORDS_FILE


@cache
def _shipped_text(name: str) -> str:
    """Read once per process: the package's files do not change while it runs."""
    return resources.files(RESOURCES).joinpath("postmortem", name).read_text(encoding="utf-8")


@cache
def shipped_blame_words() -> BlameWords:
    return parse_blame_words(_shipped_text("blame_words.toml"))


@cache
def shipped_action_words() -> ActionWords:
    return parse_action_words(_shipped_text("action_words.toml"))


def load_blame_words(path: Path | None = None) -> BlameWords:
    """The shipped blame words with the team's file's words added, if there is one.

    A file that cannot be used is refused with its name and the problem, never
    skipped in silence: the team wrote those words to be warned about them.
    """
    path = path or blame_words_path()
    text = _read(path, "blame words file")
    if text is None:
        return shipped_blame_words()
    try:
        return parse_blame_words(text, f"The blame words file {path}", shipped_blame_words())
    except ValidationError as exc:
        raise ValidationError(f"{exc} {WAY_OUT}") from None


def load_action_words(path: Path | None = None) -> ActionWords:
    """The shipped action words with the team's file's words added, if there is one."""
    path = path or action_words_path()
    text = _read(path, "action words file")
    if text is None:
        return shipped_action_words()
    try:
        return parse_action_words(text, f"The action words file {path}", shipped_action_words())
    except ValidationError as exc:
        raise ValidationError(f"{exc} {WAY_OUT}") from None


def _read(path: Path, what: str) -> str | None:
    """The file's text, None when there is none; a file that cannot be read is refused."""
    try:
        return environment.read_text_bounded(path, environment.SETTINGS_FILE_LIMIT)
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ValidationError(f"The {what} {path} is not UTF-8 text. {WAY_OUT}") from None
    except environment.FileTooLargeError as exc:
        raise ValidationError(f"The {what} {exc} {WAY_OUT}") from None
    except OSError as exc:
        raise ValidationError(f"Cannot read the {what} {path}: {exc.strerror}. {WAY_OUT}") from None
