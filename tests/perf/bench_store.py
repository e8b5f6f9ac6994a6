"""Store benchmarks: durable append, first screen, full-text search, each against a baseline.

Every figure is measured in one run next to a baseline measured in the same run on the same
disk, so the verdicts are ratios and hold on any machine:

1. Durable append: `IncidentLog.log` (events row, FTS trigger and projection upsert in one
   transaction; WAL, synchronous=FULL) vs a raw sqlite3 BEGIN IMMEDIATE / INSERT / COMMIT of
   a similar row into a plain table with the same pragmas. Target: median ratio <= 3.
2. First screen: `log.incidents()` + `timeline_page(conn, id, limit=200)` (what the window
   loads) for an incident with
   100,000 events vs one with 100 events, in the same database, loading the same number of
   rows (the small incident's 100), so the ratio isolates the incident's size. Target: ratio
   <= 1.5. An info row also compares a full 200-row page of the big incident with all 100
   events of the small one: it costs about twice as much because it decodes twice the rows.
3. Full-text search: `store.search.search` over 1,000,000 events vs the same MATCH query on a
   bare FTS5 table holding the same texts (same tokenizer). Target: ratio <= 2.
Rows marked "info" (p99s, appends into the big log, a backfilled entry) have no target.

Run from the repository root; it is a report, not a test, and always exits 0:

    python tests/perf/bench_store.py             # full sizes: a minute or two
    python tests/perf/bench_store.py --quick     # small sizes: a few seconds
    python tests/perf/bench_store.py --events 200000 --dir /path/on/the/disk/to/test

The file name starts with `bench_`, so pytest never collects it.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from commander_app.core.clock import FixedClock
from commander_app.core.ids import new_ulid
from commander_app.core.model import TEXT_KINDS, Event, Kind
from commander_app.core.search_query import fts_query
from commander_app.core.times import to_iso
from commander_app.store.database import connect, write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.store.search import search
from commander_app.store.timeline import timeline_page

START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
TOKENIZER = "porter unicode61 remove_diacritics 2"
CHUNK = 20_000  # events per executemany call while bulk loading
QUERIES = ("kerberos", "timeout", "payments latency")  # rare, common, two words

# A small vocabulary of incident chatter; the first words of each list are the most common.
SERVICES = ("payments", "checkout", "auth", "gateway", "search", "inventory", "billing",
            "ledger", "kafka", "redis", "postgres", "cdn", "dns", "ingress", "scheduler",
            "notifications")  # fmt: skip
ERRORS = ("timeout", "latency", "errors", "502", "503", "saturation", "deadlock", "oom",
          "crashloop", "backlog", "retries", "throttled", "refused", "evicted")  # fmt: skip
PEOPLE = ("alice", "bob", "chen", "dana", "emeka", "farah", "goran", "hana", "ivan", "jo")
HOSTS = ("db", "web", "api", "worker", "cache", "edge")
TEMPLATES = (
    "{svc} {err} rate at {pct}% on {host}",
    "{person} sees {err} spikes in {svc} since {hhmm}",
    "rolled back {svc} to v{ver}; {err} still at {pct}%",
    "hypothesis: {svc} {err} caused by {svc2} {err2}",
    "paged {person} for {svc}; p99 latency {ms} ms on {host}",
    "{host} disk at {pct}% and {svc} queue backlog of {n} messages",
    "decided to fail over {svc} to the secondary region, {person} owns it",
    "customer reports: {svc} pages slow, {err} in the {svc2} logs",
)
RARE = " kerberos ticket expired on {host}"  # added to about 1 event in 10,000


class TextGen:
    """Seeded, Zipf-ish incident text, so FTS sees realistic term frequencies."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def word(self, words: Sequence[str]) -> str:
        return words[int(len(words) * self.rng.random() ** 2)]

    def text(self) -> str:
        r, w = self.rng, self.word
        host = f"{w(HOSTS)}-{r.randint(1, 40)}"
        line = r.choice(TEMPLATES).format(
            svc=w(SERVICES), svc2=w(SERVICES), err=w(ERRORS), err2=w(ERRORS), person=w(PEOPLE),
            host=host, pct=r.randint(1, 99), ms=r.randint(20, 9000), n=r.randint(10, 10**6),
            hhmm=f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
            ver=f"{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 99)}",
        )  # fmt: skip
        return line + RARE.format(host=host) if r.random() < 1e-4 else line


@dataclass(frozen=True)
class Row:
    metric: str
    store: float  # seconds
    base: float  # seconds
    target: float | None  # the highest acceptable ratio; None: for information only

    @property
    def ratio(self) -> float:
        return self.store / self.base

    @property
    def verdict(self) -> str:
        return "info" if self.target is None else "PASS" if self.ratio <= self.target else "MISS"


