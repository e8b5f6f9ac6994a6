"""The drill report: how the response ran against the playbook, read from the drill's log.

Times count from the drill's start (its opening). What it measures: time to an incident
commander and to a communicator, the first update per audience and the cadence kept after
(the incident's own figures), hypotheses with owners, duplicate investigations (two
hypotheses saying nearly the same), the rollback's decision latency and whether the
authority rule was used, handoffs acknowledged, runbook steps flagged wrong, and each
inject: handled or not, and how fast. Then "where the playbook broke": each a sentence
and the follow-up that would mend it (a process item on the playbook).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from commander_app.core.board import Board, Hypothesis
from commander_app.core.drill_scenario import InjectKind, Scenario
from commander_app.core.drill_schedule import DrillSchedule, InjectState, ScheduledInject
from commander_app.core.incident_figures import IncidentFigures
from commander_app.core.model import Audience, Event, Kind, Role, RoleChange
from commander_app.core.playbook import ANYONE, Playbook
from commander_app.core.times import format_duration, from_iso

SIMILAR = 0.6  # share of shared words above which two hypotheses chase the same thing
_WORD = re.compile(r"[a-z0-9]{3,}")
_COMMON = frozenset({"the", "and", "for", "with", "from", "since", "after", "not", "are"})


@dataclass(frozen=True)
class Measure:
    label: str
    value: str  # as a person reads it: "4 min 10 s", "2 of 3", "not done"
    ok: bool | None = None  # None: nothing to hold it against


@dataclass(frozen=True)
class InjectOutcome:
    inject_id: str
    kind: InjectKind
    fired_after: timedelta | None  # from the drill's start; None: never fired
    handled_after: timedelta | None  # from its firing to the first answer; None: no answer
    state: InjectState
    answer: str  # what counts as its answer, or why it was not measured

    @property
    def handled(self) -> bool:
        return self.handled_after is not None


@dataclass(frozen=True)
class PlaybookBreak:
    what: str  # what happened, in the facilitator's words
    follow_up: str  # the process follow-up that would mend it


@dataclass
class DrillReport:
    title: str
    scenario: str
    measures: list[Measure] = field(default_factory=list)
    injects: list[InjectOutcome] = field(default_factory=list)
    breaks: list[PlaybookBreak] = field(default_factory=list)


@dataclass(frozen=True)
class DrillFacts:
    """What the report is read from; the store gathers it."""

    title: str
    scenario: Scenario
    schedule: DrillSchedule
    events: Sequence[Event]
    board: Board
    figures: IncidentFigures
    playbook: Playbook


def drill_report(facts: DrillFacts) -> DrillReport:
    report = DrillReport(facts.title, facts.scenario.name)
    start = facts.schedule.clock.started_at
    _roles(facts, start, report)
    _updates(facts, report)
    _hypotheses(facts.board, report)
    _decisions(facts, report)
    _handoffs(facts.events, report)
    _runbooks(facts.events, report)
    for scheduled in facts.schedule.injects:
        report.injects.append(_outcome(scheduled, facts.events, start))
    for outcome in report.injects:
        if outcome.state is InjectState.FIRED and not outcome.handled:
            report.breaks.append(
                PlaybookBreak(
                    f"Inject {outcome.inject_id} ({outcome.kind.value.replace('_', ' ')}) "
                    f"was not answered: {outcome.answer}.",
                    f"Define in the playbook who answers {_answering(outcome.kind)} "
                    "and within how many minutes",
                )
            )
    return report


def _since(start: datetime, at: str) -> timedelta:
    return from_iso(at) - start


def _minutes(delta: timedelta) -> str:
    return format_duration(max(delta.total_seconds(), 0.0))


def _first_role(events: Sequence[Event], role: Role) -> Event | None:
    for event in events:
        if event.kind is not Kind.ROLE or event.body.get("role") != role.value:
            continue
        if event.body.get("action") in (None, RoleChange.ASSIGNED, RoleChange.HANDOFF_ACCEPTED):
            return event
    return None


def _roles(facts: DrillFacts, start: datetime, report: DrillReport) -> None:
    rule = facts.playbook.rule(facts.scenario.setup.severity)
    commander = _first_role(facts.events, Role.COMMANDER)
    if commander is None:
        report.measures.append(
            Measure("Time to an incident commander", "nobody took command", False)
        )
        report.breaks.append(
            PlaybookBreak(
                "Nobody took command of the drill.",
                f"Define in the playbook who commands a {rule.severity.value} "
                "when the on-call engineer is alone",
            )
        )
    else:
        took = _since(start, commander.occurred_at)
        person = str(commander.body.get("person", ""))
        report.measures.append(
            Measure("Time to an incident commander", f"{_minutes(took)} ({person})", True)
        )
        allowed = facts.playbook.commanders_for(rule.severity, from_iso(commander.occurred_at))
        if rule.commanders and ANYONE not in rule.commanders and person not in allowed:
            report.breaks.append(
                PlaybookBreak(
                    f"{person} commanded, but the playbook names {rule.commander_text()} "
                    f"for {rule.severity.value} ({', '.join(allowed) or 'nobody on call'}).",
                    f"Update the playbook's commander rule for {rule.severity.value} "
                    "so that it names who really commands",
                )
            )
    communicator = _first_role(facts.events, Role.COMMUNICATOR)
    report.measures.append(
        Measure(
            "Time to a communicator",
            _minutes(_since(start, communicator.occurred_at))
            if communicator
            else "no communicator",
            communicator is not None,
        )
    )
    held = {
        str(e.body.get("role"))
        for e in facts.events
        if e.kind is Kind.ROLE and e.body.get("action") in (None, RoleChange.ASSIGNED)
    }
    for role in rule.roles:
        if role.value not in held and not (role is Role.COMMANDER and commander is not None):
            words = role.value.replace("_", " ")
            report.breaks.append(
                PlaybookBreak(
                    f"The playbook requires a {words} for {rule.severity.value}; "
                    "nobody held the role.",
                    f"Define in the playbook who takes the {words} role for {rule.severity.value}",
                )
            )


def _updates(facts: DrillFacts, report: DrillReport) -> None:
    by_key = {f.key: f for f in facts.figures.figures}
    for audience in Audience:
        first = by_key.get(f"time_to_first_update.{audience.value}")
        kept = by_key.get(f"cadence_adherence.{audience.value}")
        if first is None:
            continue
        if first.value is None:
            report.measures.append(Measure(f"First update to {audience.value}", "none sent", False))
            continue
        value = format_duration(first.value)
        ok = None
        if kept is not None and kept.value is not None:
            value += f"; updates on time: {kept.note or f'{kept.value:.0%}'}"
            ok = kept.value >= 1.0
            if not ok:
                report.breaks.append(
                    PlaybookBreak(
                        f"Updates to {audience.value} fell behind the cadence "
                        f"({kept.value:.0%} on time).",
                        f"Update the playbook's cadence for {audience.value} or name "
                        "who sends them when the communicator is busy",
                    )
                )
        report.measures.append(Measure(f"First update to {audience.value}", value, ok))


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _COMMON)


def duplicates(hypotheses: Sequence[Hypothesis]) -> list[tuple[Hypothesis, Hypothesis]]:
    """Pairs of hypotheses whose words overlap by `SIMILAR` or more (Jaccard)."""
    found = []
    for n, first in enumerate(hypotheses):
        for second in hypotheses[n + 1 :]:
            a, b = _words(first.text), _words(second.text)
            if a and b and len(a & b) / len(a | b) >= SIMILAR:
                found.append((first, second))
    return found


def _hypotheses(board: Board, report: DrillReport) -> None:
    hypotheses = list(board.hypotheses)
    owned = sum(1 for h in hypotheses if h.owner)
    report.measures.append(
        Measure(
            "Hypotheses with an owner",
            f"{owned} of {len(hypotheses)}" if hypotheses else "no hypothesis raised",
            owned == len(hypotheses) if hypotheses else None,
        )
    )
    if owned < len(hypotheses):
        report.breaks.append(
            PlaybookBreak(
                f"{len(hypotheses) - owned} of {len(hypotheses)} hypotheses had no owner.",
                "Define in the playbook that every hypothesis gets an owner when it is raised",
            )
        )
    pairs = duplicates(hypotheses)
    report.measures.append(
        Measure("Duplicate investigations", str(len(pairs)), not pairs if hypotheses else None)
    )
    for first, second in pairs:
        report.breaks.append(
            PlaybookBreak(
                f"Two people chased the same thing: “{first.text[:80]}” and “{second.text[:80]}”.",
                "Define in the playbook how hypotheses are shared before a second "
                "person starts on one",
            )
        )


def _decisions(facts: DrillFacts, report: DrillReport) -> None:
    latency = next((f for f in facts.figures.figures if f.key == "decision_latency"), None)
    if latency is not None and latency.value is not None:
        report.measures.append(Measure("Decision latency", format_duration(latency.value)))
    rollbacks = [
        e
        for e in facts.events
        if e.kind is Kind.DECISION
        and e.body.get("decision_kind") == "rollback"
        and e.body.get("outcome") is None
        and not e.body.get("asked")
    ]
    if not rollbacks:
        report.measures.append(Measure("Rollback authority rule", "no rollback decided"))
        return
    authority = rollbacks[0].body.get("authority")
    basis = authority.get("basis") if isinstance(authority, dict) else None
    used = {"checklist": "used: the checklist held", "override": "overridden"}.get(
        str(basis), "not used (decided without the rule)"
    )
    report.measures.append(Measure("Rollback authority rule", used, basis == "checklist"))
    if basis != "checklist":
        report.breaks.append(
            PlaybookBreak(
                f"The rollback was decided without the authority checklist ({used}).",
                "Update the playbook's rollback authority so that it fits what the "
                "commander needed to decide",
            )
        )


def _handoffs(events: Sequence[Event], report: DrillReport) -> None:
    offered = accepted = 0
    for event in events:
        if event.kind is Kind.ROLE:
            action = event.body.get("action")
            offered += action == RoleChange.HANDOFF_OFFERED
            accepted += action == RoleChange.HANDOFF_ACCEPTED
    if offered:
        report.measures.append(
            Measure("Handoffs acknowledged", f"{accepted} of {offered}", accepted >= offered)
        )
    if accepted < offered:
        report.breaks.append(
            PlaybookBreak(
                f"{offered - accepted} handoff of command was offered and never acknowledged.",
                "Define in the playbook how a handoff of command is acknowledged",
            )
        )


def _runbooks(events: Sequence[Event], report: DrillReport) -> None:
    flagged = [e for e in events if e.kind is Kind.RUNBOOK and e.body.get("op") == "wrong"]
    report.measures.append(Measure("Runbook steps flagged wrong", str(len(flagged))))
    for event in flagged:
        report.breaks.append(
            PlaybookBreak(
                f"Runbook {event.body.get('runbook')} step {event.body.get('step')} was flagged "
                f"wrong: {str(event.body.get('note', ''))[:120]}",
                f"Update the runbook {event.body.get('runbook')} and the playbook's "
                "deprecated-tools list",
            )
        )


_ANSWERS: dict[InjectKind, str] = {
    InjectKind.ALERT_STORM: "an alert group triaged",
    InjectKind.EXECUTIVE_ASKS: "an update to executives",
    InjectKind.FINDING_REVEALED: "a finding or hypothesis logged",
    InjectKind.STATUS_PAGE_DOWN: "an update to customers by another way",
    InjectKind.COMMANDER_CALLED_AWAY: "a handoff of command accepted",
    InjectKind.RUNBOOK_DEPRECATED_TOOL: "a runbook step flagged wrong",
}


def _answering(kind: InjectKind) -> str:
    return {
        InjectKind.ALERT_STORM: "an alert storm (who triages)",
        InjectKind.EXECUTIVE_ASKS: "an executive's question",
        InjectKind.FINDING_REVEALED: "a new finding",
        InjectKind.STATUS_PAGE_DOWN: "customers when the status page is down",
        InjectKind.COMMANDER_CALLED_AWAY: "for the commander when they are called away",
        InjectKind.RUNBOOK_DEPRECATED_TOOL: "a runbook step that names a retired tool",
    }.get(kind, "it")


def _answers(kind: InjectKind, event: Event) -> bool:
    body = event.body
    if kind is InjectKind.ALERT_STORM:
        return event.kind is Kind.ALERT and body.get("triage") is not None
    if kind in (InjectKind.EXECUTIVE_ASKS, InjectKind.STATUS_PAGE_DOWN):
        audience = "executives" if kind is InjectKind.EXECUTIVE_ASKS else "customers"
        return (
            event.kind is Kind.COMMS
            and body.get("audience") == audience
            and body.get("action") in ("sent", "queued")
        )
    if kind is InjectKind.FINDING_REVEALED:
        return event.kind in (Kind.FINDING, Kind.HYPOTHESIS)
    if kind is InjectKind.COMMANDER_CALLED_AWAY:
        return event.kind is Kind.ROLE and body.get("action") == RoleChange.HANDOFF_ACCEPTED
    if kind is InjectKind.RUNBOOK_DEPRECATED_TOOL:
        return event.kind is Kind.RUNBOOK and body.get("op") == "wrong"
    return False


def _outcome(scheduled: ScheduledInject, events: Sequence[Event], start: datetime) -> InjectOutcome:
    inject = scheduled.inject
    fired = scheduled.done_at if scheduled.state is InjectState.FIRED else None
    if fired is None:
        return InjectOutcome(inject.id, inject.kind, None, None, scheduled.state,
                             scheduled.state.value)  # fmt: skip
    answer = _ANSWERS.get(inject.kind)
    if answer is None:
        return InjectOutcome(inject.id, inject.kind, fired - start, timedelta(0),
                             scheduled.state, "nothing to answer")  # fmt: skip
    for event in events:
        if from_iso(event.occurred_at) < fired:
            continue
        if _answers(inject.kind, event):
            took = from_iso(event.occurred_at) - fired
            return InjectOutcome(inject.id, inject.kind, fired - start, took, scheduled.state,
                                 f"{answer} after {_minutes(took)}")  # fmt: skip
    return InjectOutcome(inject.id, inject.kind, fired - start, None, scheduled.state,
                         f"no {answer} after it")  # fmt: skip
