"""Team sync benchmarks on a throw-away PostgreSQL cluster, each against a same-run baseline.

1. Push: 100,000 events of one shared incident in a local log, sent by
   `team.sync.push_all` into an empty team database (batches of 2,000, one server
   transaction each) vs the same rows (the same columns, read from the same local log)
   written by a bare `COPY commander.events (...) FROM STDIN`, and by a bare
   `executemany` INSERT, each into a fresh team database made the same way. Both
   baselines include reading the rows from the local log, as the push does. Target <= 2.
2. Latency: laptops A and B (their own SQLite files), each with a running `SyncWorker`
   thread as the window runs it. The benchmark writes 1,000 entries into A's file one by
   one, one every 20 ms, through an `IncidentLog` of its own (as the window writes), and
   a reader of B's file looks every 3 ms for them. Latency: from the commit on A to the
   entry readable in B's file. Printed p50, p95, max. Target: p95 <= 1 s on loopback.
3. Catch-up: B was offline while A pushed 50,000 events; B pulls them all
   (`team.sync.pull_all` into an empty log) vs a bare `SELECT` of the same rows over the
   same kind of connection (fetchall). The pull's time is split into the team database's
   part (`TeamConnection.pull` calls) and the local write (`store.team_pull.apply`:
   parsing and checking each event, SQLite insert, full-text index, chain checks,
   projection). Target <= 2 against the bare SELECT, for the whole catch-up (the issue's
   figure) and for the team database's part alone.

Every connection to the team database is the member role's over TLS (verify-full) on
127.0.0.1, as a laptop connects. Run from the repository root (a report, not a test;
it exits 0 whatever the figures):

    python tests/perf/bench_sync.py [--events 100000] [--catchup 50000] [--entries 1000]
    python tests/perf/bench_sync.py --quick              # small sizes: a smoke run
    python tests/perf/bench_sync.py --only catchup --profile   # where the time goes
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_store import Row, print_table, timed
from sync_laptops import (
    Stopwatch,
    TeamDatabase,
    laptop,
    percentile,
    shared_incident,
    team_database,
)

from commander_app.store import team_pull, team_state
from commander_app.store.incident_log import IncidentLog
from commander_app.store.team_state import PUSH_COLUMNS
from commander_app.team.connection import TeamConnection
from commander_app.team.server_schema import EVENT_INSERT_COLUMNS
from commander_app.team.sync import Round, pull_all, push_all
from commander_app.team.worker import SyncWorker
from tests.support import pg_cluster

_LOCAL_SQL = f"SELECT {', '.join(PUSH_COLUMNS)} FROM events ORDER BY seq"
_NAMES = ", ".join(EVENT_INSERT_COLUMNS)


def profile_pass(label: str, fn: Callable[[], object]) -> None:
    """One more pass of `fn` under cProfile, after the timed one: where the time goes."""
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.runcall(fn)
    seconds = time.perf_counter() - started
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(20)
        print(f"\n--- profile of {label}, by {order} ({seconds:.2f} s under the profiler) ---")
        print("\n".join(out.getvalue().splitlines()[4:]).rstrip())


def local_rows(log: IncidentLog) -> list[tuple[Any, ...]]:
    """The push's columns of every event of the log, as the server stores them."""
    return [(*row, log.device_id) for row in log.conn.execute(_LOCAL_SQL)]


def bare_copy(database: TeamDatabase, log: IncidentLog) -> float:
    with database.connect() as conn:

        def copy_rows() -> None:
            rows = local_rows(log)
            sql = f"COPY commander.events ({_NAMES}) FROM STDIN"
            with conn.transaction(), conn.cursor() as cur, cur.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)

        return timed(copy_rows)


def bare_executemany(database: TeamDatabase, log: IncidentLog) -> float:
    marks = ", ".join("%s" for _ in EVENT_INSERT_COLUMNS)
    with database.connect() as conn:

        def insert_rows() -> None:
            rows = local_rows(log)
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(f"INSERT INTO commander.events ({_NAMES}) VALUES ({marks})", rows)

        return timed(insert_rows)