class RawLog:
    """The append baseline: a plain table, the same pragmas, one transaction per row."""

    def __init__(self, path: Path) -> None:
        self.conn = connect(path)  # WAL, synchronous=FULL: what every Commander connection has
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, id TEXT, incident_id "
            "TEXT, kind TEXT, body TEXT, text TEXT, author TEXT, device_id TEXT, "
            "occurred_at TEXT, recorded_at TEXT, supersedes TEXT)"
        )

    def append(self, incident_id: str, text: str) -> None:
        now = to_iso(START)
        row = [new_ulid(START), incident_id, "note", json.dumps({"text": text}), text, now]
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(
            "INSERT INTO events (id, incident_id, kind, body, text, author, device_id, "
            "occurred_at, recorded_at) VALUES (?,?,?,?,?,'bench','bench',?,?)",
            [*row, now],
        )
        self.conn.execute("COMMIT")


def open_log(path: Path, clock: FixedClock | None = None) -> IncidentLog:
    # A FixedClock that only moves when told to, so no backup falls due inside a measurement
    # (backups are taken on open, after a CLI command, or by the window's worker, never inside
    # an append). The backup's own cost is printed separately.
    return IncidentLog(path, device_id="bench", clock=clock or FixedClock(START))


def make_events(
    incident_id: str, gen: TextGen, first: int, count: int, kinds: Sequence[Kind] = TEXT_KINDS
) -> Iterator[Event]:
    for i in range(first, first + count):
        moment = START + timedelta(seconds=i + 1)
        at = to_iso(moment)
        kind = kinds[i % len(kinds)]
        yield Event(new_ulid(moment), incident_id, kind, {"text": gen.text()},
                    PEOPLE[i % len(PEOPLE)], "bench", at, at)  # fmt: skip


def bulk_incident(
    log: IncidentLog, title: str, count: int, gen: TextGen, kinds: Sequence[Kind] = TEXT_KINDS
) -> str:
    """Open an incident durably, then add `count` events in one bulk transaction."""
    incident_id = log.open_incident(title, author="bench").id
    with write_transaction(log.conn):
        for first in range(0, count, CHUNK):
            chunk = make_events(incident_id, gen, first, min(CHUNK, count - first), kinds)
            log.insert_events(chunk)
        log.refold(incident_id)
    return incident_id


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def paired(store: Callable[[], object], base: Callable[[], object], reps: int,
           warmup: int = 3) -> tuple[list[float], list[float]]:  # fmt: skip
    """Interleaved samples, alternating which side goes first, so machine load hits both."""
    for _ in range(warmup):
        store(), base()
    s: list[float] = []
    b: list[float] = []
    for i in range(reps):
        first, second = (store, s), (base, b)
        for fn, out in (first, second) if i % 2 else (second, first):
            out.append(timed(fn))
    return s, b


def append_rows(label: str, log: IncidentLog, raw: RawLog, incident_id: str, appends: int,
                target: float | None) -> list[Row]:  # fmt: skip
    gen = TextGen(1)
    texts = [gen.text() for _ in range(appends + 3)]  # the same texts on both sides
    ours, theirs = iter(texts), iter(texts)
    s, b = paired(lambda: log.log(incident_id, next(ours), author="bench"),
                  lambda: raw.append(incident_id, next(theirs)), appends)  # fmt: skip
    p99 = statistics.quantiles(s, n=100)[98], statistics.quantiles(b, n=100)[98]
    return [Row(f"{label} median", statistics.median(s), statistics.median(b), target),
            Row(f"{label} p99", *p99, None)]  # fmt: skip


def bench_append(work: Path, appends: int) -> list[Row]:
    log = open_log(work / "append.db")
    incident_id = log.open_incident("Append benchmark", author="bench").id  # takes the backup
    rows = append_rows(f"append x{appends}", log, RawLog(work / "raw.db"), incident_id,
                       appends, 3.0)  # fmt: skip
    log.close()
    return rows


def bench_first_screen(work: Path, big: int, reps: int) -> list[Row]:
    log = open_log(work / "screen.db")
    gen = TextGen(2)
    started = time.perf_counter()
    big_id = bulk_incident(log, "Big incident", big, gen)
    small_id = bulk_incident(log, "Small incident", 100, gen)
    print(f"  built {big:,} + 100 events in {time.perf_counter() - started:.1f} s")

    def screen(incident_id: str, limit: int = 200) -> Callable[[], object]:
        return lambda: (log.incidents(), timeline_page(log.conn, incident_id, limit=limit))

    # Equal pages isolate the incident's size (the target); a full 200-row page against the
    # small incident's 100 rows also doubles the rows decoded (info).
    s100, b100 = paired(screen(big_id, 100), screen(small_id, 100), reps)
    s, b = paired(screen(big_id), screen(small_id), reps)
    log.close()
    med = statistics.median
    return [
        Row(f"first screen {big:,} vs 100 ev (100 rows)", med(s100), med(b100), 1.5),
        Row("  200 rows vs the small incident's 100", med(s), med(b), None),
    ]


