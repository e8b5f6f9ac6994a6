from datetime import timedelta

import pytest

from commander_app.core.clock import FixedClock
from commander_app.store.incident_log import IncidentLog


def count(log: IncidentLog) -> int:
    """How many events the log holds: refusals must leave it unchanged."""
    return int(log.conn.execute("SELECT count(*) FROM events").fetchone()[0])


@pytest.fixture
def incident_id(log: IncidentLog, clock: FixedClock) -> str:
    opened = log.open_incident("Checkout 500s", commander="alice", author="alice")
    # Later entries come a moment after, so they sort after the opening in story order.
    clock.advance(timedelta(seconds=1))
    return opened.id
