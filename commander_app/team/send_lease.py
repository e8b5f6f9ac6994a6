"""One laptop at a time sends an incident's updates through a channel.

Two laptops sharing an incident may each have an update queued for the same status page.
Before sending, a laptop takes a lease on (incident, channel) in the team database (a
session advisory lock: it dies with the laptop's connection), pulls what the others
wrote (so the status-page incident another laptop created is known here, and this
update amends it), sends, and pushes its own record of the send before letting go. The
next laptop, waiting on the lease, then sees that record before it sends.

Offline, the laptop that queued an update sends it: the incident must not go without
news because the team database is away. Two status-page incidents made that way show
as a conflict once the laptops meet again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from commander_app.publish.outbox_worker import Attempt, deferred
from commander_app.store import team_state
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox import OutboxEntry
from commander_app.team.config import TeamConfig
from commander_app.team.connection import TeamConnection
from commander_app.team.sync import Round, pull_all, push_all
from commander_app.team.worker import is_network_problem

__all__ = ["BUSY", "SendLease"]

LEASE_WAIT_MS = 30_000  # longer than a channel's own timeout: the other laptop's send ends
BUSY = (
    "Another laptop is sending an update for this incident through this channel; this one "
    "goes right after it."
)


class SendLease:
    """`around` for `outbox_worker.deliver_due`, on this log's own team connection."""

    def __init__(
        self, log: IncidentLog, config: TeamConfig, password: Callable[[], str | None]
    ) -> None:
        self.log = log
        self.config = config
        self._password = password
        self._team: TeamConnection | None = None

    def close(self) -> None:
        if self._team is not None:
            with contextlib.suppress(Exception):
                self._team.close()
            self._team = None

    def _connect(self) -> TeamConnection:
        if self._team is None or self._team.closed:
            conninfo = self.config.conninfo(self._password())
            self._team = TeamConnection.open(conninfo, self.log.device_id)
        return self._team

    def around(self, row: OutboxEntry, send: Callable[[], Attempt]) -> Attempt:
        if row.incident_id not in team_state.shared_ids(self.log):
            return send()
        try:
            team = self._connect()
            got = self._lock(team, f"{row.incident_id}/{row.channel}")
        except Exception as problem:
            if not is_network_problem(problem):
                raise
            self.close()
            return send()
        if not got:
            return deferred(self.log, row, BUSY, 5.0)
        try:
            with contextlib.suppress(Exception):  # a pull that fails: send what is known
                pull_all(self.log, team, Round())
            attempt = send()
            with contextlib.suppress(Exception):  # else the sync worker pushes it later
                push_all(self.log, team, Round())
            return attempt
        finally:
            self._unlock(team, f"{row.incident_id}/{row.channel}")

    def _lock(self, team: TeamConnection, key: str) -> bool:
        """Wait for the lease (at most LEASE_WAIT_MS); False when it stayed taken."""
        import psycopg

        conn = team.conn
        conn.execute(f"SET statement_timeout = {LEASE_WAIT_MS + 5_000}")
        conn.execute(f"SET lock_timeout = {LEASE_WAIT_MS}")
        try:
            conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [key])
        except psycopg.errors.LockNotAvailable:
            return False
        except psycopg.errors.QueryCanceled:
            return False
        finally:
            with contextlib.suppress(Exception):
                conn.execute("RESET lock_timeout")
                conn.execute("RESET statement_timeout")
        return True

    def _unlock(self, team: TeamConnection, key: str) -> None:
        with contextlib.suppress(Exception):  # a dead connection has let go already
            team.conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def lease_for(log: IncidentLog) -> SendLease | None:
    """The lease when this laptop has a team database set up; else None."""
    stored = team_state.config(log)
    if stored is None:
        return None
    from commander_app.team.config import TeamSecrets

    config = TeamConfig.from_dict(stored)
    return SendLease(log, config, lambda: TeamSecrets().get(config.key))
