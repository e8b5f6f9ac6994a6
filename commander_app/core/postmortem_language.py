"""The postmortem's blame-language check: sentences that ask "who did it?" instead of
"what does this failure reveal about our system?".

It warns and explains; it never refuses text. The reading is a plain heuristic, no
grammar model: a text is cut into sentences, and each sentence is searched for

- a blame phrase from the word list ("human error", "careless", "forgot to"); some
  phrases ("failed to", "should have") only when a person is their subject, since "the
  health check failed to detect" describes the system;
- a person as the subject of a causal verb ("Bob broke", "Bob's change caused", "the
  engineer deleted") or as its agent after "by" ("caused by Bob").

A person is a responder's name the caller passes (whole words, any case, with or
without 's) or a pronoun or role from the word list. The subject of a verb is what
opens its clause: the words after the last comma, semicolon or joining word ("and",
"because", "that", ...) before it. "Bob rolled back the deploy and errors dropped" has
Bob acting in the response and the errors as the subject of "dropped": no finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from commander_app.core.postmortem_words import (
    BlamePhrase,
    BlameWords,
    Explanation,
    same_apostrophes,
    words_pattern,
)

# Words that, between a person and a verb, make the person what the verb happened to
# ("they were ignored"), not who did it.
_PASSIVE = frozenset(["was", "were", "is", "are", "be", "been", "being", "get", "got", "gets"])
_POSSESSIVE_WORDS = frozenset(["my", "our", "your", "his", "her", "their"])
_OWNED_WORDS = 2  # "Bob's config change broke": words that may name what a person owns
_MIN_NAME = 2  # a one-letter "name" would match every "a"

# A clause opens after one of these: the subject of a verb is found after the last one.
_CLAUSE_BREAK = re.compile(
    r"[,;:()\[\]\"“”—–]|\s-\s|(?<![\w-])(?:and|but|or|so|because|then|when|after|before|"
    r"while|since|although|though|until|once|which|who|whom|that|as|if|where|whereas)(?![\w-])",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|$)|\n")
_ABBREVIATIONS = frozenset(
    ["e.g", "i.e", "eg", "ie", "etc", "vs", "approx", "mr", "ms", "mrs", "dr", "no", "fig", "cf"]
)
_WORD_BEFORE = re.compile(r"[\w.]+$")
_TOKENS = re.compile(r"[\w'-]+")
_OPENING = re.compile(r"^[\s\-*•>#\d.)'\"“‘]*")  # bullets, numbers and quotes a clause opens with


@dataclass(frozen=True)
class BlameFinding:
    """One place a sentence reads as blame. Offsets index the text that was checked."""

    sentence: str
    start: int  # the sentence: text[start:end] == sentence
    end: int
    phrase: str  # the words that read as blame, as written: "failed to", "Bob's change broke"
    phrase_start: int  # text[phrase_start:phrase_end] == phrase
    phrase_end: int
    why: str  # one plain sentence: why this reads as blame
    suggestion: str  # how to say it as a condition of the system
    person: str | None = None  # the name, pronoun or role found as the subject, if any


def blame_findings(text: str, people: Iterable[str], words: BlameWords) -> list[BlameFinding]:
    """Every place in `text` that reads as blame, in the order they appear.

    `people`: the names of those in the incident (role holders, authors); a name is
    matched as whole words in any case, with or without 's, and so is the first word
    of a name of several words ("Bob" for "Bob Smith").
    """
    matcher = _matcher(words, _names(people))
    plain = same_apostrophes(text)
    findings: list[BlameFinding] = []
    for start, end in sentence_spans(plain):
        findings.extend(matcher.sentence_findings(text, plain, start, end))
    return findings


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where each sentence is: cut at . ! ? before a space (not after "e.g" or "etc") and
    at every line break, so a bullet list is a list of sentences."""
    spans: list[tuple[int, int]] = []
    start = 0
    for found in _SENTENCE_BREAK.finditer(text):
        if found.group() != "\n" and _is_abbreviation(text[start : found.start()], found.group()):
            continue
        end = found.start() if found.group() == "\n" else found.end()
        spans.append((start, end))
        start = found.end()
    spans.append((start, len(text)))
    trimmed = []
    for first, last in spans:
        piece = text[first:last]
        stripped = piece.strip()
        if stripped:
            first += len(piece) - len(piece.lstrip())
            trimmed.append((first, first + len(stripped)))
    return trimmed


def _is_abbreviation(before: str, stop: str) -> bool:
    if not stop.startswith(".") or len(stop.rstrip("\"'”’)]")) > 1:
        return False
    last = _WORD_BEFORE.search(before)
    return last is not None and last.group().lower() in _ABBREVIATIONS


def _names(people: Iterable[str]) -> tuple[str, ...]:
    names: list[str] = []
    for person in people:
        name = " ".join(same_apostrophes(str(person)).lower().split())
        if len(name) < _MIN_NAME:
            continue
        names.append(name)
        first = name.split()[0]
        if len(first) >= _MIN_NAME and first != name:
            names.append(first)
    return tuple(sorted(set(names)))


@dataclass(frozen=True)
class _Hit:
    phrase_start: int
    phrase_end: int
    explanation: Explanation
    person: str | None
    specific: bool  # a listed phrase: says more than "a person is the cause"


