"""Whether a follow-up's text reads as a commitment, and whether it only fixes a symptom.

An action item is a commitment: it starts with a verb, in the form of an instruction
("Add", "Page", "Alert on"), and says when it is done. The check returns the problems
in the writer's words, each with a way to say it better; whether to accept the item
anyway (with a reason) is the caller's decision.

The rules, in the order they are tried (the first that applies is the one reported,
except that every vague phrase is named):

- a promise to try harder ("be more careful", "remember to") is vague wherever it is;
- the text must start with a listed verb ("Database monitoring" does not);
- an investigation ("Investigate", "Look into", "Check") delivers something only when
  it says what: a joining word and a verb ("... and write up the cause", "... then add
  an alert") or a deliverable phrase ("... so that", "... until");
- an open-ended verb ("Improve", "Optimise") needs the same, or a number to reach
  ("Improve checkout p99 latency to under 300 ms");
- fewer than three words cannot say when the work is done ("Add alerts").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from commander_app.core.postmortem_words import ActionWords, same_apostrophes, words_pattern

MIN_WORDS = 3
QUOTED = 60  # characters of the item repeated in a message

_OPENING = re.compile(r"^[\s\-*•>#\d.)\]\"'“‘]*")  # bullets and numbers before the text
_TOKENS = re.compile(r"[\w'-]+")
_DIGIT = re.compile(r"\d")
_CLAUSE_BREAK = re.compile(r"[,;:()]|(?<![\w-])(?:and|then|also|plus)(?![\w-])")
_ARTICLES = frozenset(["the", "a", "an"])
_LEAD = 1  # words a symptom fix may come after in its clause: "temporarily raise"
_THING_WITHIN = 3  # words between an adjusting verb and what it adjusts: "raise db pool limit"
_PHRASE_GAP = 2  # words a symptom phrase may skip between its words: "clear the redis cache"

EXAMPLE = "'Add an alert on checkout errors above 2% for 5 minutes'"


def action_text_problems(text: str, words: ActionWords) -> list[str]:
    """What keeps `text` from reading as a commitment; empty when nothing does."""
    item = _item(text)
    if not item:
        return [f"The action item is empty: say what will be done, e.g. {EXAMPLE}."]
    patterns = _patterns(words)
    quote = _quote(item)
    vague = _found_once(patterns.vague, item)
    if vague:
        return [
            f"“{phrase}” asks people to try harder, which changes nothing in the system. "
            "Name the change that makes the slip hard to make, e.g. 'Add a confirmation "
            "prompt to production deploys'."
            for phrase in vague
        ]
    opening = patterns.verb.match(item) if patterns.verb else None
    if opening is None:
        return [_no_verb(item, quote, words)]
    rest = item[opening.end() :]
    verb = opening.group().lower()
    if verb in words.investigation_verbs and not patterns.delivers(rest):
        return [
            f"“{quote}” is an investigation, not a commitment: say what it delivers, e.g. "
            "'Investigate the cache evictions and write up the cause in the postmortem'."
        ]
    if verb in words.open_ended_verbs and not (patterns.delivers(rest) or _DIGIT.search(rest)):
        return [
            f"“{quote}” has no end: say what is true when it is done, e.g. 'Improve checkout "
            "p99 latency to under 300 ms' or '... so that a slow replica pages the on-call'."
        ]
    if len(_TOKENS.findall(item)) < MIN_WORDS:
        return [
            f"“{quote}” is too short to say when it is done: say what exists when it is "
            f"finished, e.g. {EXAMPLE}."
        ]
    return []


def is_symptom_fix(text: str, words: ActionWords) -> bool:
    """Whether the item only treats the symptom (raise a timeout, restart, silence an
    alert, add capacity), so the follow-ups need a systemic twin beside it.

    Read at the start of the item or of one of its clauses, "the", "a" and "an" skipped:
    "Page the DBA and raise the timeout" is one, "Add an alert on restart loops" is not.
    """
    lowered = same_apostrophes(text).lower()
    adjust = {tuple(w.split()) for w in words.adjust_verbs}
    things = [tuple(w.split()) for w in words.adjusted_things]
    phrases = [tuple(w.split()) for w in words.symptom_phrases]
    for clause in _CLAUSE_BREAK.split(lowered):
        tokens = [t for t in _TOKENS.findall(clause) if t not in _ARTICLES]
        for lead in range(min(_LEAD + 1, len(tokens))):
            if any(_spread_match(tokens, lead, phrase) for phrase in phrases):
                return True
            if (tokens[lead],) in adjust and any(
                _contiguous_at(tokens, at, thing)
                for at in range(lead + 1, lead + 2 + _THING_WITHIN)
                for thing in things
            ):
                return True
    return False


def _spread_match(tokens: list[str], at: int, phrase: tuple[str, ...]) -> bool:
    """`phrase` from tokens[at], its words in order, each within a couple of the last."""
    if not phrase or tokens[at] != phrase[0]:
        return False
    position = at
    for part in phrase[1:]:
        window = tokens[position + 1 : position + 2 + _PHRASE_GAP]
        if part not in window:
            return False
        position += 1 + window.index(part)
    return True


def _contiguous_at(tokens: list[str], at: int, thing: tuple[str, ...]) -> bool:
    return tuple(tokens[at : at + len(thing)]) == thing


def _item(text: str) -> str:
    """The item without bullets and with one space between words."""
    cleaned = " ".join(same_apostrophes(text).split())
    opening = _OPENING.match(cleaned)
    return cleaned[opening.end() if opening else 0 :]


def _quote(item: str) -> str:
    return item if len(item) <= QUOTED else item[: QUOTED - 1].rstrip() + "…"


def _found_once(pattern: re.Pattern[str] | None, item: str) -> list[str]:
    if pattern is None:
        return []
    found = dict.fromkeys(match.group() for match in pattern.finditer(item))
    return list(found)


def _no_verb(item: str, quote: str, words: ActionWords) -> str:
    first = _TOKENS.match(item)
    verb = _verb_of(first.group().lower(), words) if first else None
    if verb is not None:
        return (
            f"“{quote}” describes the work instead of committing to it: write it as an "
            f"instruction starting with '{verb.capitalize()}', and say when it is done."
        )
    return (
        f"“{quote}” does not start with a verb, so it does not say what will be done. "
        f"Start with the action, e.g. {EXAMPLE}."
    )


def _verb_of(form: str, words: ActionWords) -> str | None:
    """The listed verb an -ing, -ed or -s form comes from: "adding" -> "add"."""
    known = {
        w.split()[0] for w in (*words.verbs, *words.investigation_verbs, *words.open_ended_verbs)
    }
    stems: list[str] = []
    if form.endswith("ing"):
        stems += [form[:-3], form[:-3] + "e", form[:-4]]
    if form.endswith("ed"):
        stems += [form[:-2], form[:-1], form[:-3]]
    if form.endswith("es"):
        stems.append(form[:-2])
    if form.endswith("s"):
        stems.append(form[:-1])
    return next((stem for stem in stems if stem in known), None)


@dataclass(frozen=True)
class _Patterns:
    verb: re.Pattern[str] | None  # a listed verb opening the item
    vague: re.Pattern[str] | None
    then_commit: re.Pattern[str] | None  # "and write up", "then add"
    deliverable: re.Pattern[str] | None

    def delivers(self, rest: str) -> bool:
        return any(p is not None and p.search(rest) for p in (self.then_commit, self.deliverable))


def _compile(pattern: str) -> re.Pattern[str] | None:
    return re.compile(pattern, re.IGNORECASE) if pattern else None


@lru_cache(maxsize=8)
def _patterns(words: ActionWords) -> _Patterns:
    """Compiled once per word list, not on every keystroke."""
    opening = words_pattern((*words.verbs, *words.investigation_verbs, *words.open_ended_verbs))
    joining = words_pattern(words.joining_words)
    commit = words_pattern(words.verbs)
    return _Patterns(
        verb=_compile(f"(?:{opening})") if opening else None,
        vague=_compile(words_pattern(words.vague_phrases)),
        then_commit=_compile(rf"(?:{joining})\s+(?:{commit})") if joining and commit else None,
        deliverable=_compile(words_pattern(words.deliverable_words)),
    )
