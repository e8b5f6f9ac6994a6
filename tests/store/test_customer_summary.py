"""The customer-facing summary: a shorter public text drafted from the postmortem's
facts through a template (customer-summary), never naming people or internals."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from commander_app.core.clock import FixedClock
from commander_app.core.follow_ups import FollowUpRequest
from commander_app.core.model import FollowUpState, FollowUpType, Milestone, Severity, Status
from commander_app.core.postmortem import FactorCategory, Section
from commander_app.core.template_catalog import CUSTOMER_SUMMARY
from commander_app.store import follow_ups
from commander_app.store import postmortem as pm_store
from commander_app.store.incident_log import IncidentLog
from commander_app.store.templates import draft, get_template

BERLIN = ZoneInfo("Europe/Berlin")


def _resolved_incident(log: IncidentLog, clock: FixedClock) -> str:
    incident = log.open_incident(
        "Checkout failing: payments-db-2 pool", severity=Severity.SEV1, author="alice"
    ).id
    clock.advance(timedelta(minutes=38))
    log.mark_milestone(incident, Milestone.MITIGATED, author="alice")
    clock.advance(timedelta(minutes=10))
    log.set_status(incident, Status.RESOLVED, author="alice")
    clock.advance(timedelta(days=1))
    return incident


def _write_postmortem(log: IncidentLog, incident: str) -> None:
    for section, text in (
        (
            Section.SUMMARY,
            "A change to how payment requests use database connections left "
            "too few connections for the evening peak",
        ),
        (
            Section.CUSTOMER_IMPACT,
            "About 30% of card payments failed at the last step; no "
            "card was charged for a failed payment.",
        ),
        (Section.RECOVERY, "We undid the change and payments recovered within two minutes."),
    ):
        pm_store.write_section(log, incident, section, text, author="alice")
    pm_store.add_factor(log, incident, "No load test at the evening peak",
                        FactorCategory.DEPLOY_SAFETY, author="alice")  # fmt: skip
    pm_store.add_factor(log, incident, "Deploys skip the canary stage on Fridays",
                        FactorCategory.DEPLOY_SAFETY, author="alice")  # fmt: skip
    wanted = [
        ("Add a load test at twice the evening peak to every payments release", "prevent"),
        ("Alert when the payment pool passes 80% for 5 minutes", "detect"),
        ("Run the quarterly on-call rota review with the payments team", "process"),
        ("Write a payments pool runbook page with the resize steps", "mitigate"),
    ]
    for text, kind in wanted:
        request = FollowUpRequest(text, owner="chen", type=FollowUpType.parse(kind))
        follow_ups.add_follow_up(log, incident, request, author="alice")
    follow_ups.move(log, incident, "A2", FollowUpState.DONE,
                    author="chen", evidence="https://alerts.example/rules/42")  # fmt: skip
    follow_ups.move(log, incident, "A4", FollowUpState.WONT,
                    author="alice", reason="the pool resizes itself since the fix")  # fmt: skip


def _summary(log: IncidentLog, incident: str) -> str:
    rendered = draft(
        log,
        incident,
        "customers",
        template=CUSTOMER_SUMMARY,
        now=log.clock.now(),
        stakeholder_zone=BERLIN,
        affected_services=["checkout", "payments"],
    )
    return f"{rendered.subject}\n\n{rendered.body}"


def test_the_summary_quotes_the_postmortem_and_its_commitments(
    log: IncidentLog, clock: FixedClock
) -> None:
    incident = _resolved_incident(log, clock)
    _write_postmortem(log, incident)
    text = _summary(log, incident)

    assert text.startswith("What happened: problems with checkout and payments (")
    assert "left too few connections for the evening peak." in text
    assert "Who was affected: About 30% of card payments failed" in text
    assert "How long: 38 min, from " in text
    assert "How we fixed it: We undid the change" in text
    assert "- Add a load test at twice the evening peak to every payments release.\n" in text
    assert "- Alert when the payment pool passes 80% for 5 minutes (done).\n" in text
    assert "on-call rota" not in text  # a process item is the team's own business
    assert "runbook" not in text  # dropped (won't do): not promised to customers
    for internal in ("alice", "chen", "payments-db-2", "Checkout failing"):
        assert internal not in text, internal
    assert "None" not in text
    assert "\n\n\n" not in text


def test_before_the_postmortem_is_written_it_still_reads_as_a_summary(
    log: IncidentLog, clock: FixedClock
) -> None:
    incident = _resolved_incident(log, clock)
    text = _summary(log, incident)
    assert "We had a problem affecting checkout and payments, starting at " in text
    assert "What we are changing" not in text
    assert "None" not in text
    assert "\n\n\n" not in text


def test_it_is_a_customers_template_a_team_can_edit(log: IncidentLog) -> None:
    shipped = get_template(log, CUSTOMER_SUMMARY)
    assert (shipped.audience, shipped.phase, shipped.origin) == ("customers", None, "shipped")
