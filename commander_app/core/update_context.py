"""What an update template can say: the incident's state as named placeholders.

Every value is plain text, a list of texts, a bool, or None. A missing value is
None, never "", so a template tests it with `{% if workaround %}` and a typo
in a placeholder's name is still caught as an unknown placeholder.

Times carry their zone ("14:05 CET"). The plain ones (`started_at`, `next_update`,
`now`) are in the zone of the audience's texts (`text_zone`): the incident team's
for internal updates, as the window shows them, the readers' for executives and
customers. Durations are whole minutes: "19 min", "1 h 05 min".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from commander_app.core.board import Action, Board, Decision, Finding, Hypothesis, summary
from commander_app.core.model import (
    Audience,
    FollowUpState,
    FollowUpType,
    HypothesisState,
    IncidentState,
    Severity,
    Status,
)
from commander_app.core.postmortem import (
    CATEGORY_LABELS,
    Factor,
    FactorCategory,
    Postmortem,
    PostmortemState,
    Section,
    Version,
)
from commander_app.core.times import format_minutes, from_iso, to_iso

MAX_FINDINGS = 3
MAX_DECISIONS = 3
MAX_ACTIONS = 10
# Follow-ups a customer is told about: what keeps it from happening again or shortens it.
CUSTOMER_TYPES = (FollowUpType.PREVENT, FollowUpType.DETECT, FollowUpType.MITIGATE)

PHASE_LABELS = {
    Status.INVESTIGATING: "Investigating",
    Status.IDENTIFIED: "Identified",
    Status.MONITORING: "Monitoring",
    Status.RESOLVED: "Resolved",
}

# (placeholder, meaning): the template editor's help and the README's table.
CONTEXT_HELP: list[tuple[str, str]] = [
    ("title", "The incident's title."),
    ("severity", "SEV1 (worst) to SEV4."),
    ("status", "The phase as a status page shows it: Investigating, Identified, ..."),
    ("phase", "investigating, identified, monitoring or resolved."),
    ("impact", "What users see, in a sentence; None if not given."),
    ("affected_services", "The affected services, a list (empty if none were named)."),
    ("affected_services_text", "The same as text: 'checkout, payments and search'; or None."),
    (
        "started_at",
        "When impact started (else when the incident was opened), in this "
        "audience's zone: '14:55 CET'.",
    ),
    ("mitigated_at", "When the impact was mitigated, in this audience's zone; or None."),
    ("started_at_utc", "When impact started (else when the incident was opened): '13:55 UTC'."),
    ("started_at_local", "The same in the stakeholders' zone: '14:55 CET'."),
    ("started_at_team", "The same in the incident team's zone."),
    ("elapsed", "How long since it started, or until it was resolved: '1 h 05 min'."),
    (
        "impact_lasted",
        "How long users were affected, impact start to mitigation: '38 min'; None until "
        "mitigated (or resolved).",
    ),
    ("leading_hypothesis", "The confirmed cause if any, else the newest open hypothesis; or None."),
    ("leading_hypothesis_owner", "Who owns the leading hypothesis; None if nobody does."),
    ("leading_hypothesis_confirmed", "True when the leading hypothesis is confirmed."),
    ("latest_findings", f"What was found, newest first, at most {MAX_FINDINGS} (list of texts)."),
    (
        "actions_in_progress",
        f"Open actions as 'text (owner)', soonest due first, at most {MAX_ACTIONS}.",
    ),
    ("decisions", f"Decisions taken, latest first, at most {MAX_DECISIONS} (list of texts)."),
    ("leading_hypothesis_number", "The leading hypothesis's number on the board, 'H2'; or None."),
    ("latest_findings_numbered", "latest_findings led by their numbers: 'F3 Pool at 100/100'."),
    (
        "actions_in_progress_numbered",
        "actions_in_progress led by their numbers: 'A2 Roll back 42 (Kim)'.",
    ),
    ("decisions_numbered", "decisions led by their numbers: 'D1 Roll back release 42'."),
    ("workaround", "What users can do meanwhile; None if there is none."),
    ("commander", "The incident commander's name; None if unassigned."),
    ("communicator", "The communicator's name; None if unassigned."),
    ("next_update", "When the next update is due, in this audience's zone; or None."),
    ("next_update_utc", "When the next update is due: '14:30 UTC'; None if not scheduled."),
    ("next_update_local", "The same in the stakeholders' zone: '15:30 CET'; or None."),
    ("next_update_team", "The same in the incident team's zone; or None."),
    ("now", "The time of this update, in this audience's zone."),
    ("now_utc", "The time of this update: '14:05 UTC'."),
    ("now_local", "The time of this update in the stakeholders' zone."),
    ("is_drill", "True for a practice incident: say so in every message."),
    ("resolved_at", "When the incident was resolved, in this audience's zone; or None."),
    # What the postmortem says (None or empty before it is written): the customer summary.
    ("postmortem_state", "The postmortem's state: 'draft', 'in review', 'published'; or None."),
    ("what_happened", "The postmortem's summary section, as written; or None."),
    ("customer_impact", "The postmortem's customer impact section; or None."),
    ("how_it_was_fixed", "The postmortem's recovery section; or None."),
    (
        "what_we_are_changing",
        "The follow-ups that prevent, detect or mitigate it (not the dropped ones), as "
        f"'text' or 'text (done)', at most {MAX_ACTIONS}.",
    ),
    (
        "contributing_factor_kinds",
        "The kinds of the contributing factors, lowercase, once each: 'deploy safety'.",
    ),
]


def update_context(
    state: IncidentState,
    board: Board,
    now: datetime,
    *,
    stakeholder_zone: tzinfo,
    local_zone: tzinfo,
    next_update_due: datetime | None,
    workaround: str | None,
    affected_services: Sequence[str],
    impact: str | None,
    text_zone: tzinfo | None = None,
    postmortem: Postmortem | None = None,
) -> dict[str, Any]:
    """The placeholders of `CONTEXT_HELP` for this incident as of `now`.

    `stakeholder_zone` is the readers' zone (the `*_local` times); `local_zone`
    the incident team's (the `*_team` times); `text_zone` the zone of the update
    being written (the plain times; default: the readers'), see `text_zone_for`.
    `postmortem`: the incident's, for the placeholders that quote it.
    """
    zone = text_zone or stakeholder_zone
    started = state.impact_started_at or state.opened_at
    leading = leading_hypothesis(board)
    services = [s.strip() for s in affected_services if s.strip()]

    def at(moment: datetime | None, zone: tzinfo) -> str | None:
        return _clock(moment, now, zone) if moment is not None else None

    start = from_iso(started) if started else None
    findings = _latest_findings(board)
    actions = board.open_actions[:MAX_ACTIONS]
    decisions = _latest_decisions(board)
    mitigated = state.mitigated_at or (state.resolved_at if not state.is_open else None)
    eased = from_iso(mitigated) if mitigated else None
    resolved = from_iso(state.resolved_at) if state.resolved_at else None
    return {
        "title": state.title,
        "severity": state.severity.value,
        "status": PHASE_LABELS[state.status],
        "phase": state.status.value,
        "impact": _text(impact),
        "affected_services": services,
        "affected_services_text": _listed(services),
        "started_at": at(start, zone),
        "mitigated_at": at(eased, zone),
        "started_at_utc": at(start, UTC),
        "started_at_local": at(start, stakeholder_zone),
        "started_at_team": at(start, local_zone),
        "elapsed": _elapsed(state, start, now),
        "impact_lasted": _lasted(start, eased),
        "leading_hypothesis": summary(leading.text) if leading else None,
        "leading_hypothesis_owner": leading.owner if leading else None,
        "leading_hypothesis_confirmed": bool(
            leading and leading.state is HypothesisState.CONFIRMED
        ),
        "latest_findings": [summary(f.text) for f in findings],
        "actions_in_progress": [_action(a) for a in actions],
        "decisions": [summary(d.text) for d in decisions],
        # The same, led by the numbers responders say and type (H2, A3): internal texts.
        "leading_hypothesis_number": (board.number(leading.id) or None) if leading else None,
        "latest_findings_numbered": [_numbered(board, f.id, summary(f.text)) for f in findings],
        "actions_in_progress_numbered": [_numbered(board, a.id, _action(a)) for a in actions],
        "decisions_numbered": [_numbered(board, d.id, summary(d.text)) for d in decisions],
        "workaround": _text(workaround),
        "commander": state.commander,
        "communicator": state.communicator,
        "next_update": at(next_update_due, zone),
        "next_update_utc": at(next_update_due, UTC),
        "next_update_local": at(next_update_due, stakeholder_zone),
        "next_update_team": at(next_update_due, local_zone),
        "now": _clock(now, now, zone),
        "now_utc": _clock(now, now, UTC),
        "now_local": _clock(now, now, stakeholder_zone),
        "is_drill": state.is_drill,
        "resolved_at": at(resolved, zone),
        **_postmortem_context(postmortem, board),
    }


def _postmortem_context(pm: Postmortem | None, board: Board) -> dict[str, Any]:
    def written(section: Section) -> str | None:
        return _text(pm.text(section)) if pm is not None else None

    changing = [
        f"{summary(a.text)} (done)" if a.state is FollowUpState.DONE else summary(a.text)
        for a in board.actions
        if a.follow_up and a.type in CUSTOMER_TYPES and a.state is not FollowUpState.WONT
    ]
    kinds = [] if pm is None else [CATEGORY_LABELS[f.category].lower() for f in pm.live_factors]
    return {
        "postmortem_state": (
            pm.state.value.replace("_", " ") if pm is not None and pm.started_at else None
        ),
        "what_happened": written(Section.SUMMARY),
        "customer_impact": written(Section.CUSTOMER_IMPACT),
        "how_it_was_fixed": written(Section.RECOVERY),
        "what_we_are_changing": changing[:MAX_ACTIONS],
        "contributing_factor_kinds": list(dict.fromkeys(kinds)),
    }


def _action(action: Action) -> str:
    return f"{summary(action.text)} ({action.owner or 'no owner'})"


def _numbered(board: Board, item_id: str, text: str) -> str:
    number = board.number(item_id)
    return f"{number} {text}" if number else text


def text_zone_for(audience: Audience, *, readers: tzinfo, team: tzinfo) -> tzinfo:
    """The zone an update to `audience` gives its times in: responders read the team's
    (as the window shows it), executives and customers the readers' zone of the cadence
    settings."""
    return team if audience is Audience.INTERNAL else readers


def leading_hypothesis(board: Board) -> Hypothesis | None:
    """The most recently confirmed hypothesis, else the newest open one."""
    confirmed = [h for h in board.hypotheses if h.state is HypothesisState.CONFIRMED]
    if confirmed:
        return max(confirmed, key=lambda h: (h.confirmed_at or h.state_changed_at, h.id))
    open_ones = board.open_hypotheses
    return max(open_ones, key=lambda h: (h.state_changed_at, h.opened_at, h.id), default=None)


def _latest_findings(board: Board) -> list[Finding]:
    every = [*board.findings, *(f for h in board.hypotheses for f in h.findings)]
    return sorted(every, key=lambda f: (f.found_at, f.id), reverse=True)[:MAX_FINDINGS]


def _latest_decisions(board: Board) -> list[Decision]:
    latest = sorted(board.decisions, key=lambda d: (d.decided_at, d.id), reverse=True)
    return latest[:MAX_DECISIONS]


def _elapsed(state: IncidentState, start: datetime | None, now: datetime) -> str | None:
    if start is None:
        return None
    end = now
    if state.status is Status.RESOLVED and state.resolved_at is not None:
        end = from_iso(state.resolved_at)
    return format_minutes(max((end - start).total_seconds(), 0))


def _lasted(start: datetime | None, mitigated: datetime | None) -> str | None:
    if start is None or mitigated is None:
        return None
    return format_minutes(max((mitigated - start).total_seconds(), 0))


def _clock(moment: datetime, now: datetime, zone: tzinfo) -> str:
    """'14:30 CET' on the reader's today, '2026-11-27 23:50 CET' on another day."""
    shown = moment.astimezone(zone)
    same_day = shown.date() == now.astimezone(zone).date()
    name = shown.tzname() or shown.strftime("UTC%z")
    return f"{shown:%H:%M} {name}" if same_day else f"{shown:%Y-%m-%d %H:%M} {name}"


def _text(value: str | None) -> str | None:
    stripped = value.strip() if value else ""
    return stripped or None


def _listed(items: Sequence[str]) -> str | None:
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} and {items[-1]}"