def bench_push(cluster: pg_cluster.Cluster, work: Path, count: int, profile: bool) -> list[Row]:
    log = laptop(work / "push-a.db", "laptop-a")
    started = time.perf_counter()
    shared_incident(log, count)
    total = count + 1  # and the opening
    print(f"  local log: {total:,} events in {time.perf_counter() - started:.1f} s")
    database = team_database(cluster)
    result = Round()
    on_server = Stopwatch()
    with TeamConnection.open(database.conninfo(), log.device_id) as team:
        team.push = on_server.wrap(team.push)  # type: ignore[method-assign]
        push_s = timed(lambda: push_all(log, team, result))
    if (result.pushed, database.count()) != (total, total):
        print(f"  WRONG: {result.pushed:,} pushed, {database.count():,} on the server")
    print(f"  push_all sent {result.sent:,} rows in {on_server.calls} batches for "
          f"{result.pushed:,} new on the server")  # fmt: skip
    read_s = timed(lambda: local_rows(log))
    copy_db, many_db = team_database(cluster), team_database(cluster)
    copy_s = bare_copy(copy_db, log)
    many_s = bare_executemany(many_db, log)
    if not copy_db.count() == many_db.count() == total:
        print(f"  WRONG: the baselines wrote {copy_db.count():,} and {many_db.count():,} rows")
    log.close()
    if profile:
        again = laptop(work / "push-profiled.db", "laptop-p")
        shared_incident(again, count)
        with TeamConnection.open(team_database(cluster).conninfo(), again.device_id) as team:
            profile_pass(f"push_all of {total:,} events", lambda: push_all(again, team, Round()))
        again.close()
    return [
        Row(f"push {total:,} events vs bare COPY", push_s, copy_s, 2.0),
        Row(f"push {total:,} events vs executemany", push_s, many_s, 2.0),
        Row("  (info) push: TeamConnection.push calls", on_server.seconds, copy_s, None),
        Row(
            "  (info) push: the rest (local reads, marks)", push_s - on_server.seconds, copy_s, None
        ),
        Row("  (info) reading them from the log", read_s, copy_s, None),
    ]


