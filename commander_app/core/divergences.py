"""The divergence register: every change made to production during the incident.

A decision that is a production change (rollback, flag, config, scaling,
failover) is listed under its own id; a change made without a recorded decision
is logged directly. Each is reviewed before the incident closes: reverted, or
made permanent, so nothing is left half-changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from commander_app.core.board import fold_board, summary
from commander_app.core.bodies import DivergenceBody, read_divergence
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.events import clean_name, clean_text
from commander_app.core.model import (
    CHANGE_KINDS,
    Afterwards,
    DecisionKind,
    DivergenceReview,
    Entry,
    Kind,
    story_order,
)

MIN_ID_PREFIX = 6


@dataclass
class Divergence:
    id: str
    change: DecisionKind
    text: str
    by: str
    made_at: str
    afterwards: Afterwards = Afterwards.UNDECIDED
    decision_id: str | None = None  # set when a recorded decision made the change
    review: DivergenceReview | None = None
    reviewed_at: str | None = None
    reviewed_by: str | None = None
    review_note: str | None = None

    @property
    def reviewed(self) -> bool:
        return self.review is not None

    @property
    def review_state(self) -> str:
        return self.review.value.replace("_", " ") if self.review else "not reviewed"


def fold_divergences(events: Iterable[Entry]) -> list[Divergence]:
    """The register from an incident's events, oldest change first."""
    ordered = sorted(events, key=story_order)
    board = fold_board(ordered)
    items: dict[str, Divergence] = {}
    for decision in board.decisions:
        if decision.is_change and decision.decision_kind is not None:
            items[decision.id] = Divergence(
                decision.id,
                decision.decision_kind,
                decision.text,
                decision.author,
                decision.decided_at,
                decision_id=decision.id,
            )
    superseded = {e.supersedes for e in ordered if e.supersedes}
    live = [e for e in ordered if e.kind is Kind.DIVERGENCE and e.id not in superseded]
    roots = dict(board.aliases)
    for event in live:  # corrections of logged changes keep the first entry's id
        if event.supersedes:
            roots[event.id] = roots.get(event.supersedes, event.supersedes)
    for event in live:
        if read_divergence(event).get("ref") is None:
            item_id = roots.get(event.id, event.id)
            items[item_id] = _logged(item_id, event)
    for event in live:
        body = read_divergence(event)
        ref = body.get("ref")
        target = items.get(roots.get(ref, ref)) if ref is not None else None
        if target is not None:
            target.review = DivergenceReview(body["review"])
            target.reviewed_at = event.occurred_at
            target.reviewed_by = event.author
            target.review_note = body.get("note")
    return sorted(items.values(), key=lambda d: (d.made_at, d.id))


def _logged(item_id: str, event: Entry) -> Divergence:
    body = read_divergence(event)
    return Divergence(
        item_id,
        DecisionKind(body["change"]),
        body["text"],
        body.get("by") or event.author,
        event.occurred_at,
        # A null plan passes validate_body but raises ValueError here: a known gap, kept.
        Afterwards(cast(str, body.get("afterwards", Afterwards.UNDECIDED.value))),
    )


def unreviewed(register: Iterable[Divergence]) -> list[Divergence]:
    return [d for d in register if not d.reviewed]


def find_divergence(register: Iterable[Divergence], ref: str) -> Divergence:
    wanted = ref.strip().upper()
    if len(wanted) < MIN_ID_PREFIX:
        raise ValidationError(
            f"Give at least the first {MIN_ID_PREFIX} characters of the change's id."
        )
    matches = [d for d in register if d.id.startswith(wanted)]
    if not matches:
        raise NotFoundError(
            f"There is no production change '{ref.strip()}' in this incident's register."
        )
    if len(matches) > 1:
        raise ValidationError(f"'{ref.strip()}' matches more than one change; type more of the id.")
    return matches[0]


def parse_change(text: str) -> DecisionKind:
    """What a person typed as the kind of a production change: 'Rollback', 'flag'..."""
    choices = ", ".join(kind.value for kind in DecisionKind if kind in CHANGE_KINDS)
    try:
        change = DecisionKind.parse(text)
    except ValidationError:
        change = DecisionKind.OTHER
    if change not in CHANGE_KINDS:
        raise ValidationError(f"Unknown production change '{text}': use one of {choices}.")
    return change


def divergence_body(
    change: DecisionKind, text: str, *, afterwards: Afterwards, by: str | None = None
) -> DivergenceBody:
    """A production change made without a recorded decision (or by another team)."""
    if change not in CHANGE_KINDS:
        raise ValidationError(
            "A production change is a rollback, flag, config, scaling or failover."
        )
    body: DivergenceBody = {
        "text": clean_text(text, "description of the change", 1_000),
        "change": change.value,
        "afterwards": afterwards.value,
    }
    if by is not None and by.strip():
        body["by"] = clean_name(by, "name of who made the change")
    return body


def review_body(
    divergence: Divergence, review: DivergenceReview, note: str | None = None
) -> DivergenceBody:
    if divergence.review is review:
        raise ValidationError(
            f"The change '{summary(divergence.text, 60)}' is already reviewed as "
            f"{divergence.review_state}."
        )
    said = "Reverted" if review is DivergenceReview.REVERTED else "Made permanent"
    body: DivergenceBody = {
        "text": f"{said}: {summary(divergence.text)}",
        "ref": divergence.id,
        "review": review.value,
    }
    if note is not None and note.strip():
        body["note"] = clean_text(note, "note", 1_000)
    return body


def resolve_refusal(
    pending: list[Divergence],
    way_out: str = "Review them first, or confirm that the incident is resolved anyway.",
) -> str:
    """Why resolving waits for a confirmation: the changes nobody has reviewed."""
    count = len(pending)
    noun = "production change is" if count == 1 else "production changes are"
    listed = "; ".join(f"{d.change.value}: {summary(d.text, 60)}" for d in pending[:5])
    more = f"; and {count - 5} more" if count > 5 else ""
    return f"{count} {noun} not reviewed (reverted or made permanent): {listed}{more}. {way_out}"


def divergence_dict(d: Divergence) -> dict[str, Any]:
    return {
        "id": d.id,
        "change": d.change.value,
        "text": d.text,
        "by": d.by,
        "made_at": d.made_at,
        "afterwards": d.afterwards.value,
        "decision_id": d.decision_id,
        "review": d.review.value if d.review else None,
        "reviewed_at": d.reviewed_at,
        "reviewed_by": d.reviewed_by,
        "review_note": d.review_note,
    }


def register_lines(register: list[Divergence], when: Callable[[str], str]) -> list[str]:
    """The register as lines of text, unreviewed first; `when` formats a stored time."""
    if not register:
        return ["  none"]
    ordered = [*unreviewed(register), *(d for d in register if d.reviewed)]
    lines = []
    for d in ordered:
        plan = "" if d.afterwards is Afterwards.UNDECIDED else f"; afterwards: {_plan(d)}"
        review = (
            f"{d.review_state} {when(d.reviewed_at)} by {d.reviewed_by}"
            if d.reviewed and d.reviewed_at
            else "NOT REVIEWED"
        )
        lines.append(
            f"  {d.id}  {when(d.made_at)} {d.change.value} by {d.by}: {summary(d.text)}"
            f" ({review}{plan})"
        )
    return lines


def _plan(d: Divergence) -> str:
    return d.afterwards.value.replace("_", " ")