# -- sample incidents: a template is tried against both before it is saved ----------

SAMPLE_NOW = datetime(2026, 11, 28, 14, 5, tzinfo=UTC)


def sample_context(*, sparse: bool = False) -> dict[str, Any]:
    """A realistic SEV1 an hour in; or (sparse) one just opened, with nothing known yet."""
    opened = SAMPLE_NOW - timedelta(minutes=65)
    state = IncidentState(
        id="01SAMPLE000000000000000000",
        title="Checkout failing for some customers",
        severity=Severity.SEV1,
        status=Status.IDENTIFIED,
        commander="Alice Moreau",
        communicator="Bram de Vries",
        opened_at=to_iso(opened),
        impact_started_at=to_iso(opened - timedelta(minutes=7)),
    )
    if sparse:
        state = IncidentState(
            id=state.id,
            title="Elevated errors",
            opened_at=to_iso(SAMPLE_NOW - timedelta(minutes=3)),
        )
        return update_context(
            state,
            Board(),
            SAMPLE_NOW,
            stakeholder_zone=UTC,
            local_zone=UTC,
            next_update_due=None,
            workaround=None,
            affected_services=(),
            impact=None,
        )
    return update_context(
        state,
        _sample_board(opened),
        SAMPLE_NOW,
        stakeholder_zone=UTC,
        local_zone=UTC,
        next_update_due=SAMPLE_NOW + timedelta(minutes=20),
        workaround="Customers can pay with PayPal, which is not affected.",
        affected_services=["checkout", "payments"],
        impact="About 30% of card payments fail with an error at the last step.",
        postmortem=_sample_postmortem(state.id, opened),
    )


