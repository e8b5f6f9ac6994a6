"""The whole board as plain text for a terminal, with the numbers and ids commands take."""

from __future__ import annotations

from datetime import datetime, tzinfo

from commander_app.core.board import Board, Finding, is_overdue, summary
from commander_app.core.times import format_clock

_INDENT = " " * 34  # under the text column, past the number and a 26-character id


def render_board(board: Board, now: datetime, local_zone: tzinfo) -> str:
    """Everything on the board, open items first; overdue actions marked as of `now`."""

    def when(iso: str) -> str:
        return format_clock(iso, now, local_zone)

    def name(item_id: str) -> str:
        """'H2  01M8…': the number to say, then the id that is the same on every laptop."""
        return f"{board.number(item_id) or '?':<4}{item_id}"

    def finding(f: Finding) -> str:
        return f"{when(f.found_at)} {f.author}: {summary(f.text)}"

    lines = ["Hypotheses"]
    ordered = [*board.open_hypotheses, *board.settled_hypotheses]
    for h in ordered:
        since = "since" if h.is_open else "at"
        owner = f"owner {h.owner}" if h.owner else "no owner"
        lines.append(
            f"  {name(h.id)}  {h.state.value} {since} {when(h.state_changed_at)}: "
            f"{summary(h.text)} ({owner})"
        )
        lines += [f"{_INDENT}{board.number(f.id)} finding {finding(f)}" for f in h.findings]
    if not ordered:
        lines.append("  none yet")
    if board.findings:
        lines += ["Findings not linked to a hypothesis"]
        lines += [f"  {name(f.id)}  {finding(f)}" for f in board.findings]
    lines.append("Actions")
    done = [a for a in board.actions if a.done]
    for a in [*board.open_actions, *done]:
        details = [f"owner {a.owner}" if a.owner else "no owner"]
        if a.due and not a.done:
            details.append(f"due {when(a.due)}" + (", OVERDUE" if is_overdue(a, now) else ""))
        if a.done_at:
            details.append(f"done {when(a.done_at)}")
        mark = "x" if a.done else " "
        lines.append(f"  {name(a.id)}  [{mark}] {summary(a.text)} ({'; '.join(details)})")
    if not board.actions:
        lines.append("  none yet")
    lines.append("Decisions")
    for d in board.decisions:
        notes = [d.author]
        if d.reversible is not None:
            notes.append("reversible" if d.reversible else "not reversible")
        if d.options:
            notes.append("options: " + ", ".join(d.options))
        lines.append(f"  {name(d.id)}  {when(d.decided_at)} {summary(d.text)} ({'; '.join(notes)})")
    if not board.decisions:
        lines.append("  none yet")
    return "\n".join(lines) + "\n"