@dataclass(frozen=True)
class _Matcher:
    words: BlameWords
    phrases: tuple[tuple[BlamePhrase, re.Pattern[str]], ...]
    causal: re.Pattern[str] | None
    person: re.Pattern[str] | None  # a person opening a clause
    agent: re.Pattern[str] | None  # "by" and a person, after a verb
    response: re.Pattern[str] | None
    fillers: frozenset[str] = field(default_factory=frozenset)

    def sentence_findings(self, text: str, plain: str, start: int, end: int) -> list[BlameFinding]:
        hits = self._phrase_hits(plain, start, end) + self._cause_hits(plain, start, end)
        kept: list[_Hit] = []
        for hit in sorted(hits, key=lambda h: (not h.specific, h.phrase_start)):
            if all(
                hit.phrase_end <= k.phrase_start or hit.phrase_start >= k.phrase_end for k in kept
            ):
                kept.append(hit)
        return [
            BlameFinding(
                sentence=text[start:end],
                start=start,
                end=end,
                phrase=text[hit.phrase_start : hit.phrase_end],
                phrase_start=hit.phrase_start,
                phrase_end=hit.phrase_end,
                why=hit.explanation.why,
                suggestion=hit.explanation.suggestion,
                person=hit.person,
            )
            for hit in sorted(kept, key=lambda h: h.phrase_start)
        ]

    def _phrase_hits(self, plain: str, start: int, end: int) -> list[_Hit]:
        hits: list[_Hit] = []
        for phrase, pattern in self.phrases:
            for found in pattern.finditer(plain, start, end):
                first = found.start()
                if not phrase.words[0].isalnum():  # "'s fault": with the word it belongs to
                    owner = _WORD_BEFORE.search(plain, start, first)
                    first = owner.start() if owner else first
                person = self._subject(plain[start:first])
                if phrase.needs_person and person is None:
                    continue
                explanation = self.words.explanation(phrase).filled(
                    plain[first : found.end()], person
                )
                hits.append(_Hit(first, found.end(), explanation, person, True))
        return hits

    def _cause_hits(self, plain: str, start: int, end: int) -> list[_Hit]:
        if self.causal is None:
            return []
        hits: list[_Hit] = []
        for verb in self.causal.finditer(plain, start, end):
            before = plain[start : verb.start()]
            person = self._subject(before)
            if person is not None and not self._is_response(plain[verb.end() : end]):
                opened = verb.start() - len(_clause(before)) + _opening(_clause(before))
                hits.append(self._named(plain, opened, verb.end(), person))
                continue
            agent = self.agent.match(plain, verb.end(), end) if self.agent else None
            if agent is not None:
                who = agent.group("who")
                hits.append(self._named(plain, verb.start(), agent.end("who"), who))
        return hits

    def _named(self, plain: str, first: int, last: int, person: str) -> _Hit:
        explanation = self.words.named_cause.filled(plain[first:last], person)
        return _Hit(first, last, explanation, person, False)

    def _subject(self, before: str) -> str | None:
        """The person opening the clause that ends where `before` ends, if a person opens it."""
        if self.person is None:
            return None
        clause = _clause(before)
        found = self.person.match(clause, _opening(clause))
        if found is None:
            return None
        who = found.group("who")
        owns = found.group("owns") is not None or who.lower() in _POSSESSIVE_WORDS
        between = [t.lower() for t in _TOKENS.findall(clause[found.end() :])]
        if any(t in _PASSIVE for t in between):
            return None
        others = [t for t in between if t not in self.fillers]
        allowed = _OWNED_WORDS if owns else 0  # "Bob's config change" / "Bob then"
        return who if len(others) <= allowed else None

    def _is_response(self, after: str) -> bool:
        """Whether the verb's object is the response ("pushed the fix"), up to the clause's end."""
        if self.response is None:
            return False
        clause_end = _CLAUSE_BREAK.search(after)
        return (
            self.response.search(after[: clause_end.start() if clause_end else len(after)])
            is not None
        )


def _clause(before: str) -> str:
    """The clause a verb is in, up to the verb: after the last clause break."""
    breaks = list(_CLAUSE_BREAK.finditer(before))
    return before[breaks[-1].end() :] if breaks else before


def _opening(clause: str) -> int:
    match = _OPENING.match(clause)
    return match.end() if match else 0


def _compile(pattern: str) -> re.Pattern[str] | None:
    return re.compile(pattern, re.IGNORECASE) if pattern else None


@lru_cache(maxsize=32)
def _matcher(words: BlameWords, names: tuple[str, ...]) -> _Matcher:
    """Compiled once per word list and cast of people, not on every keystroke."""
    who = words_pattern((*names, *words.person_words))
    person = f"(?P<who>{who})(?:(?P<owns>'s)|')?(?![\\w-])" if who else ""
    return _Matcher(
        words=words,
        phrases=tuple(
            (phrase, re.compile(words_pattern([phrase.words]), re.IGNORECASE))
            for phrase in words.phrases
        ),
        causal=_compile(words_pattern(words.causal_verbs)),
        person=_compile(person),
        agent=_compile(rf"\s+by\s+{person}") if person else None,
        response=_compile(words_pattern(words.response_words)),
        fillers=frozenset(words.filler_words),
    )
