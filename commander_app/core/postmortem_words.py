"""The word lists of the postmortem's checks, read from TOML text a team can extend.

The blame-language check (core/postmortem_language.py) and the action-item check
(core/follow_up_text.py) read their words from such files: the shipped ones, and a
team's, whose words are added. A mistake in a file is refused with the file's name and
the key at fault, never half-applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from commander_app.core.errors import ValidationError
from commander_app.core.toml_text import load_toml

SHIPPED_BLAME = "the shipped blame words"
SHIPPED_ACTION = "the shipped action words"
MAX_PHRASES = 2_000
_BLAME_LISTS = ("causal_verbs", "person_words", "filler_words", "response_words")
_BLAME_KEYS = (*_BLAME_LISTS, "phrase", "named_cause", "general")
_ACTION_LISTS = (
    "verbs",
    "investigation_verbs",
    "open_ended_verbs",
    "joining_words",
    "deliverable_words",
    "vague_phrases",
)
_SYMPTOM_LISTS = ("adjust_verbs", "adjusted_things", "phrases")

MAX_WORDS = 2_000  # entries in one list: a word list, not a dictionary
MAX_WORD = 80  # characters in one word or phrase
MAX_EXPLANATION = 500  # characters in a why or a suggestion

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
_WORD_CHAR = re.compile(r"\w")


def same_apostrophes(text: str) -> str:
    """’ and ' read the same; the text keeps its length, so offsets still point into it."""
    return text.translate(_APOSTROPHES)


def _read_toml(text: str, where: str, known: Iterable[str]) -> dict[str, Any]:
    """The file's tables; a key the file format does not have is refused (a typo would
    otherwise be ignored without a word)."""
    data = load_toml(text, where)
    allowed = set(known)
    unknown = sorted(key for key in data if key not in allowed)
    if unknown:
        raise ValidationError(
            f"{where} has {_keys(unknown)} that Commander does not know; "
            f"the keys are {_keys(sorted(allowed))}."
        )
    return data