def bench_search(work: Path, events: int, appends: int, budget: float) -> list[Row]:
    path, clock, gen = work / "search.db", FixedClock(START), TextGen(3)
    log = open_log(path, clock)
    incidents = max(1, min(50, events // 1000))
    started = time.perf_counter()
    bounds: list[tuple[int, int]] = []  # the seq range each incident's load wrote
    ids: list[str] = []
    for n in range(incidents):
        count = events // incidents + (1 if n < events % incidents else 0)
        ids.append(bulk_incident(log, f"Incident {n}: {gen.word(SERVICES)} degraded", count, gen))
        last = log.conn.execute("SELECT max(seq) FROM events").fetchone()[0]
        bounds.append((bounds[-1][1] + 1 if bounds else 1, last))
    size = path.stat().st_size / 1e6
    print(f"  store: {events:,} events in {incidents} incidents, "
          f"{time.perf_counter() - started:.1f} s, {size:.0f} MB")  # fmt: skip

    started = time.perf_counter()
    bare = connect(work / "bare.db")
    bare.execute(f"CREATE VIRTUAL TABLE bare USING fts5(text, tokenize='{TOKENIZER}')")
    bare.execute("ATTACH DATABASE ? AS store", [str(path)])
    for low, high in bounds:  # the same transactions as the store's, so similar FTS segments
        with write_transaction(bare):
            bare.execute("INSERT INTO bare (rowid, text) SELECT seq, text FROM store.events "
                         "WHERE seq BETWEEN ? AND ?", [low, high])  # fmt: skip
    bare.execute("DETACH DATABASE store")
    print(f"  bare FTS5: {time.perf_counter() - started:.1f} s")
    bare_sql = ("SELECT rowid, snippet(bare, 0, '[', ']', '…', 16) FROM bare "
                "WHERE bare MATCH ? ORDER BY rank LIMIT 50")  # fmt: skip

    rows: list[Row] = []
    for text in QUERIES:
        query = fts_query(text)
        hits = bare.execute("SELECT count(*) FROM bare WHERE bare MATCH ?", [query]).fetchone()[0]

        def store_q(text: str = text) -> object:
            return search(log.conn, text)

        def base_q(query: str = query) -> object:
            return bare.execute(bare_sql, [query]).fetchall()

        reps = max(5, min(60, int(budget / max(timed(store_q) + timed(base_q), 1e-6))))
        s, b = paired(store_q, base_q, reps, warmup=2)
        rows.append(Row(f"search '{text}' ({hits:,} hits)", statistics.median(s),
                        statistics.median(b), 2.0))  # fmt: skip
    rows.append(Row(f"search overall ({events:,} ev)", sum(r.store for r in rows),
                    sum(r.base for r in rows), 2.0))  # fmt: skip

    # Appends into the big log, at a time after all its events (the usual, incremental case),
    # and an entry backfilled to an earlier time, which moves only the incident's counters.
    clock.set(START + timedelta(days=30))
    backup = timed(log.backup_now)
    print(f"  one periodic backup of this log: {backup:.2f} s (taken on open, after a CLI")
    print("  command, or by the window's worker thread; never inside an append)")
    raw, first = RawLog(work / "raw.db"), log.incident(ids[0])
    rows += append_rows(f"  append into {events:,}-ev log", log, raw, first.id, appends, None)
    late = [timed(lambda: log.log(first.id, "from paper notes", author="bench", at=START))
            for _ in range(5)]  # fmt: skip
    rows.append(Row(f"  backfill, {first.event_count:,}-ev incident", statistics.median(late),
                    rows[-2].base, None))  # fmt: skip
    log.close()
    bare.close()
    return rows


def print_table(rows: list[Row]) -> None:
    header = f"{'metric':<40} {'store ms':>10} {'base ms':>10} {'ratio':>8} {'target':>7}  verdict"
    print("\n" + header + "\n" + "-" * len(header))
    for r in rows:
        target = f"<={r.target:g}" if r.target is not None else "-"
        print(f"{r.metric:<40} {r.store * 1e3:>10.3f} {r.base * 1e3:>10.3f} "
              f"{r.ratio:>8.2f} {target:>7}  {r.verdict}")  # fmt: skip
    missed = [r.metric.strip() for r in rows if r.verdict == "MISS"]
    print("\nMISS: " + "; ".join(missed) if missed else "\nAll targets met.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Store benchmarks against same-run baselines.")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--events", type=int, help="events in the search database")
    parser.add_argument("--dir", type=Path, help="where to build the databases (default: tmp)")
    args = parser.parse_args(argv)
    events = args.events or (50_000 if args.quick else 1_000_000)
    big, appends, screen_reps = (10_000, 100, 100) if args.quick else (100_000, 400, 300)
    started = time.perf_counter()
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="bench_store-", dir=args.dir) as tmp:
        work = Path(tmp)
        print(f"work dir {work}\n[1/3] durable append")
        rows = bench_append(work, appends)
        print("[2/3] first screen")
        rows += bench_first_screen(work, big, screen_reps)
        print("[3/3] full-text search")
        rows += bench_search(work, events, appends, budget=2.0 if args.quick else 6.0)
    print_table(rows)
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