class Watcher:
    """A reader of B's file: when each event first became readable there."""

    def __init__(self, path: Path, every: float = 0.003) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False)
        self.every = every
        self.seen: dict[str, float] = {}
        self._last = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watch-b", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.conn.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            rows = self.conn.execute(
                "SELECT seq, id FROM events WHERE seq > ? ORDER BY seq", [self._last]
            ).fetchall()
            now = time.perf_counter()
            for seq, event_id in rows:
                self.seen.setdefault(event_id, now)
                self._last = seq
            self._stop.wait(self.every)

    def wait_for(self, ids: list[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(i in self.seen for i in ids):
                return True
            time.sleep(0.05)
        return False


def bench_latency(cluster: pg_cluster.Cluster, work: Path, entries: int, every: float) -> None:
    database = team_database(cluster)
    path_a, path_b = work / "live-a.db", work / "live-b.db"
    window_a = IncidentLog(path_a, device_id="laptop-a")  # the window's writes, real clock
    incident_id = window_a.open_incident("Live", commander="alice", author="alice").id
    team_state.share(window_a, incident_id)
    IncidentLog(path_b, device_id="laptop-b").close()
    rounds = {"laptop-a": 0, "laptop-b": 0}

    def worker(path: Path, device: str, person: str) -> SyncWorker:
        def counted(_: Round) -> None:
            rounds[device] += 1

        return SyncWorker(
            path,
            device_id=device,
            person=person,
            config=database.config(),
            password=lambda: pg_cluster.MEMBER_PASSWORD,
            on_round=counted,
        )

    workers = [worker(path_a, "laptop-a", "alice"), worker(path_b, "laptop-b", "bob")]
    watcher = Watcher(path_b)
    for w in workers:
        w.start()
    watcher.start()
    written: dict[str, float] = {}
    try:
        opening = window_a.conn.execute("SELECT id FROM events").fetchone()[0]
        if not watcher.wait_for([opening], 30):
            print(f"  the opening never reached B: {[w.status for w in workers]}")
            return
        started = time.perf_counter()
        for n in range(entries):
            pause = started + n * every - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            event = window_a.log(incident_id, f"entry {n}: still seeing 500s", author="alice")
            written[event.id] = time.perf_counter()
        writing = time.perf_counter() - started
        arrived = watcher.wait_for(list(written), 60)
    finally:
        for w in workers:
            w.stop()
        watcher.stop()
        window_a.close()
    late = [watcher.seen[i] - t for i, t in written.items() if i in watcher.seen]
    ms = [s * 1e3 for s in late]
    print(f"  {entries:,} entries written on A in {writing:.1f} s (one every {every * 1e3:g} "
          f"ms); {len(ms):,} reached B{'' if arrived else ' (some never did)'}; rounds with "
          f"changes: A {rounds['laptop-a']:,}, B {rounds['laptop-b']:,}")  # fmt: skip
    if ms:
        p95 = percentile(ms, 0.95)
        verdict = "PASS" if p95 <= 1000 and arrived else "MISS"
        print(
            f"\nA's commit to readable in B's file: p50 {percentile(ms, 0.5):.0f} ms, "
            f"p95 {p95:.0f} ms, max {max(ms):.0f} ms (target p95 <= 1000 ms)  {verdict}"
        )


def bench_catchup(cluster: pg_cluster.Cluster, work: Path, count: int, profile: bool) -> list[Row]:
    database = team_database(cluster)
    a = laptop(work / "catchup-a.db", "laptop-a")
    incident_id = shared_incident(a, count)
    total = count + 1
    with TeamConnection.open(database.conninfo(), a.device_id) as team_a:
        push_all(a, team_a, Round())  # B is offline meanwhile
    columns = ", ".join(PUSH_COLUMNS)
    with database.connect() as conn:
        conn.execute(f"SELECT {columns} FROM commander.events").fetchall()  # warm, like B's
        select_s = timed(lambda: conn.execute(f"SELECT {columns} FROM commander.events").fetchall())
        ordered_s = timed(
            lambda: conn.execute(
                f"SELECT {columns} FROM commander.events ORDER BY tx, pos"
            ).fetchall()
        )
    b = laptop(work / "catchup-b.db", "laptop-b")
    result = Round()
    on_server, local = Stopwatch(), Stopwatch()
    original_apply = team_pull.apply
    with TeamConnection.open(database.conninfo(), b.device_id) as team_b:
        team_b.pull = on_server.wrap(team_b.pull)  # type: ignore[method-assign]
        team_pull.apply = local.wrap(original_apply)  # type: ignore[assignment]
        try:
            pull_s = timed(lambda: pull_all(b, team_b, result))
        finally:
            team_pull.apply = original_apply  # type: ignore[assignment]
    if (result.pulled, result.refused) != (total, 0):
        print(f"  WRONG: {result.pulled:,} of {total:,} pulled, {result.refused:,} refused")
    if profile:
        again = laptop(work / "catchup-profiled.db", "laptop-p")
        with TeamConnection.open(database.conninfo(), again.device_id) as team:
            profile_pass(f"pull_all of {total:,} events", lambda: pull_all(again, team, Round()))
        again.close()
    same = a.incident(incident_id) == b.incident(incident_id)
    same_ids = {e.id for e in a.events(incident_id)} == {e.id for e in b.events(incident_id)}
    print(
        f"  B pulled {result.pulled:,} events in {on_server.calls} pulls and "
        f"{local.calls} local writes; same events and state as A: {same and same_ids}"
    )
    a.close()
    b.close()
    rest = pull_s - on_server.seconds - local.seconds
    return [
        Row(f"catch-up {total:,} events vs bare SELECT", pull_s, select_s, 2.0),
        Row("  team database part (pull calls)", on_server.seconds, select_s, 2.0),
        Row("  local write (team_pull.apply)", local.seconds, select_s, None),
        Row("  the rest (local cursor, shares)", rest, select_s, None),
        Row("  (info) bare SELECT ... ORDER BY tx, pos", ordered_s, select_s, None),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events pushed")
    parser.add_argument("--catchup", type=int, default=50_000, help="events caught up")
    parser.add_argument("--entries", type=int, default=1_000, help="entries timed live")
    parser.add_argument("--every", type=float, default=0.02, help="seconds between entries")
    parser.add_argument("--only", choices=("push", "latency", "catchup"), action="append")
    parser.add_argument(
        "--profile", action="store_true", help="then one more push and pull under cProfile"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.catchup, args.entries = 5_000, 2_500, 100
    sections = args.only or ["push", "latency", "catchup"]
    started = time.perf_counter()
    cluster = pg_cluster.start_cluster()
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench_sync-") as tmp:
            work = Path(tmp)
            print(f"PostgreSQL {_server_version(cluster)} on 127.0.0.1:{cluster.port} (TLS), "
                  f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}")  # fmt: skip
            if "push" in sections:
                print(f"[push] {args.events:,} events")
                rows += bench_push(cluster, work, args.events, args.profile)
            if "latency" in sections:
                print(f"[latency] {args.entries:,} entries, two sync workers")
                bench_latency(cluster, work, args.entries, args.every)
            if "catchup" in sections:
                print(f"[catch-up] {args.catchup:,} events")
                rows += bench_catchup(cluster, work, args.catchup, args.profile)
    finally:
        cluster.remove()
    if rows:
        print_table(rows)
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    return 0


def _server_version(cluster: pg_cluster.Cluster) -> str:
    import psycopg

    with psycopg.connect(cluster.superuser_conninfo(), autocommit=True) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]


if __name__ == "__main__":
    sys.exit(main())