def _keys(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _word(value: object, what: str) -> str:
    """One word or phrase as it is matched: lower case, one space between words."""
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be text in quotes.")
    cleaned = " ".join(same_apostrophes(value).lower().split())
    if not _WORD_CHAR.search(cleaned):
        raise ValidationError(f"{what} must contain a letter or a digit.")
    if len(cleaned) > MAX_WORD:
        raise ValidationError(f"{what} is longer than {MAX_WORD} characters.")
    return cleaned


def _word_list(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """The list under `key` (empty when the file leaves it out), each entry checked."""
    raw = data.get(key, [])
    if not isinstance(raw, list):
        raise ValidationError(f'{where}: {key} must be a list of words in quotes, ["a", "b"].')
    if len(raw) > MAX_WORDS:
        raise ValidationError(f"{where}: {key} has {len(raw):,} entries; at most {MAX_WORDS:,}.")
    return _union(_word(entry, f"{where}: {key}, entry {n}") for n, entry in enumerate(raw, 1))


def _explanation_text(value: object, what: str) -> str:
    """A why or a suggestion: one plain line, shown to the person writing."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what} must be a sentence in quotes.")
    text = " ".join(value.split())
    if len(text) > MAX_EXPLANATION:
        raise ValidationError(f"{what} is longer than {MAX_EXPLANATION} characters.")
    return text


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any] | None:
    raw = data.get(key)
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{where}: [{key}] must be a table.")
    return raw


def _union(*lists: Iterable[str]) -> tuple[str, ...]:
    """Every entry once, in the order first seen: the shipped words first."""
    return tuple(dict.fromkeys(entry for entries in lists for entry in entries))


def words_pattern(words: Iterable[str]) -> str:
    """A regular expression matching any of `words` as whole words (longest first), with
    any run of spaces between a phrase's words. Empty when there are no words."""
    alternatives = [_one_pattern(w) for w in sorted(set(words), key=lambda w: (-len(w), w))]
    return "|".join(alternatives)


def _one_pattern(phrase: str) -> str:
    body = r"\s+".join(re.escape(part) for part in phrase.split())
    before = r"(?<![\w-])" if _WORD_CHAR.match(phrase[0]) else ""
    after = r"(?![\w-])" if _WORD_CHAR.match(phrase[-1]) else ""
    return f"{before}{body}{after}"


# -- the blame words ------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """What a finding says. `{phrase}` stands for the words found, `{person}` for the
    person named."""

    why: str
    suggestion: str

    def filled(self, phrase: str, person: str | None) -> Explanation:
        return Explanation(_fill(self.why, phrase, person), _fill(self.suggestion, phrase, person))


def _fill(text: str, phrase: str, person: str | None) -> str:
    return text.replace("{phrase}", phrase).replace("{person}", person or "a person")


@dataclass(frozen=True)
class BlamePhrase:
    words: str  # lower case, one space between words, ' for every apostrophe
    needs_person: bool = False  # only when a person is the phrase's subject ("Bob failed to")
    why: str | None = None  # None: the list's general explanation
    suggestion: str | None = None


@dataclass(frozen=True)
class BlameWords:
    """Everything the blame-language check looks for; the shipped list joined with a team's."""

    phrases: tuple[BlamePhrase, ...]
    causal_verbs: tuple[str, ...]
    person_words: tuple[str, ...]
    named_cause: Explanation  # a person as the subject of a causal verb
    general: Explanation  # a phrase without its own explanation
    filler_words: tuple[str, ...] = ()
    response_words: tuple[str, ...] = ()

    def explanation(self, phrase: BlamePhrase) -> Explanation:
        return Explanation(
            phrase.why or self.general.why, phrase.suggestion or self.general.suggestion
        )


def parse_blame_words(
    text: str, where: str = SHIPPED_BLAME, base: BlameWords | None = None
) -> BlameWords:
    """The words in a blame-words TOML file's text.

    Without `base` the file is the whole list and must have [named_cause] and
    [general]. With `base` it extends it: each list is added to the base's, a [[phrase]]
    with the same words replaces the base's explanation of them, and a [named_cause] or
    [general] table replaces the base's.
    """
    data = _read_toml(text, where, _BLAME_KEYS)
    lists = {key: _word_list(data, key, where) for key in _BLAME_LISTS}
    phrases = _phrases(data, where)
    named_cause = _explanation(data, "named_cause", where)
    general = _explanation(data, "general", where)
    if base is None:
        if named_cause is None or general is None:
            missing = [key for key in ("named_cause", "general") if data.get(key) is None]
            tables = " and ".join(f"[{key}]" for key in missing)
            raise ValidationError(f"{where} has no {tables} table with why and suggestion.")
        if not phrases and not lists["causal_verbs"]:
            raise ValidationError(
                f"{where} has no [[phrase]] and no causal_verbs: nothing to look for."
            )
        base = BlameWords((), (), (), named_cause, general)
    replaced = {phrase.words: phrase for phrase in phrases}
    kept = tuple(replaced.pop(phrase.words, phrase) for phrase in base.phrases)
    return BlameWords(
        phrases=kept + tuple(replaced.values()),
        causal_verbs=_union(base.causal_verbs, lists["causal_verbs"]),
        person_words=_union(base.person_words, lists["person_words"]),
        filler_words=_union(base.filler_words, lists["filler_words"]),
        response_words=_union(base.response_words, lists["response_words"]),
        named_cause=named_cause or base.named_cause,
        general=general or base.general,
    )


def _phrases(data: Mapping[str, Any], where: str) -> tuple[BlamePhrase, ...]:
    raw = data.get("phrase", [])
    if not isinstance(raw, list):
        raise ValidationError(f"{where}: phrase must be [[phrase]] tables with words.")
    if len(raw) > MAX_PHRASES:
        raise ValidationError(f"{where} has {len(raw):,} phrases; at most {MAX_PHRASES:,}.")
    found: dict[str, BlamePhrase] = {}
    for number, entry in enumerate(raw, start=1):
        what = f"{where}, phrase {number}"
        if not isinstance(entry, Mapping):
            raise ValidationError(f"{what}: must be a [[phrase]] table with words.")
        unknown = sorted(set(entry) - {"words", "needs_person", "why", "suggestion"})
        if unknown:
            raise ValidationError(
                f"{what}: '{unknown[0]}' is not a phrase key; use words, needs_person, "
                "why and suggestion."
            )
        words = _word(entry.get("words"), f"{what}: words")
        needs_person = entry.get("needs_person", False)
        if not isinstance(needs_person, bool):
            raise ValidationError(f"{what}: needs_person must be true or false.")
        why = entry.get("why")
        suggestion = entry.get("suggestion")
        found[words] = BlamePhrase(
            words,
            needs_person,
            None if why is None else _explanation_text(why, f"{what}: why"),
            None if suggestion is None else _explanation_text(suggestion, f"{what}: suggestion"),
        )
    return tuple(found.values())


def _explanation(data: Mapping[str, Any], key: str, where: str) -> Explanation | None:
    raw = _table(data, key, where)
    if raw is None:
        return None
    unknown = sorted(set(raw) - {"why", "suggestion"})
    if unknown:
        raise ValidationError(f"{where}: [{key}] has '{unknown[0]}'; it takes why and suggestion.")
    return Explanation(
        _explanation_text(raw.get("why"), f"{where}: [{key}] why"),
        _explanation_text(raw.get("suggestion"), f"{where}: [{key}] suggestion"),
    )


# -- the action words -----------------------------------------------------------------


@dataclass(frozen=True)
class ActionWords:
    """Everything the action-item check reads; the shipped list joined with a team's."""

    verbs: tuple[str, ...]
    investigation_verbs: tuple[str, ...] = ()
    open_ended_verbs: tuple[str, ...] = ()
    joining_words: tuple[str, ...] = ()
    deliverable_words: tuple[str, ...] = ()
    vague_phrases: tuple[str, ...] = ()
    adjust_verbs: tuple[str, ...] = ()  # symptom fix: "raise" ...
    adjusted_things: tuple[str, ...] = ()  # ... "the timeout"
    symptom_phrases: tuple[str, ...] = ()  # symptom fix on its own: "restart", "add capacity"


def parse_action_words(
    text: str, where: str = SHIPPED_ACTION, base: ActionWords | None = None
) -> ActionWords:
    """The words in an action-words TOML file's text; with `base`, added to its lists."""
    data = _read_toml(text, where, (*_ACTION_LISTS, "symptom_fix"))
    lists = {key: _word_list(data, key, where) for key in _ACTION_LISTS}
    symptom = _symptom_lists(data, where)
    if base is None:
        if not lists["verbs"]:
            raise ValidationError(
                f"{where} has no verbs: list the verbs an action item starts with."
            )
        base = ActionWords(verbs=())
    return ActionWords(
        verbs=_union(base.verbs, lists["verbs"]),
        investigation_verbs=_union(base.investigation_verbs, lists["investigation_verbs"]),
        open_ended_verbs=_union(base.open_ended_verbs, lists["open_ended_verbs"]),
        joining_words=_union(base.joining_words, lists["joining_words"]),
        deliverable_words=_union(base.deliverable_words, lists["deliverable_words"]),
        vague_phrases=_union(base.vague_phrases, lists["vague_phrases"]),
        adjust_verbs=_union(base.adjust_verbs, symptom["adjust_verbs"]),
        adjusted_things=_union(base.adjusted_things, symptom["adjusted_things"]),
        symptom_phrases=_union(base.symptom_phrases, symptom["phrases"]),
    )


def _symptom_lists(data: Mapping[str, Any], where: str) -> dict[str, tuple[str, ...]]:
    raw = _table(data, "symptom_fix", where) or {}
    unknown = sorted(set(raw) - set(_SYMPTOM_LISTS))
    if unknown:
        raise ValidationError(
            f"{where}: [symptom_fix] has '{unknown[0]}'; it takes "
            "adjust_verbs, adjusted_things and phrases."
        )
    return {key: _word_list(raw, key, f"{where}, [symptom_fix]") for key in _SYMPTOM_LISTS}
