from datetime import UTC, datetime, timedelta

from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso
from commander_app.core.update_facts import UpdateFacts, latest_facts, parse_services

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
        "services": ["checkout", "payments"],
    }
    assert UpdateFacts().body_fields() == {}
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
