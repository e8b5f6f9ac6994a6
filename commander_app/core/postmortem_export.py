"""The postmortem as Markdown: the analysis first, the facts from the log beside it,
the minute-by-minute timeline only as an appendix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from commander_app.core.board import Action, Board
from commander_app.core.markdown_export import cell, timeline_table, zone_label
from commander_app.core.model import Event, IncidentState, Kind
from commander_app.core.postmortem import (
    CATEGORY_LABELS,
    SECTION_PROMPTS,
    SECTION_TITLES,
    Postmortem,
    Section,
)
from commander_app.core.postmortem_facts import FactLine
from commander_app.core.times import format_local


@dataclass(frozen=True)
class PostmortemFacts:
    """The facts from the log, grouped as the postmortem shows them."""

    impact: Sequence[FactLine]
    hypotheses: Sequence[FactLine]
    decisions: Sequence[FactLine]
    updates: Sequence[FactLine]
    changes: Sequence[FactLine]


def render_postmortem(
    state: IncidentState,
    pm: Postmortem,
    board: Board,
    facts: PostmortemFacts,
    events: Sequence[Event],
    zone: tzinfo,
) -> str:
    def when(iso: str) -> str:
        return format_local(iso, zone)

    drill = " (drill)" if state.is_drill else ""
    lines = [f"# Postmortem: {state.title}{drill}", ""]
    status = pm.state.value.replace("_", " ")
    if pm.states:
        last = pm.states[-1]
        status += f" ({last.author}, {when(last.at)})"
    lines += [
        f"- **State:** {status}",
        f"- **Incident:** {state.id} ({state.severity.value}, {state.status.value})",
        "",
    ]
    if state.is_drill:
        lines += ["> This postmortem is of a drill, not a real incident.", ""]
    for section in Section:
        lines += [f"## {SECTION_TITLES[section]}", ""]
        latest = pm.latest(section)
        if latest is None:
            lines += [f"_Not written yet. {SECTION_PROMPTS[section]}_", ""]
            continue
        lines += [latest.text, "", f"_Written by {latest.author}, {when(latest.at)}._", ""]
        if section is Section.SUMMARY:
            lines += _contributing_factors(pm, board)
    lines += _follow_ups(board, zone)
    lines += [f"## Facts from the log ({zone_label(state, zone)})", ""]
    for title, group in (
        ("Impact and durations", facts.impact),
        ("Hypotheses", facts.hypotheses),
        ("Decisions", facts.decisions),
        ("Stakeholder updates", facts.updates),
        ("Production changes", facts.changes),
    ):
        if group:
            lines += [f"### {title}", ""] + [_fact(f) for f in group] + [""]
    story = [e for e in events if e.kind is not Kind.POSTMORTEM]  # not the incident's story
    lines += ["## Appendix: timeline", "", *timeline_table(story, when, " ")]
    return "\n".join(lines) + "\n"


def _contributing_factors(pm: Postmortem, board: Board) -> list[str]:
    lines = ["## Contributing factors", ""]
    if not pm.live_factors:
        return [*lines, "_None listed yet: what conditions made this possible or worse?_", ""]
    for n, factor in enumerate(pm.live_factors, 1):
        lines.append(f"{n}. **{CATEGORY_LABELS[factor.category]}:** {factor.text}")
        for action in board.actions:
            if action.factor == factor.id:
                lines.append(f"   - {board.number(action.id)} {_item_line(action)}")
        if factor.symptom_reason:
            lines.append(f"   - Symptom fixes are enough here because: {factor.symptom_reason}")
    return [*lines, ""]


def _follow_ups(board: Board, zone: tzinfo) -> list[str]:
    items = [a for a in board.actions if a.follow_up]
    if not items:
        return []
    lines = [
        "## Follow-ups",
        "",
        "| # | Item | Owner | Type | Priority | Due | State |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in items:
        owner = f"{a.owner} ({a.ack.value})" if a.owner and a.ack else (a.owner or "no owner")
        due = format_local(a.due, zone) if a.due else "—"
        lines.append(
            f"| {board.number(a.id)} | {cell(a.text, ' ')} | {cell(owner, ' ')} | "
            f"{a.type.value if a.type else '—'} | {a.priority.value if a.priority else '—'} | "
            f"{due} | {a.state.value.replace('_', ' ')} |"
        )
    return [*lines, ""]


def _item_line(action: Action) -> str:
    owner = action.owner or "no owner"
    symptom = " (symptom fix)" if action.symptom else ""
    return f"{action.text}{symptom} — {owner}, {action.state.value.replace('_', ' ')}"


def _fact(fact: FactLine) -> str:
    note = f" _({fact.note})_" if fact.note else ""
    return f"- {fact.label}: {fact.value}{note}"
