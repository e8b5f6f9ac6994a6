from datetime import UTC, datetime, timedelta

from commander_app.core.model import Event, IncidentState, Kind, Status
from commander_app.core.times import to_iso
from commander_app.core.update_facts import UpdateFacts, carried_facts, latest_facts, parse_services

T0 = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


def comms(n: int, body: dict[str, object], supersedes: str | None = None) -> Event:
    at = to_iso(T0 + timedelta(minutes=n))
    return Event(f"01JDQ00000000000000000000{n}", "inc", Kind.COMMS, body, "cara", "d", at, at,
                 supersedes)  # fmt: skip


def test_what_is_typed_is_trimmed_and_blanks_mean_none() -> None:
    facts = UpdateFacts.of("  Card payments fail ", "", [" checkout", "payments", "checkout", " "])
    assert facts == UpdateFacts("Card payments fail", None, ("checkout", "payments"))
    assert facts.body_fields() == {
        "impact": "Card payments fail",
        "workaround": None,
        "services": ["checkout", "payments"],
    }
    assert UpdateFacts().body_fields() == {"impact": None, "workaround": None}


def test_an_update_that_cleared_the_facts_is_where_the_next_draft_starts() -> None:
    said = comms(1, {"text": "a", "action": "sent", "impact": "Slow checkout"})
    cleared = comms(2, {"text": "b", "action": "sent", **UpdateFacts().body_fields()})
    assert latest_facts([said, cleared]) == UpdateFacts()
    assert parse_services("checkout,  payments ,") == ("checkout", "payments")


def test_the_newest_update_that_said_something_wins_and_voided_ones_do_not_count() -> None:
    first = comms(1, {"text": "a", "action": "sent", "impact": "Slow checkout"})
    second = comms(2, {"text": "b", "action": "queued", "impact": "Checkout down",
                       "services": ["checkout"]})  # fmt: skip
    snooze = comms(3, {"text": "c", "action": "snoozed"})
    assert latest_facts([first, second, snooze]) == UpdateFacts(
        "Checkout down", None, ("checkout",)
    )
    voided = comms(4, {"text": "wrong update"}, supersedes=second.id)
    assert latest_facts([snooze, voided, second, first]).impact == "Slow checkout"
    assert latest_facts([]) == UpdateFacts()


def status(n: int, value: str) -> Event:
    at = to_iso(T0 + timedelta(minutes=n))
    return Event(f"01JDQ0000000000000000000S{n}", "inc", Kind.STATUS, {"status": value},
                 "cara", "d", at, at)  # fmt: skip


def incident(status_now: Status, mitigated: int | None = None) -> IncidentState:
    return IncidentState(
        id="inc", title="Payments", status=status_now,
        mitigated_at=to_iso(T0 + timedelta(minutes=mitigated)) if mitigated is not None else None,
    )  # fmt: skip


def test_facts_from_an_earlier_phase_are_named_with_the_update_they_came_from() -> None:
    said = comms(2, {"text": "u", "action": "sent", "audience": "customers",
                     "impact": "38 % of payments fail",
                     "workaround": "Pay with PayPal"})  # fmt: skip
    events = [status(1, "identified"), said, status(5, "monitoring")]
    carried = carried_facts(events, incident(Status.MONITORING, mitigated=4))
    assert [(c.field, c.value, c.phase) for c in carried] == [
        ("impact", "38 % of payments fail", Status.IDENTIFIED),
        ("workaround", "Pay with PayPal", Status.IDENTIFIED),
    ]
    assert carried[0].note(T0, UTC) == (
        "The impact was carried over from the identified update to customers at 14:02 UTC, "
        "written before the impact was mitigated: confirm it still holds, or clear it."
    )
    # Written in this phase, after any mitigation: nothing to confirm.
    assert carried_facts([status(1, "identified"), said], incident(Status.IDENTIFIED)) == []
    # Mitigated since, even without a change of status: ask.
    assert len(carried_facts([said], incident(Status.INVESTIGATING, mitigated=3))) == 2
