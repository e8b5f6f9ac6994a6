"""An incident's services are those its updates named: they filter follow-ups and find
earlier incidents of the same service even when the titles share no word."""

from __future__ import annotations

from datetime import timedelta

from commander_app.core.clock import FixedClock
from commander_app.core.follow_ups import FollowUpRequest
from commander_app.core.model import Audience
from commander_app.core.postmortem import FactorCategory
from commander_app.core.update_facts import UpdateFacts
from commander_app.store import cadence
from commander_app.store import follow_ups as follow_up_store
from commander_app.store import postmortem as pm_store
from commander_app.store.incident_log import IncidentLog
from commander_app.store.services import incident_services, known_services


def _update(log: IncidentLog, incident: str, *services: str) -> str:
    return cadence.record_sent(
        log, incident, Audience.CUSTOMERS, "We are looking into it.", author="bram",
        facts=UpdateFacts.of("Card payments fail", None, services),
    ).id  # fmt: skip


def test_the_services_are_what_the_updates_named_corrections_left_out(
    log: IncidentLog,
) -> None:
    incident = log.open_incident("Errors at the last step", author="ada").id
    _update(log, incident, "checkout", "payments")
    wrong = _update(log, incident, "search")
    log.log(incident, "That update named the wrong service", author="bram", supersedes=wrong)
    _update(log, incident, "Payments", "ledger")
    assert incident_services(log, incident) == ["checkout", "payments", "Payments", "ledger"]
    assert known_services(log) == ["checkout", "ledger", "Payments", "search"]


def test_follow_ups_filter_by_service(log: IncidentLog, clock: FixedClock) -> None:
    pay = log.open_incident("Errors at the last step", author="ada").id
    _update(log, pay, "checkout", "payments")
    follow_up_store.add_follow_up(
        log, pay, FollowUpRequest("Add a canary stage to payments deploys"), author="ada"
    )
    other = log.open_incident("Search slow", author="ada").id
    _update(log, other, "search")
    follow_up_store.add_follow_up(
        log, other, FollowUpRequest("Alert on search p99 above 2 s"), author="ada"
    )
    quiet = log.open_incident("Nobody told", author="ada").id
    follow_up_store.add_follow_up(
        log, quiet, FollowUpRequest("Write the reindex runbook page"), author="ada"
    )

    def listed(service: str | None) -> list[str]:
        which = follow_up_store.FollowUpFilter(service=service)
        return [row.text for row in follow_up_store.follow_ups(log, clock.now(), which)]

    assert listed("PAYMENTS") == ["Add a canary stage to payments deploys"]
    assert listed("search") == ["Alert on search p99 above 2 s"]
    assert listed("billing") == []
    assert len(listed(None)) == len(listed("  ")) == 3


def test_an_earlier_incident_of_the_same_service_is_recalled_without_shared_words(
    log: IncidentLog, clock: FixedClock
) -> None:
    march = log.open_incident("Card authorisations time out", author="ada").id
    _update(log, march, "payments")
    pm_store.add_factor(
        log, march, "The gateway pool has no alert", FactorCategory.ALERTING_MISSING, author="ada"
    )
    follow_up_store.add_follow_up(
        log, march, FollowUpRequest("Alert when the gateway pool passes 80%"), author="ada"
    )
    clock.advance(timedelta(days=90))
    now = log.open_incident("Errors at the last step", author="ada").id
    assert pm_store.earlier_incidents(log, now) == []  # no word shared, no service named yet
    _update(log, now, "Payments")
    [earlier] = pm_store.earlier_incidents(log, now)
    assert earlier.incident_id == march
    assert earlier.shared == ("service Payments",)
    assert earlier.open_items == ("A1 Alert when the gateway pool passes 80% (no owner)",)