def _sample_postmortem(incident_id: str, opened: datetime) -> Postmortem:
    at = to_iso(opened + timedelta(days=1))

    def version(text: str) -> list[Version]:
        return [Version(text, "Alice Moreau", at, "E1")]

    return Postmortem(
        incident_id,
        state=PostmortemState.IN_REVIEW,
        started_at=at,
        sections={
            Section.SUMMARY: version(
                "A release changed how long payment requests hold a database connection, "
                "and under the evening peak the payment service ran out of connections."
            ),
            Section.CUSTOMER_IMPACT: version(
                "For 45 minutes about 30% of card payments failed at the last step; no "
                "card was charged for a failed payment."
            ),
            Section.RECOVERY: version(
                "We rolled the release back; payments recovered within two minutes."
            ),
        },
        factors=[
            Factor(
                "C1",
                "No load test covers the evening peak",
                FactorCategory.DEPLOY_SAFETY,
                "Alice Moreau",
                at,
            ),
            Factor(
                "C2",
                "The pool alert fired only at 100%",
                FactorCategory.ALERTING_THRESHOLD,
                "Alice Moreau",
                at,
            ),
        ],
    )


def _sample_board(opened: datetime) -> Board:
    def at(minutes: int) -> str:
        return to_iso(opened + timedelta(minutes=minutes))

    pool = Hypothesis(
        "H1",
        "Payment DB connection pool exhausted after release 42",
        "Chen Li",
        "Chen Li",
        at(10),
        state=HypothesisState.CONFIRMED,
        state_changed_at=at(40),
        confirmed_at=at(40),
        findings=[Finding("F1", "Pool at 100/100 on payments-db-2", "Chen Li", at(25), "H1")],
    )
    return Board(
        hypotheses=[pool, Hypothesis("H2", "Card gateway degraded", "Dana", "Dana", at(12))],
        findings=[Finding("F2", "Gateway status page is green", "Dana", at(30))],
        actions=[
            Action("A1", "Roll back release 42", "Chen Li", at(60), "Alice Moreau", at(45)),
            Action("A2", "Raise the pool size to 200", None, None, "Alice Moreau", at(46)),
            Action(
                "A3",
                "Add a load test at twice the evening peak to every payments release",
                "Chen Li",
                None,
                "Alice Moreau",
                at(1500),
                follow_up=True,
                type=FollowUpType.PREVENT,
            ),
            Action(
                "A4",
                "Alert when the payment pool passes 80% for 5 minutes",
                "Dana",
                None,
                "Alice Moreau",
                at(1500),
                follow_up=True,
                type=FollowUpType.DETECT,
                state=FollowUpState.DONE,
                done_at=at(1600),
            ),
        ],
        decisions=[
            Decision("D1", "Roll back release 42 instead of fixing forward", "Alice", at(44))
        ],
        numbers={
            n: n for n in ("H1", "H2", "F1", "F2", "A1", "A2", "A3", "A4", "D1")
        },  # ids as numbers
    )
