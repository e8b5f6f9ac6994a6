"""One connection to the team database: push, pull, presence. No local state here.

The pull's cursor is (transaction id, position) under the snapshot's horizon: a row is
read only once every transaction that could still commit before it has finished
(`pg_snapshot_xmin(pg_current_snapshot())`), so a row whose transaction commits late is
never passed over, as a plain sequence cursor would (a sequence hands out numbers when
rows are inserted, not when they commit). Laptops' clocks play no part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commander_app.team.server_schema import EVENT_INSERT_COLUMNS, NOTIFY_CHANNEL, SCHEMA, check

if TYPE_CHECKING:
    import psycopg

__all__ = ["Cursor", "Device", "Pulled", "TeamConnection"]

START: tuple[str, str] = ("0", "0")  # before every row
_PULL_COLUMNS = (
    "id, incident_id, kind, body, author, device_id, occurred_at, recorded_at, supersedes, "
    "chain_prev, chain_hash"
)
Cursor = tuple[str, str]  # (xid8 as text, position as text): what the log keeps


@dataclass(frozen=True)
class Pulled:
    rows: list[tuple[Any, ...]]
    cursor: Cursor  # where the next pull starts
    complete: bool  # nothing more below the horizon right now


@dataclass(frozen=True)
class Device:
    device_id: str
    person: str
    incidents: list[str]
    seconds_ago: float


class TeamConnection:
    """A psycopg connection (autocommit; each call makes its own transaction)."""

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]], device_id: str) -> None:
        self.conn = conn
        self.device_id = device_id

    @classmethod
    def open(cls, conninfo: str, device_id: str) -> TeamConnection:
        import psycopg

        conn = psycopg.connect(conninfo, autocommit=True)
        try:
            check(conn)
        except Exception:
            conn.close()
            raise
        return cls(conn, device_id)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> TeamConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return bool(self.conn.closed)

    def push(self, rows: Sequence[tuple[Any, ...]]) -> int:
        """Insert the events the server lacks, in their order, in one transaction, and
        wake the other laptops; the number the server did not have yet.

        COPY first (the fast way); when the server has some of them already (a push that
        died after the server committed), the batch goes again as an INSERT that skips
        the ones it has."""
        if not rows:
            return 0
        import psycopg

        names = ", ".join(EVENT_INSERT_COLUMNS)
        with self.conn.transaction():
            try:
                copy_sql = f"COPY {SCHEMA}.events ({names}) FROM STDIN"
                with (
                    self.conn.transaction(),
                    self.conn.cursor() as cursor,
                    cursor.copy(copy_sql) as copy,
                ):
                    for row in rows:
                        copy.write_row((*row, self.device_id))
                added = len(rows)
            except psycopg.errors.UniqueViolation:
                added = self._insert_missing(rows)
            if added:
                self.conn.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, self.device_id])
        return added

    def _insert_missing(self, rows: Sequence[tuple[Any, ...]]) -> int:
        columns = list(zip(*rows, strict=True))
        arrays = [list(c) for c in columns] + [[self.device_id] * len(rows)]
        names = ", ".join(EVENT_INSERT_COLUMNS)
        unnest = ", ".join("%s::text[]" for _ in EVENT_INSERT_COLUMNS)
        cursor = self.conn.execute(
            f"INSERT INTO {SCHEMA}.events ({names}) "
            f"SELECT {names} FROM unnest({unnest}) WITH ORDINALITY "
            f"AS u({names}, ord) ORDER BY ord ON CONFLICT (id) DO NOTHING",
            arrays,
        )
        return int(cursor.rowcount)

    def pull(self, after: Cursor, limit: int, incident_id: str | None = None) -> Pulled:
        """The next rows other laptops pushed, after `after`, below the horizon.

        `incident_id`: only that incident's (an incident shared again)."""
        with self.conn.transaction():
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # The cursor's index in order, never a sort of every row after the cursor (what
            # the planner picks for a table it has no statistics of yet, after a big push).
            self.conn.execute("SET LOCAL enable_sort = off")
            horizon = self.conn.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text"
            ).fetchone()
            assert horizon is not None
            where = "AND e.incident_id = %s " if incident_id is not None else ""
            params: list[Any] = [horizon[0], after[0], after[1], self.device_id]
            if incident_id is not None:
                params.append(incident_id)
            found = self.conn.execute(
                # The cursor's columns as text under other names: `ORDER BY tx` would
                # otherwise sort by the text output column (and put 10 before 8).
                f"SELECT {_PULL_COLUMNS}, e.tx::text AS tx_text, e.pos::text AS pos_text "
                f"FROM {SCHEMA}.events AS e "
                "WHERE e.tx < %s::xid8 AND (e.tx, e.pos) > (%s::xid8, %s::bigint) "
                f"AND e.pushed_by <> %s {where}ORDER BY e.tx, e.pos LIMIT %s",
                [*params, limit],
            ).fetchall()
        rows = [tuple(r[:-2]) for r in found]
        if len(found) == limit:
            return Pulled(rows, (str(found[-1][-2]), str(found[-1][-1])), False)
        # Every row below the horizon was read: the next pull starts at the horizon.
        return Pulled(rows, (str(horizon[0]), "0"), True)

    def has(self, event_id: str) -> bool:
        row = self.conn.execute(
            f"SELECT 1 FROM {SCHEMA}.events WHERE id = %s", [event_id]
        ).fetchone()
        return row is not None

    def behind(self, after: Cursor) -> int:
        """How many rows of other laptops wait after `after` (for "catching up N")."""
        row = self.conn.execute(
            f"SELECT count(*) FROM {SCHEMA}.events WHERE (tx, pos) > (%s::xid8, %s::bigint) "
            "AND pushed_by <> %s",
            [after[0], after[1], self.device_id],
        ).fetchone()
        return int(row[0]) if row else 0

    def seen(self, person: str, incidents: Sequence[str], app_version: str) -> None:
        """This laptop is here, working on `incidents` (the server's clock stamps it)."""
        self.conn.execute(
            f"INSERT INTO {SCHEMA}.devices (device_id, person, incidents, app_version) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (device_id) DO UPDATE SET "
            "person = excluded.person, incidents = excluded.incidents, "
            "app_version = excluded.app_version, seen_at = now()",
            [self.device_id, person, list(incidents), app_version],
        )

    def devices(self, within_seconds: int = 60) -> list[Device]:
        """The other laptops seen in the last minute, by the server's clock."""
        rows = self.conn.execute(
            f"SELECT device_id, person, incidents, extract(epoch FROM now() - seen_at) "
            f"FROM {SCHEMA}.devices WHERE device_id <> %s "
            "AND seen_at > now() - make_interval(secs => %s) ORDER BY person, device_id LIMIT 50",
            [self.device_id, within_seconds],
        ).fetchall()
        return [
            Device(str(d)[:100], str(p)[:100], [str(i)[:40] for i in (inc or [])][:50], float(s))
            for d, p, inc, s in rows
        ]
