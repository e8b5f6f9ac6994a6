"""Turning what a person types in a search box into a safe FTS5 query."""

from __future__ import annotations

import re

from commander_app.core.errors import ValidationError

_TOKEN = re.compile(r'"[^"]*"|\S+')


def fts_query(text: str) -> str:
    """Every word must match (in any order); "quoted words" match as a phrase;
    a trailing * matches a prefix. Operators and punctuation are literal text,
    so no search can raise an FTS syntax error."""
    terms = []
    for token in _TOKEN.findall(text or ""):
        if len(token) >= 2 and token.startswith('"') and token.endswith('"'):
            word, prefix = token[1:-1], False
        else:
            prefix = token.endswith("*")
            word = token.replace('"', " ").rstrip("*")
        word = word.replace('"', '""').strip()
        if not word or not re.search(r"\w", word):
            continue
        terms.append(f'"{word}"' + ("*" if prefix else ""))
    if not terms:
        raise ValidationError("Type at least one word to search for.")
    return " ".join(terms)
