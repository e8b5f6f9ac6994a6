"""The handoff briefing: what an incoming commander reads in the first minute.

Plain text, most important first, every time in the reader's local zone and
labelled with it, every duration in whole minutes. Long lists are cut short; the board has the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo

from commander_app.core.board import Action, Board, Decision, Hypothesis, is_overdue, summary
from commander_app.core.cadence import AudienceCadence, CadenceStatus
from commander_app.core.divergences import Divergence, unreviewed
from commander_app.core.model import HypothesisState, IncidentState, Role
from commander_app.core.times import format_clock, format_countdown, format_minutes, from_iso

MAX_OPEN_HYPOTHESES = 8
MAX_SETTLED = 4
MAX_DECISIONS = 3
MAX_ACTIONS = 10
MAX_CHANGES = 10

_When = Callable[[str], str]  # a stored time as the reader's clock shows it


def render_briefing(
    state: IncidentState,
    board: Board,
    now: datetime,
    local_zone: tzinfo,
    *,
    cadence: Sequence[AudienceCadence],
    cadence_problem: str | None = None,
    register: Sequence[Divergence] | None = None,
) -> str:
    """The briefing as of `now`. `cadence` is where each audience's updates stand
    (`cadence.cadence_state`); `cadence_problem` why it could not be read, if so.
    `register` is the divergence register (production changes), when the caller read it."""

    def when(iso: str) -> str:
        return _zoned(iso, now, local_zone)

    local_now = now.astimezone(local_zone)
    as_of = f"as of {local_now:%H:%M} {local_now.tzname() or 'local time'}"
    lines = [f"HANDOFF BRIEFING: {state.title}" + (" [DRILL]" if state.is_drill else "")]
    lines.append(
        f"{state.severity.value} · {state.status.value} · {_age(state, now, when)} · {as_of}"
    )
    lines += ["", "Roles", *_roles(state)]
    lines += ["", "Milestones", "  " + _milestones(state, when)]
    lines += ["", *_hypotheses(board, when)]
    lines += ["", *_decisions(board, now, when)]
    if register is not None:
        lines += ["", *_changes(register, when)]
    lines += ["", *_actions(board, now, when)]
    lines += ["", *_updates(cadence, cadence_problem, now, local_zone)]
    return "\n".join(lines) + "\n"


def _zoned(iso: str, now: datetime, zone: tzinfo) -> str:
    """Every time with its zone: a line quoted into chat must still say which."""
    return f"{format_clock(iso, now, zone)} {from_iso(iso).astimezone(zone).tzname()}"


def _age(state: IncidentState, now: datetime, when: _When) -> str:
    if state.opened_at is None:
        return "opening time unknown"
    opened = from_iso(state.opened_at)
    if state.resolved_at is not None and not state.is_open:
        took = format_minutes((from_iso(state.resolved_at) - opened).total_seconds())
        return f"resolved after {took}"
    return f"open {format_minutes((now - opened).total_seconds())} (since {when(state.opened_at)})"


def _roles(state: IncidentState) -> list[str]:
    commander = state.commander or "nobody assigned"
    if state.pending_handoff_to:
        commander += f" (handing over to {state.pending_handoff_to}, not yet accepted)"
    lines = [f"  Commander: {commander}"]
    lines.append(f"  Communicator: {state.communicator or 'nobody assigned'}")
    for role, person in sorted(state.roles.items()):
        if role not in (Role.COMMANDER.value, Role.COMMUNICATOR.value):
            lines.append(f"  {role.replace('_', ' ').capitalize()}: {person}")
    return lines


def _milestones(state: IncidentState, when: _When) -> str:
    marks = (
        ("impact started", state.impact_started_at),
        ("detected", state.detected_at),
        ("mitigated", state.mitigated_at),
        ("resolved", state.resolved_at),
    )
    return " · ".join(f"{name} {when(iso) if iso else '—'}" for name, iso in marks)


def _hypotheses(board: Board, when: _When) -> list[str]:
    open_ones = board.open_hypotheses
    lines = [f"Open hypotheses ({len(open_ones)})" if open_ones else "Open hypotheses: none"]
    for hypothesis in open_ones[:MAX_OPEN_HYPOTHESES]:
        lines.append(f"  - {_numbered(board, hypothesis.id)}{summary(hypothesis.text)}")
        lines.append(f"    {_owner(hypothesis.owner)}; {_investigating(hypothesis, when)}")
        if hypothesis.findings:
            latest = hypothesis.findings[-1]
            count = len(hypothesis.findings)
            noun = "finding" if count == 1 else "findings"
            newest = f"{_numbered(board, latest.id)}{summary(latest.text, 80)}"
            lines.append(f"    {count} {noun}, latest: {newest}")
    lines += _more(len(open_ones), MAX_OPEN_HYPOTHESES)
    settled = board.settled_hypotheses
    if settled:
        lines.append("Settled hypotheses")
        for hypothesis in settled[:MAX_SETTLED]:
            label = "Confirmed" if hypothesis.state is HypothesisState.CONFIRMED else "Refuted"
            settled_at = when(hypothesis.state_changed_at)
            lines.append(
                f"  - {_numbered(board, hypothesis.id)}{label} {settled_at}: "
                f"{summary(hypothesis.text, 80)}"
            )
        lines += _more(len(settled), MAX_SETTLED)
    return lines


def _numbered(board: Board, item_id: str) -> str:
    """'H2 ' before an item, the number the board shows and commands take."""
    number = board.number(item_id)
    return f"{number} " if number else ""


def _investigating(hypothesis: Hypothesis, when: _When) -> str:
    again = " again" if hypothesis.state_changed_at != hypothesis.opened_at else ""
    return f"investigating{again} since {when(hypothesis.state_changed_at)}"


def _decisions(board: Board, now: datetime, when: _When) -> list[str]:
    if not board.decisions:
        return ["Decisions: none recorded"]
    latest = sorted(board.decisions, key=lambda d: (d.decided_at, d.id), reverse=True)
    lines = ["Decisions (latest first)"]
    for decision in latest[:MAX_DECISIONS]:
        undo = {True: " (reversible)", False: " (NOT reversible)", None: ""}[decision.reversible]
        lines.append(
            f"  - {_numbered(board, decision.id)}{when(decision.decided_at)} "
            f"{summary(decision.text)}{undo}, by {decision.author}" + _outcome(decision, now, when)
        )
    return lines + _more(len(latest), MAX_DECISIONS)


def _outcome(decision: Decision, now: datetime, when: _When) -> str:
    """Whether it worked, or when Commander asks; nothing for a decision with neither."""
    if decision.outcome is not None:
        return f"; {decision.outcome.value.upper()}"
    due = decision.outcome_due_at
    if due is None:
        return ""
    if decision.outcome_due(now):
        return f"; did it work? (due {when(due)}, NO ANSWER YET)"
    return f"; effect expected by {when(due)}"


def _changes(register: Sequence[Divergence], when: _When) -> list[str]:
    """Every production change, unreviewed first: nothing may stay half-changed."""
    if not register:
        return ["Production changes: none recorded"]
    pending = unreviewed(register)
    waiting = f", {len(pending)} NOT reviewed" if pending else ", all reviewed"
    lines = [f"Production changes ({len(register)}{waiting})"]
    ordered = [*pending, *(d for d in register if d.reviewed)]
    for change in ordered[:MAX_CHANGES]:
        state = change.review_state if change.reviewed else "NOT reviewed"
        lines.append(
            f"  - {when(change.made_at)} {change.change.value} by {change.by}: "
            f"{summary(change.text, 80)} ({state})"
        )
    return lines + _more(len(ordered), MAX_CHANGES)


def _actions(board: Board, now: datetime, when: _When) -> list[str]:
    pending = board.open_actions
    if not pending:
        return ["Open actions: none"]
    overdue = sum(1 for a in pending if is_overdue(a, now))
    late = f", {overdue} OVERDUE" if overdue else ""
    lines = [f"Open actions ({len(pending)}{late})"]
    for action in pending[:MAX_ACTIONS]:
        lines.append(
            f"  - {_numbered(board, action.id)}{_due(action, now, when)}{summary(action.text)}; "
            f"{_owner(action.owner)}"
        )
    return lines + _more(len(pending), MAX_ACTIONS)


def _due(action: Action, now: datetime, when: _When) -> str:
    if action.due is None:
        return ""
    if is_overdue(action, now):
        return f"OVERDUE (due {when(action.due)}): "
    return f"due {when(action.due)}: "


def _owner(owner: str | None) -> str:
    return f"owner {owner}" if owner else "no owner"


def _updates(
    cadence: Sequence[AudienceCadence], problem: str | None, now: datetime, zone: tzinfo
) -> list[str]:
    """Each audience's next update: when it is due, or how late it already is."""
    if problem:
        return [f"Stakeholder updates: unknown ({problem})"]
    if not cadence:
        return ["Stakeholder updates: none scheduled"]
    return ["Stakeholder updates", *(f"  {c.audience.value}: {_due_update(c, now, zone)}"
                                     for c in cadence)]  # fmt: skip


def _due_update(item: AudienceCadence, now: datetime, zone: tzinfo) -> str:
    if item.status is CadenceStatus.DONE:
        return "final update sent"
    if item.due_at is None or item.status is CadenceStatus.NOT_SCHEDULED:
        return "no scheduled updates"
    due = from_iso(item.due_at)
    shown = _zoned(item.due_at, now, zone)
    final = "final update " if item.status is CadenceStatus.RESOLVED_FINAL_DUE else ""
    seconds = (due - now).total_seconds()
    if seconds < 0:
        return f"{final}OVERDUE by {format_countdown(seconds)} (was due {shown})"
    if item.status is CadenceStatus.SNOOZED:
        return f"snoozed to {shown} (in {format_countdown(seconds)}): {item.snooze_reason}"
    return f"{final}due {shown} (in {format_countdown(seconds)})"


def _more(total: int, shown: int) -> list[str]:
    return [f"  … and {total - shown} more on the board"] if total > shown else []
