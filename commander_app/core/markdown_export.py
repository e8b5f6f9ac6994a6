"""The incident as a Markdown document, for a wiki page or a postmortem draft."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo

from commander_app.core.board import Board, Decision, fold_board
from commander_app.core.divergences import fold_divergences
from commander_app.core.events import event_text
from commander_app.core.metrics import durations
from commander_app.core.model import Event, IncidentState, Kind
from commander_app.core.rollback import describe_authority, fold_ticks
from commander_app.core.times import format_duration, format_local, from_iso


def render_markdown(
    state: IncidentState,
    events: Sequence[Event],
    local_zone: tzinfo,
    recorded: Mapping[str, int] | None = None,
) -> str:
    """The incident as Markdown; `recorded` numbers the board's items as the board does
    (`fold_board`)."""

    def when(iso: str | None) -> str:
        return format_local(iso, local_zone) if iso else "—"

    zone_name = zone_label(state, local_zone)
    drill = " (drill)" if state.is_drill else ""
    lines = [
        f"# {state.title}{drill}",
        "",
        f"- **Incident id:** {state.id}",
        f"- **Severity:** {state.severity.value}",
        f"- **Status:** {state.status.value}",
        *_imported_line(events),
        f"- **Commander:** {state.commander or '—'}",
        f"- **Communicator:** {state.communicator or '—'}",
    ]
    for role, person in sorted(state.roles.items()):
        if role not in ("commander", "communicator"):
            lines.append(f"- **{role.replace('_', ' ').capitalize()}:** {person}")
    lines += [
        "",
        f"## Milestones ({zone_name})",
        "",
        f"- Opened: {when(state.opened_at)}",
        f"- Impact started: {when(state.impact_started_at)}",
        f"- Detected: {when(state.detected_at)}",
        f"- Mitigated: {when(state.mitigated_at)}",
        f"- Resolved: {when(state.resolved_at)}",
        "",
        "## Durations",
        "",
    ]
    for duration in durations(state):
        label = duration.name.replace("_", " ").capitalize()
        value = format_duration(duration.seconds) if duration.seconds is not None else "—"
        note = f" ({duration.note})" if duration.note else ""
        lines.append(f"- {label}: {value}{note}")
    lines += _board_sections(fold_board(events, recorded), when)
    lines += _rollback_sections(events, when)
    lines += ["", f"## Timeline ({zone_name})", "", *timeline_table(events, when)]
    return "\n".join(lines) + "\n"


def timeline_table(
    events: Sequence[Event], when: Callable[[str], str], newline: str = "<br>"
) -> list[str]:
    """Every entry in story order, a corrected one struck through beside its correction.
    `newline` stands for a line break inside an entry (HTML made with raw HTML off
    would show `<br>` as text)."""
    lines = ["| Time | Kind | Author | Entry |", "|---|---|---|---|"]
    corrected = {e.supersedes for e in events if e.supersedes}
    for event in sorted(events, key=lambda e: e.sort_key):
        text = cell(event_text(event.kind, event.body), newline)
        if event.id in corrected:
            text = f"~~{text}~~ (corrected)"
        if event.supersedes:
            text = f"{text} (correction)"
        lines.append(
            f"| {when(event.occurred_at)} | {event.kind.value} | {cell(event.author, newline)} "
            f"| {text} |"
        )
    return lines


def _board_sections(board: Board, when: Callable[[str | None], str]) -> list[str]:
    """Hypotheses with their findings, actions and decisions: the analysis, not the story."""
    lines = ["", "## Hypotheses", ""]
    for h in board.hypotheses:
        settled = f"; {h.state.value} {when(h.state_changed_at)}" if not h.is_open else ""
        lines.append(
            f"- {board.number(h.id)} **{h.state.value.capitalize()}:** {_item(h.text)} "
            f"(owner: {h.owner or '—'}; opened {when(h.opened_at)}{settled})"
        )
        lines += [
            f"  - {board.number(f.id)} Finding ({when(f.found_at)}, {f.author}): {_item(f.text, 4)}"
            for f in h.findings
        ]
    if not board.hypotheses:
        lines.append("- None recorded.")
    if board.findings:
        lines += ["", "Findings not linked to a hypothesis:", ""]
        lines += [
            f"- {board.number(f.id)} {when(f.found_at)}, {f.author}: {_item(f.text)}"
            for f in board.findings
        ]
    lines += ["", "## Actions", ""]
    for a in board.actions:
        done = f"; done {when(a.done_at)}" if a.done else ""
        due = f"; due {when(a.due)}" if a.due else ""
        lines.append(
            f"- [{'x' if a.done else ' '}] {board.number(a.id)} {_item(a.text)} "
            f"(owner: {a.owner or '—'}{due}{done})"
        )
    if not board.actions:
        lines.append("- None recorded.")
    lines += ["", "## Decisions", ""]
    for d in board.decisions:
        undo = {True: "; reversible", False: "; not reversible", None: ""}[d.reversible]
        options = f"; options: {', '.join(d.options)}" if d.options else ""
        lines.append(
            f"- {board.number(d.id)} {when(d.decided_at)}: {_item(d.text)} "
            f"({d.author}{undo}{options})"
        )
        lines += _record_lines(d, when)
    if not board.decisions:
        lines.append("- None recorded.")
    return lines


def _record_lines(d: Decision, when: Callable[[str | None], str]) -> list[str]:
    """The decision record under its decision: kind, authority, objections, outcome."""
    lines = []
    if d.decision_kind is not None:
        role = f" ({d.role.replace('_', ' ')})" if d.role else ""
        lines.append(f"  - Kind: {d.decision_kind.value}; decided by {d.author}{role}")
    if d.authority:
        lines.append(f"  - Authority: {_item(describe_authority(d.authority), 4)}")
    if d.objections:
        lines.append(f"  - Objections heard: {_item('; '.join(d.objections), 4)}")
    if d.expect_minutes is not None:
        outcome = "not yet known"
        if d.outcome is not None:
            note = f", {d.outcome_note}" if d.outcome_note else ""
            outcome = f"{d.outcome.value} ({when(d.outcome_at)}, {d.outcome_by}{note})"
        lines.append(
            f"  - Expected to take effect within {d.expect_minutes} min; outcome: "
            f"{_item(outcome, 4)}"
        )
    elif d.outcome is not None:
        lines.append(f"  - Outcome: {d.outcome.value} ({when(d.outcome_at)}, {d.outcome_by})")
    return lines


def _rollback_sections(events: Sequence[Event], when: Callable[[str | None], str]) -> list[str]:
    """The checklist as ticked, and every production change with its review; an
    incident that touched neither has neither section."""
    ticks = fold_ticks(events, fresh_after_changes=False)
    register = fold_divergences(events)
    if not ticks and not register:
        return []
    lines = ["", "## Rollback checklist", ""]
    for tick in ticks.values():
        mark = "x" if tick.checked else " "
        verb = "ticked" if tick.checked else "unticked"
        optional = " (optional)" if tick.required is False else ""
        lines.append(
            f"- [{mark}] {_item(tick.item_text or tick.item_id)}{optional} "
            f"({verb} by {tick.by}, {when(tick.at)})"
        )
    if not ticks:
        lines.append("- No item ticked.")
    lines += ["", "## Divergence register", ""]
    for d in register:
        review = (
            f"{d.review_state} {when(d.reviewed_at)} by {d.reviewed_by}"
            if d.reviewed
            else "**NOT REVIEWED**"
        )
        plan = d.afterwards.value.replace("_", " ")
        lines.append(
            f"- {when(d.made_at)}: {d.change.value} by {d.by}: {_item(d.text)} "
            f"(afterwards: {plan}; {review})"
        )
    if not register:
        lines.append("- No production changes recorded.")
    return lines


def _item(text: str, indent: int = 2) -> str:
    """Free text inside a list item: continuation lines stay inside the item."""
    return text.replace("\r", "").replace("\n", "\n" + " " * indent)


def cell(text: str, newline: str = "<br>") -> str:
    """Free text inside a table cell: pipes escaped, line breaks as `newline`."""
    return text.replace("|", "\\|").replace("\r", "").replace("\n", newline)


def zone_label(state: IncidentState, local_zone: tzinfo) -> str:
    reference = from_iso(state.opened_at) if state.opened_at else None
    name = local_zone.tzname(reference) if reference else None
    return f"times in {name}" if name else "local times"


def _imported_line(events: Sequence[Event]) -> list[str]:
    """An incident brought in from another tool's history says so (`core.history_csv`)."""
    opening = next(
        (e for e in events if e.kind is Kind.INCIDENT and e.body.get("action") == "opened"), None
    )
    if opening is None or opening.body.get("imported") is not True:
        return []
    there = opening.body.get("external_id")
    return [f"- **Imported** from another tool's history{f' (id {there})' if there else ''}"]
