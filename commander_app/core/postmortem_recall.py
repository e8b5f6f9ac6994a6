"""Postmortems read again: when an incident looks like an earlier one, its contributing
factors and its still-open follow-ups are put in front of the people handling it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Words too common in incident titles to say two incidents are alike.
_COMMON = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "into",
        "after",
        "before",
        "during",
        "on",
        "in",
        "at",
        "of",
        "to",
        "a",
        "an",
        "is",
        "are",
        "was",
        "were",
        "not",
        "no",
        "all",
        "some",
        "high",
        "low",
        "errors",
        "error",
        "issue",
        "issues",
        "problem",
        "problems",
        "incident",
        "outage",
        "degraded",
        "degradation",
        "slow",
        "failing",
        "failed",
        "fails",
        "down",
        "up",
        "users",
        "customers",
        "service",
    ]
)
_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)


def title_terms(title: str) -> list[str]:
    """The words of a title that can tell incidents apart, in order, once each."""
    words = [w.lower() for w in _WORD.findall(title)]
    return list(dict.fromkeys(w for w in words if w not in _COMMON))


def _stem(word: str) -> str:
    return word[:5]  # 'payments' ~ 'payment', 'checkout' ~ 'checkouts': close enough here


def shared_terms(terms: Sequence[str], texts: Iterable[str]) -> set[str]:
    """The terms that also appear (loosely) in the texts."""
    seen = {_stem(w) for text in texts for w in title_terms(text)}
    return {t for t in terms if _stem(t) in seen}


def alike(terms: Sequence[str], shared: set[str]) -> bool:
    """Two distinctive words in common, or the only one a short title has."""
    return len(shared) >= min(2, len(terms)) and bool(shared)


@dataclass(frozen=True)
class EarlierIncident:
    incident_id: str
    title: str
    opened_at: str | None
    is_drill: bool
    factors: tuple[str, ...]  # "Deploy safety: config pushed without a canary"
    open_items: tuple[str, ...]  # "A2 Alert on p99 (Kim)"
    items_total: int
    shared: tuple[str, ...]

    def line(self) -> str:
        when = f" on {self.opened_at[:10]}" if self.opened_at else ""
        drill = " (a drill)" if self.is_drill else ""
        items = (
            f"{len(self.open_items)} of its {self.items_total} follow-ups are still open"
            if self.items_total
            else "it has no follow-ups"
        )
        return f"This looks like “{self.title}”{drill}{when}: {items}."
