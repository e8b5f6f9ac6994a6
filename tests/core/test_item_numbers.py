"""Short human numbers for the board's items (H1, A1, D1, F1): stable within a log, given
by the order the opening entries were recorded in this log, never renumbered."""

from __future__ import annotations

from typing import Any

import pytest

from commander_app.core.board import fold_board
from commander_app.core.board_text import render_board
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import Event, Kind
from tests.core.test_board import BERLIN, T0, at, hypothesis, make


def action(text: str, minute: float, **extra: Any) -> Event:
    return make(Kind.ACTION, {"text": text, "owner": "kim"}, minute, **extra)


def decision(text: str, minute: float) -> Event:
    return make(Kind.DECISION, {"text": text}, minute)


def finding(text: str, minute: float, ref: str | None = None) -> Event:
    body: dict[str, Any] = {"text": text}
    if ref:
        body["ref"] = ref
    return make(Kind.FINDING, body, minute)


def recorded(*events: Event) -> dict[str, int]:
    """The order the store wrote them in (its `seq`)."""
    return {e.id: seq for seq, e in enumerate(events, start=1)}


def test_items_are_numbered_per_kind_in_recorded_order() -> None:
    pool, dns = hypothesis("DB pool exhausted", 1), hypothesis("DNS", 2)
    page, found = action("page the DBA", 3), finding("pool at 100%", 4, ref=pool.id)
    roll = decision("Roll back 4812", 5)
    events = [pool, dns, page, found, roll]
    board = fold_board(events, recorded(*events))
    assert [board.number(h.id) for h in board.hypotheses] == ["H1", "H2"]
    assert board.number(page.id) == "A1"
    assert board.number(roll.id) == "D1"
    assert board.number(found.id) == "F1"


def test_a_backfilled_item_takes_the_next_number_and_renumbers_nothing() -> None:
    pool, dns = hypothesis("DB pool exhausted", 10), hypothesis("DNS", 11)
    paper = hypothesis("from the paper notes: a bad deploy", 1)  # happened first, typed last
    board = fold_board([pool, dns, paper], recorded(pool, dns, paper))
    assert board.hypotheses[0].text == paper.body["text"]  # story order is kept
    assert board.number(pool.id) == "H1"
    assert board.number(dns.id) == "H2"
    assert board.number(paper.id) == "H3"


def test_a_merged_item_from_another_laptop_takes_the_next_number_here() -> None:
    mine = hypothesis("DB pool exhausted", 5)
    theirs = make(Kind.HYPOTHESIS, {"text": "DNS"}, 2, recorded_minute=2)  # made earlier, there
    merged = recorded(mine, theirs)  # but it arrived here (imported) after mine
    board = fold_board([theirs, mine], merged)
    assert board.number(mine.id) == "H1"
    assert board.number(theirs.id) == "H2"


def test_corrections_keep_the_number_and_a_withdrawn_item_keeps_its_slot() -> None:
    pool, dns, cache = hypothesis("pool", 1), hypothesis("dns", 2), hypothesis("cache", 3)
    fixed = make(Kind.HYPOTHESIS, {"text": "pool on db-1"}, 4, supersedes=pool.id)
    note = make(Kind.NOTE, {"text": "dns was only a note"}, 5, supersedes=dns.id)
    events = [pool, dns, cache, fixed, note]
    board = fold_board(events, recorded(*events))
    assert sorted((board.number(h.id), h.text) for h in board.hypotheses) == [
        ("H1", "pool on db-1"),
        ("H3", "cache"),
    ]
    assert board.find_hypothesis("h3").text == "cache"
    assert board.find_hypothesis(fixed.id).id == pool.id


def test_numbers_are_accepted_where_ids_are_in_any_case() -> None:
    pool, dns, page = hypothesis("pool", 1), hypothesis("dns", 2), action("page", 3)
    events = [pool, dns, page]
    board = fold_board(events, recorded(*events))
    assert board.find_hypothesis("H2").id == dns.id
    assert board.find_hypothesis(" h2 ").id == dns.id
    assert board.find_action("a1").id == page.id
    with pytest.raises(NotFoundError, match="no hypothesis H7"):
        board.find_hypothesis("H7")
    with pytest.raises(ValidationError, match="A1 is an action, not a hypothesis"):
        board.find_hypothesis("A1")


def test_an_ambiguous_prefix_lists_the_candidates() -> None:
    # Ids made in the same second share their first 8 or 9 characters.
    pool, dns = hypothesis("DB pool exhausted", 1), hypothesis("DNS is flapping", 1)
    events = [pool, dns]
    board = fold_board(events, recorded(*events))
    common = next(i for i in range(26) if pool.id[i] != dns.id[i])
    prefix = pool.id[: max(common, 6)]
    with pytest.raises(ValidationError) as refused:
        board.find_hypothesis(prefix)
    message = str(refused.value)
    assert "matches 2 hypotheses" in message
    assert f"H1  {pool.id}  DB pool exhausted" in message
    assert f"H2  {dns.id}  DNS is flapping" in message


def test_without_a_recorded_order_items_are_numbered_by_id() -> None:
    late_id = hypothesis("typed second", 1)
    board = fold_board([late_id])
    assert board.number(late_id.id) == "H1"


def test_the_terminal_board_leads_with_the_numbers() -> None:
    pool, page, roll = hypothesis("pool", 1), action("page the DBA", 2), decision("Roll back", 3)
    events = [pool, page, roll]
    text = render_board(fold_board(events, recorded(*events)), T0, BERLIN)
    assert f"  H1  {pool.id}  investigating since" in text
    assert f"  A1  {page.id}  [ ] page the DBA" in text
    assert f"  D1  {roll.id}  {at(3)[11:16]}" not in text  # local time, not UTC
    assert f"  D1  {roll.id}  10:03 Roll back" in text
