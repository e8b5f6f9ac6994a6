"""The word lists of the postmortem's checks: shipped in the package, extended by a
team's files in the data directory (their words are added; nothing shipped is lost)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from commander_app.core.errors import ValidationError
from commander_app.core.postmortem_words import (
    ActionWords,
    BlameWords,
    parse_action_words,
    parse_blame_words,
)
from commander_app.store import environment

BLAME_WORDS_FILE = "blame-words.toml"
ACTION_WORDS_FILE = "action-words.toml"
WAY_OUT = "Fix the file, or delete it to use the shipped words only."


def blame_words_path() -> Path:
    return environment.data_dir() / BLAME_WORDS_FILE


def action_words_path() -> Path:
    return environment.data_dir() / ACTION_WORDS_FILE


@cache
def shipped_blame_words() -> BlameWords:
    return parse_blame_words(environment.shipped_text("postmortem", "blame_words.toml"))


@cache
def shipped_action_words() -> ActionWords:
    return parse_action_words(environment.shipped_text("postmortem", "action_words.toml"))


def load_blame_words(path: Path | None = None) -> BlameWords:
    """The shipped blame words with the team's file's words added, if there is one.

    A file that cannot be used is refused with its name and the problem, never
    skipped in silence: the team wrote those words to be warned about them.
    """
    path = path or blame_words_path()
    text = environment.read_settings_file(path, "blame words file", WAY_OUT)
    if text is None:
        return shipped_blame_words()
    try:
        return parse_blame_words(text, f"The blame words file {path}", shipped_blame_words())
    except ValidationError as exc:
        raise ValidationError(f"{exc} {WAY_OUT}") from None


def load_action_words(path: Path | None = None) -> ActionWords:
    """The shipped action words with the team's file's words added, if there is one."""
    path = path or action_words_path()
    text = environment.read_settings_file(path, "action words file", WAY_OUT)
    if text is None:
        return shipped_action_words()
    try:
        return parse_action_words(text, f"The action words file {path}", shipped_action_words())
    except ValidationError as exc:
        raise ValidationError(f"{exc} {WAY_OUT}") from None
