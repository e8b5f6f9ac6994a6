"""Which template an update uses: audience and phase, everywhere, by one rule."""

from datetime import UTC, datetime, timedelta

import pytest

from commander_app.core.model import Audience, Event, Kind, Status
from commander_app.core.template_catalog import choose_template, first_message, shipped_info
from commander_app.core.times import to_iso

T0 = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
NAMES = [f"{a.value}-{s.value}" for a in Audience for s in Status]
SHIPPED = [shipped_info(n, "x") for n in [*NAMES, "first-update", "executive-summary"]]


def comms(n: int, body: dict[str, object]) -> Event:
    at = to_iso(T0 + timedelta(minutes=n))
    return Event(f"01JDQ00000000000000000000{n}", "inc", Kind.COMMS, body, "cara", "d", at, at)


@pytest.mark.parametrize("phase", list(Status))
def test_executives_never_get_the_customer_acknowledgement(phase: Status) -> None:
    for first in (True, False):
        chosen = choose_template(SHIPPED, Audience.EXECUTIVES, phase, first=first)
        assert chosen.name == f"executives-{phase.value}"


def test_the_public_acknowledgement_is_the_first_customer_message_while_investigating() -> None:
    first = choose_template(SHIPPED, Audience.CUSTOMERS, Status.INVESTIGATING, first=True)
    assert first.name == "first-update"
    later = choose_template(SHIPPED, Audience.CUSTOMERS, Status.INVESTIGATING, first=False)
    assert later.name == "customers-investigating"
    # Once the cause is found, even the first message says so.
    identified = choose_template(SHIPPED, Audience.CUSTOMERS, Status.IDENTIFIED, first=True)
    assert identified.name == "customers-identified"
    internal = choose_template(SHIPPED, Audience.INTERNAL, Status.INVESTIGATING, first=True)
    assert internal.name == "internal-investigating"


def test_a_first_message_is_one_before_any_update_to_that_audience() -> None:
    assert first_message([], Audience.EXECUTIVES)
    snoozed = comms(1, {"text": "s", "action": "snoozed", "audience": "executives"})
    to_customers = comms(2, {"text": "c", "action": "queued", "audience": "customers"})
    assert first_message([snoozed, to_customers], Audience.EXECUTIVES)
    assert not first_message([snoozed, to_customers], Audience.CUSTOMERS)
    sent = comms(3, {"text": "e", "action": "sent", "audience": "executives"})
    assert not first_message([sent], Audience.EXECUTIVES)
