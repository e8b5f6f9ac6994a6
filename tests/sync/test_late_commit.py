"""The pull cursor cannot pass over a row whose transaction commits after a later one's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import psycopg

from commander_app.core.clock import FixedClock
from commander_app.store import team_state
from commander_app.store.incident_log import IncidentLog
from commander_app.team.connection import TeamConnection
from commander_app.team.sync import Round, push_all, run_round
from tests.conftest import START
from tests.sync.conftest import TeamDatabase


def _laptop(tmp_path: Path, name: str) -> IncidentLog:
    return IncidentLog(tmp_path / f"{name}.db", device_id=name, clock=FixedClock(START))


def test_a_row_committed_late_is_still_pulled(tmp_path: Path, team_db: TeamDatabase) -> None:
    a, b, c = (_laptop(tmp_path, f"laptop-{n}") for n in "abc")
    opened = a.open_incident("Payments down", author="alice")
    team_state.share(a, opened.id)
    with team_db.connect("laptop-a", "laptop-b", "laptop-c") as (team_a, team_b, team_c):
        run_round(a, team_a)
        run_round(b, team_b)
        run_round(c, team_c)
        for log in (a, c):
            log.clock.advance(timedelta(seconds=5))  # type: ignore[attr-defined]
        late = a.log(opened.id, "the card processor answers 503", author="alice")
        early = c.log(opened.id, "failover started", author="carol")
        # Laptop A's push takes its position first but commits last (a slow link).
        slow = psycopg.connect(team_db.conninfo())  # not autocommit
        slow.execute("SELECT 1")  # its transaction is open: the push's block is a savepoint
        push_all(a, TeamConnection(slow, "laptop-a"), Round())
        run_round(c, team_c)  # C's entry: a later position, committed at once
        run_round(b, team_b)  # pulled while A's transaction is still open
        # Nothing past A's open transaction is read yet, C's committed entry included.
        assert early.id not in {e.id for e in b.events(opened.id)}
        slow.commit()
        slow.close()
        run_round(b, team_b)
        order = dict(
            team_b.conn.execute(
                "SELECT id, pos FROM commander.events WHERE id = ANY(%s)", [[late.id, early.id]]
            ).fetchall()
        )
    assert order[late.id] < order[early.id]  # the late commit really happened out of order
    assert {late.id, early.id} <= {e.id for e in b.events(opened.id)}


def test_a_plain_position_cursor_would_have_missed_it(team_db: TeamDatabase) -> None:
    """The same schedule read by `pos > last seen`: the late row is skipped for good."""
    with psycopg.connect(team_db.conninfo(), autocommit=True) as reader:
        slow = psycopg.connect(team_db.conninfo())
        fast = psycopg.connect(team_db.conninfo(), autocommit=True)
        insert = (
            "INSERT INTO commander.events (id, incident_id, kind, body, author, device_id, "
            "occurred_at, recorded_at, pushed_by) VALUES (%s, 'I', 'note', '{}', 'a', 'd', "
            "'t', 't', 'd') RETURNING pos"
        )
        late = slow.execute(insert, ["late"]).fetchone()
        early = fast.execute(insert, ["early"]).fetchone()
        assert late is not None
        assert early is not None
        assert late[0] < early[0]
        seen = reader.execute("SELECT max(pos) FROM commander.events").fetchone()
        assert seen is not None
        slow.commit()
        slow.close()
        fast.close()
        naive = reader.execute(
            "SELECT id FROM commander.events WHERE pos > %s", [seen[0]]
        ).fetchall()
        ours = TeamConnection(reader, "other").pull(("0", "0"), 100)
    assert naive == []  # "late" is never read by the plain cursor
    assert {r[0] for r in ours.rows} == {"late", "early"}
