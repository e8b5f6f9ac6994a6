"""Short human numbers for the board's items: H1, H2 for hypotheses, A1 for actions,
D1 for decisions, F1 for findings, within one incident.

Ids made in the same second share their first 8 or 9 characters, so nobody can say
one aloud at 3 a.m. A number can be said and typed.

The rule: each kind's items are numbered in the order their opening entries were
recorded in this log (the store's insertion order, `events.seq`), ties and entries
of unknown order last, by id. That order only grows: an entry backfilled from paper
notes (an early `occurred_at`), a bundle imported twice, or another laptop's log
merged in later all get the next numbers, and no item is ever renumbered. A
withdrawn item (corrected into a note) keeps its number unused; a correction keeps
its item's number. The price: numbers belong to one log. After two laptops merge,
an item made on the other one carries the next number here and its own number
there; across laptops the full id (shown beside the number) is the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from commander_app.core.bodies import read_board
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import Entry, Kind

PREFIXES = {Kind.HYPOTHESIS: "H", Kind.ACTION: "A", Kind.DECISION: "D", Kind.FINDING: "F"}
KIND_NAMES = {"H": "hypothesis", "A": "action", "D": "decision", "F": "finding"}
_NUMBER = re.compile(r"^([HADF])(\d{1,6})$")
_UNKNOWN = 1 << 62  # an entry whose recorded order was not given: after every known one
MIN_ID_PREFIX = 6


def parse_number(ref: str) -> tuple[str, int] | None:
    """('H', 2) for 'H2', 'h2' or ' H2 '; None for anything else (an id or its prefix:
    a ULID starts with a digit, so the two never collide)."""
    match = _NUMBER.match(ref.strip().upper())
    return (match[1], int(match[2])) if match else None


def number_items(
    entries: Iterable[Entry], roots: Mapping[str, str], recorded: Mapping[str, int] | None
) -> dict[str, str]:
    """Each item's number, by its id (the first entry of its chain of corrections).

    `entries` are the board's entries, superseded ones included (a withdrawn item keeps
    its slot); `roots` maps a correction to its item; `recorded` is each entry's
    position in the log's recorded order. An item's place is that of its first
    opening entry of the kind: an update (`ref`) opens nothing, a finding always does.
    """
    order = recorded or {}
    first: dict[str, dict[str, tuple[int, str]]] = {prefix: {} for prefix in KIND_NAMES}
    for entry in entries:
        prefix = PREFIXES.get(entry.kind)
        if prefix is None or (entry.kind is not Kind.FINDING and read_board(entry).get("ref")):
            continue
        item = roots.get(entry.id, entry.id)
        key = (order.get(entry.id, _UNKNOWN), entry.id)
        placed = first[prefix]
        if item not in placed or key < placed[item]:
            placed[item] = key
    numbers: dict[str, str] = {}
    for prefix, placed in first.items():
        for position, item in enumerate(sorted(placed, key=placed.__getitem__), start=1):
            numbers[item] = f"{prefix}{position}"
    return numbers


def find_item(
    ref: str,
    texts: Mapping[str, str],
    prefix: str,
    numbers: Mapping[str, str],
    aliases: Mapping[str, str],
) -> str:
    """The id of the item `ref` names among `texts` (item id -> its text), all of kind
    `prefix`: by its number (any case), its id, a correction's id, or a unique prefix of
    at least MIN_ID_PREFIX characters of either. An ambiguous prefix is refused with
    the candidates listed, so the user can pick one without another command."""
    what = KIND_NAMES[prefix]
    wanted = ref.strip().upper()

    def order(item_id: str) -> tuple[int, str]:
        digits = numbers.get(item_id, "")[1:]
        return (int(digits) if digits else _UNKNOWN, item_id)

    number = parse_number(wanted)
    if number is not None:
        if number[0] != prefix:
            other = KIND_NAMES[number[0]]
            raise ValidationError(
                f"{wanted} is {'an' if other[0] in 'aeiou' else 'a'} {other}, not a {what}; "
                f"{what} numbers start with {prefix}."
            )
        found = next((i for i in texts if numbers.get(i) == wanted), None)
        if found is None:
            shown = [numbers.get(i, "?") for i in sorted(texts, key=order)]
            listed = f" (on the board: {', '.join(shown)})" if shown else ""
            raise NotFoundError(f"There is no {what} {wanted} on this incident's board{listed}.")
        return found
    if len(wanted) < MIN_ID_PREFIX:
        raise ValidationError(
            f"Give the {what}'s number ({prefix}1, {prefix}2, … as the board shows) "
            f"or at least the first {MIN_ID_PREFIX} characters of its id."
        )
    names = [*texts, *(alias for alias, root in aliases.items() if root in texts)]
    matches = sorted({aliases.get(n, n) for n in names if n.startswith(wanted)}, key=order)
    if not matches:
        raise NotFoundError(f"There is no {what} '{ref.strip()}' on this incident's board.")
    if len(matches) > 1:
        plural = "hypotheses" if what == "hypothesis" else f"{what}s"
        candidates = "\n".join(
            f"  {numbers.get(m, '?')}  {m}  {_first_line(texts[m])}" for m in matches
        )
        raise ValidationError(
            f"'{ref.strip()}' matches {len(matches)} {plural}; give its number "
            f"or more of the id:\n{candidates}"
        )
    return matches[0]


def _first_line(text: str, limit: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
