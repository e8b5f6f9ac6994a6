"""Laptops and team databases for the sync benchmark: a throw-away cluster, fast logs.

A team database is made as the tests make one (`tests/sync/conftest.py`): a fresh
database owned by the owner role, the schema migrated by the owner and granted to the
member role; laptops connect as the member over TLS (verify-full), as Commander does.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from commander_app.core.clock import FixedClock
from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso
from commander_app.store import team_state
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.team.config import TeamConfig
from commander_app.team.server_schema import migrate
from tests.support import pg_cluster

START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
CHUNK = 10_000  # events per insert_events call while filling a log
PEOPLE = ("alice", "bob", "chen", "dana")
TEXTS = (
    "{svc} error rate at {pct}% on web-{n}",
    "rolled back {svc} to v2.{n}; errors still at {pct}%",
    "hypothesis: {svc} timeouts caused by the connection pool ({n} waiting)",
    "paged dana for {svc}; p99 latency {ms} ms",
    "customer reports: {svc} pages slow since 13:{pct:02d}",
)
SERVICES = ("payments", "checkout", "auth", "search", "ledger")


@dataclass(frozen=True)
class TeamDatabase:
    cluster: pg_cluster.Cluster
    dbname: str

    def config(self) -> TeamConfig:
        cluster = self.cluster
        return TeamConfig(host="127.0.0.1", port=cluster.port, dbname=self.dbname,
                          user=pg_cluster.MEMBER, sslrootcert=str(cluster.ca_file))  # fmt: skip

    def conninfo(self) -> str:
        return self.config().conninfo(pg_cluster.MEMBER_PASSWORD, application="bench")

    def connect(self) -> Any:
        """A bare psycopg connection of the same kind a laptop opens (member, TLS)."""
        import psycopg

        return psycopg.connect(self.conninfo(), autocommit=True)

    def count(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("SELECT count(*) FROM commander.events").fetchone()[0])


def team_database(cluster: pg_cluster.Cluster) -> TeamDatabase:
    import psycopg

    database = TeamDatabase(cluster, cluster.new_database())
    owner = TeamConfig(host="127.0.0.1", port=cluster.port, dbname=database.dbname,
                       user=pg_cluster.OWNER, sslrootcert=str(cluster.ca_file))  # fmt: skip
    with psycopg.connect(owner.conninfo(pg_cluster.OWNER_PASSWORD), autocommit=True) as conn:
        migrate(conn, "bench-owner", [pg_cluster.MEMBER])
    return database


def laptop(path: Path, device_id: str) -> IncidentLog:
    return IncidentLog(path, device_id=device_id, clock=FixedClock(START))


def notes(log: IncidentLog, incident_id: str, first: int, count: int) -> Iterator[Event]:
    rng = random.Random(first)
    for i in range(first, first + count):
        moment = START + timedelta(milliseconds=10 * (i + 1))
        at = to_iso(moment)
        text = rng.choice(TEXTS).format(svc=rng.choice(SERVICES), pct=rng.randint(1, 59),
                                        n=rng.randint(1, 99), ms=rng.randint(20, 9000))  # fmt: skip
        yield Event(new_ulid(moment), incident_id, Kind.NOTE, {"text": text},
                    PEOPLE[i % len(PEOPLE)], log.device_id, at, at)  # fmt: skip


def shared_incident(log: IncidentLog, count: int) -> str:
    """A shared incident with `count` notes after its opening: real events, chained
    (each after the one before on this device), the projection folded; one transaction."""
    incident_id = log.open_incident("Checkout 500s", commander="alice", author="alice").id
    team_state.share(log, incident_id)
    with write_transaction(log.conn):
        for first in range(0, count, CHUNK):
            log.insert_events(notes(log, incident_id, first, min(CHUNK, count - first)))
        log.refold(incident_id)
    return incident_id


class Stopwatch:
    """Time spent in calls of a function, wrapped for the length of a measurement."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        return timed


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]
