"""A real PostgreSQL cluster for the whole run; a database of its own for each test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import pytest

from commander_app.team.config import TeamConfig
from commander_app.team.connection import TeamConnection
from tests.support import pg_cluster


@pytest.fixture(scope="session")
def pg() -> Iterator[pg_cluster.Cluster]:
    cluster = pg_cluster.start_cluster()
    try:
        yield cluster
    finally:
        cluster.remove()


@dataclass(frozen=True)
class TeamDatabase:
    cluster: pg_cluster.Cluster
    dbname: str

    def config(self, user: str = pg_cluster.MEMBER) -> TeamConfig:
        return TeamConfig(
            host="127.0.0.1",
            port=self.cluster.port,
            dbname=self.dbname,
            user=user,
            sslrootcert=str(self.cluster.ca_file),
        )

    def conninfo(self, user: str = pg_cluster.MEMBER) -> str:
        password = (
            pg_cluster.MEMBER_PASSWORD if user == pg_cluster.MEMBER else pg_cluster.OWNER_PASSWORD
        )
        return self.config(user).conninfo(password)

    @contextmanager
    def connect(self, *devices: str) -> Iterator[tuple[TeamConnection, ...]]:
        """A member's connection for each laptop named, closed at the end."""
        with ExitStack() as stack:
            yield tuple(
                stack.enter_context(TeamConnection.open(self.conninfo(), device))
                for device in devices
            )


@pytest.fixture
def team_db(pg: pg_cluster.Cluster) -> TeamDatabase:
    """A fresh database whose team schema the owner created, granted to the member role."""
    import psycopg

    from commander_app.team.server_schema import migrate

    database = TeamDatabase(pg, pg.new_database())
    with psycopg.connect(database.conninfo(pg_cluster.OWNER), autocommit=True) as conn:
        migrate(conn, "owner-laptop", [pg_cluster.MEMBER])
    return database
