"""Update templates: shipped and user ones, overrides, and drafts from a real incident."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from commander_app.core.clock import FixedClock
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import HypothesisState, Role, Severity, Status
from commander_app.core.templates import RenderedUpdate, TemplateError
from commander_app.store import board
from commander_app.store.incident_log import IncidentLog
from commander_app.store.templates import (
    delete_template,
    draft,
    duplicate_template,
    get_template,
    list_templates,
    pick_template,
    save_template,
    shipped_templates,
)

AUDIENCES = ("internal", "executives", "customers")
PHASES = ("investigating", "identified", "monitoring", "resolved")
BERLIN = ZoneInfo("Europe/Berlin")


def realistic_incident(log: IncidentLog, clock: FixedClock) -> str:
    """A SEV1 an hour in, built through the real store the way responders build it."""
    start = clock.now()
    incident = log.open_incident(
        "Checkout failing for card payments", severity=Severity.SEV1, commander="alice",
        author="alice",
    ).id  # fmt: skip
    log.assign_role(incident, Role.COMMUNICATOR, "bram", author="alice")
    clock.advance(timedelta(minutes=5))
    pool = board.open_hypothesis(
        log, incident, "Payment DB pool exhausted since release 42", owner="chen", author="alice"
    ).id
    board.open_hypothesis(log, incident, "Card gateway degraded", owner="dana",
                                  author="alice")  # fmt: skip
    clock.advance(timedelta(minutes=10))
    board.add_finding(log, incident, "Pool at 100/100 on payments-db-2",
                              hypothesis_id=pool, author="chen")  # fmt: skip
    board.add_finding(log, incident, "Gateway status page is green", author="dana")
    clock.advance(timedelta(minutes=10))
    board.set_hypothesis_state(log, incident, pool, HypothesisState.CONFIRMED,
                                       author="alice")  # fmt: skip
    log.set_status(incident, Status.IDENTIFIED, author="alice")
    board.record_decision(log, incident, "Roll back release 42",
                                  options=["roll back", "fix forward"], reversible=True,
                                  author="alice")  # fmt: skip
    board.add_action(log, incident, "Roll back release 42", owner="chen",
                             due=clock.now() + timedelta(minutes=15), author="alice")  # fmt: skip
    board.add_action(log, incident, "Raise the pool size", author="alice")
    clock.advance(timedelta(minutes=40))
    assert clock.now() - start == timedelta(minutes=65)
    return incident


def realistic_draft(
    log: IncidentLog, incident: str, audience: str, template: str
) -> RenderedUpdate:
    return draft(
        log,
        incident,
        audience,
        template=template,
        now=log.clock.now(),
        next_update_due=log.clock.now() + timedelta(minutes=20),
        stakeholder_zone=BERLIN,
        workaround="Pay with PayPal, which works.",
        affected_services=["checkout", "payments"],
        impact="About 30% of card payments fail at the last step.",
    )


def test_commander_ships_a_template_per_audience_and_phase_and_four_more() -> None:
    names = set(shipped_templates())
    expected = {f"{a}-{p}" for a in AUDIENCES for p in PHASES}
    assert names == expected | {
        "first-update",
        "executive-summary",
        "handoff-briefing",
        "customer-summary",
    }
    for template in shipped_templates().values():
        assert template.origin == "shipped"
        assert template.body.startswith("Subject:"), template.name


@pytest.mark.parametrize("name", sorted(shipped_templates()))
def test_every_shipped_template_fills_from_a_realistic_incident(
    log: IncidentLog, clock: FixedClock, name: str
) -> None:
    incident = realistic_incident(log, clock)
    audience = shipped_templates()[name].audience
    rendered = realistic_draft(log, incident, "internal" if audience == "all" else audience, name)
    assert rendered.subject
    assert "None" not in rendered.body
    assert "None" not in rendered.subject
    assert "\n\n\n" not in rendered.body
    if audience == "internal":
        assert "alice" in rendered.body
        assert "Payment DB pool exhausted since release 42" in rendered.body
    if audience in ("customers", "all"):
        text = rendered.subject + rendered.body
        for internal in ("alice", "chen", "bram", "release 42", "pool", "Checkout failing"):
            assert internal not in text, f"{name} leaks '{internal}' to customers"
        assert "checkout and payments" in text
    if not name.endswith("resolved") and name != "customer-summary":  # after the incident
        # 15:05 UTC now; internal texts say UTC, the others the readers' zone
        due = "15:25 UTC" if audience == "internal" else "16:25 CET"
        assert due in rendered.body, "the next update time"


@pytest.mark.parametrize("name", sorted(shipped_templates()))
def test_every_shipped_template_fills_from_a_sparse_incident(log: IncidentLog, name: str) -> None:
    incident = log.open_incident("Elevated errors", author="alice").id
    rendered = draft(log, incident, "internal", template=name, now=log.clock.now())
    assert rendered.body.strip()
    assert "None" not in rendered.body
    assert "None" not in (rendered.subject or "")


def test_drafts_pick_the_template_for_the_audience_and_phase(
    log: IncidentLog, clock: FixedClock
) -> None:
    incident = realistic_incident(log, clock)
    customers = draft(log, incident, "customers", now=clock.now())
    assert customers.subject == "Cause found: service disruption"
    assert customers == draft(
        log, incident, "customers", template="customers-identified", now=clock.now()
    )
    # The first executive update of an identified incident names severity, cause and
    # commander: never the customers' "we are investigating".
    first = draft(log, incident, "executives", now=clock.now())
    assert first.subject == "SEV1 incident: Checkout failing for card payments (cause identified)"
    assert "Cause: Payment DB pool exhausted since release 42." in first.body
    assert "Incident commander: alice." in first.body
    assert first == draft(log, incident, "executives", now=clock.now(), first=True)
    assert pick_template(log, "internal", "monitoring").name == "internal-monitoring"
    assert pick_template(log, "customers", "resolved", first=True).name == "customers-resolved"
    assert pick_template(log, "customers", "investigating", first=True).name == "first-update"
    assert pick_template(log, "executives", "investigating", first=True).name == (
        "executives-investigating"
    )


def test_a_drill_says_so(log: IncidentLog) -> None:
    incident = log.open_incident("Game day", drill=True, author="alice").id
    rendered = draft(log, incident, "customers", now=log.clock.now())
    assert rendered.subject is not None
    assert rendered.subject.startswith("[DRILL]")
    assert "practice exercise" in rendered.body


def test_a_user_template_overrides_a_shipped_one_until_removed(log: IncidentLog) -> None:
    incident = log.open_incident("Elevated errors", author="alice").id
    shipped = get_template(log, "customers-investigating")
    saved = save_template(
        log, "customers-investigating", "Subject: Looking into it\n\nWe are on it.\n",
        "customers", "investigating",
    )  # fmt: skip
    assert saved.origin == "override"
    assert saved.updated_at == "2026-11-28T14:00:00.000000Z"
    later = draft(log, incident, "customers", now=log.clock.now(), first=False)
    assert later.body == "We are on it.\n"
    listed = {t.name: t for t in list_templates(log)}
    assert listed["customers-investigating"].origin == "override"
    assert len(listed) == len(shipped_templates())

    restored = delete_template(log, "customers-investigating")
    assert restored == shipped
    assert get_template(log, "customers-investigating") == shipped
    assert (
        draft(log, incident, "customers", now=log.clock.now(), first=False).body
        != "We are on it.\n"
    )


def test_own_templates_are_listed_duplicated_and_deleted(log: IncidentLog) -> None:
    save_template(log, "Partner-Outage", "Subject: {{ title }}\n\nHi partners.\n", "all", None)
    mine = get_template(log, "partner-outage")
    assert (mine.origin, mine.audience, mine.phase) == ("custom", "all", None)
    copy = duplicate_template(log, "customers-resolved", "customers-resolved-short")
    assert copy.body == shipped_templates()["customers-resolved"].body
    assert (copy.audience, copy.phase, copy.origin) == ("customers", "resolved", "custom")
    with pytest.raises(ValidationError, match="already a template 'partner-outage'"):
        duplicate_template(log, "customers-resolved", "partner-outage")
    assert delete_template(log, "partner-outage") is None
    with pytest.raises(NotFoundError, match="no template 'partner-outage'"):
        get_template(log, "partner-outage")
    save_template(log, "partner-outage", "Back: {{ title }}", "customers", "resolved")
    assert get_template(log, "partner-outage").body == "Back: {{ title }}"


def test_a_shipped_template_cannot_be_removed(log: IncidentLog) -> None:
    with pytest.raises(ValidationError, match="shipped template and cannot be removed"):
        delete_template(log, "internal-identified")


def test_a_broken_template_is_refused_and_nothing_is_saved(log: IncidentLog) -> None:
    def stored() -> int:
        return int(log.conn.execute("SELECT count(*) FROM templates").fetchone()[0])

    with pytest.raises(TemplateError, match="placeholder 'titel' on line 3"):
        save_template(log, "broken", "Subject: x\n\n{{ titel }}\n", "internal", "identified")
    with pytest.raises(TemplateError, match="little is known yet"):
        save_template(log, "fragile", "{{ leading_hypothesis.upper() }}", "internal", None)
    with pytest.raises(TemplateError, match="which templates may not do"):
        save_template(log, "sneaky", "{{ ''.__class__ }}", "internal", None)
    with pytest.raises(TemplateError, match="mistake on line 1"):
        save_template(log, "customers-identified", "{% if %}", "customers", "identified")
    assert stored() == 0
    assert get_template(log, "customers-identified").origin == "shipped"


@pytest.mark.parametrize(
    ("name", "audience", "phase", "message"),
    [
        ("with space", "internal", None, "cannot be a template name"),
        ("", "internal", None, "needs a name"),
        ("ok", "board", None, "Unknown audience 'board'"),
        ("ok", "internal", "fixed", "Unknown phase 'fixed'"),
    ],
)
def test_names_audiences_and_phases_are_checked(
    log: IncidentLog, name: str, audience: str, phase: str | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        save_template(log, name, "Hello {{ title }}", audience, phase)


def test_a_saved_template_survives_reopening_the_log(log: IncidentLog, clock: FixedClock) -> None:
    save_template(log, "mine", "Hello {{ title }}", "internal", None)
    with IncidentLog(log.path, device_id="other", clock=clock) as again:
        assert get_template(again, "mine").body == "Hello {{ title }}"


def test_internal_texts_name_board_items_by_number_and_executives_do_not(
    log: IncidentLog, clock: FixedClock
) -> None:
    incident = realistic_incident(log, clock)
    internal = realistic_draft(log, incident, "internal", "internal-identified").body
    assert "Cause: H1 Payment DB pool exhausted since release 42 (owner chen)" in internal
    assert "- F2 Gateway status page is green" in internal
    assert "- F1 Pool at 100/100 on payments-db-2" in internal
    assert "- D1 Roll back release 42" in internal
    assert "- A1 Roll back release 42 (chen)" in internal
    assert "- A2 Raise the pool size (no owner)" in internal
    briefing = realistic_draft(log, incident, "internal", "handoff-briefing").body
    assert "- A2 Raise the pool size (no owner)" in briefing
    executives = realistic_draft(log, incident, "executives", "executives-identified").body
    assert "A1" not in executives
    assert "D1" not in executives
