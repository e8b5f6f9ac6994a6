"""The runbook index over a large folder, against a bare FTS5 table holding the same rows.

Writes N runbooks (default 2,000) into a temporary folder: varied services, alert names,
four to eight steps each with commands, expected output and escalation points, and a
rare word in about one file in 200. Then:

- indexing: `store.runbooks.refresh_index` on an empty index (reads, hashes and parses
  every file) against inserting the same rows into a bare FTS5 table (no parsing): for
  information, since the parse is the work;
- a refresh when nothing changed (one stat per file) and when one file changed: what
  every `commander runbook …` command pays before it answers; for information;
- search, interleaved: `store.runbooks.search_runbooks` against the same MATCH, bm25
  weights, snippet and LIMIT on the bare table. Target: ratio <= 2.

Run from the repository root (a report, not a test):

    python tests/perf/bench_runbooks.py [--runbooks 2000] [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_store import START, TOKENIZER, Row, open_log, paired, print_table, timed

from commander_app.core.search_query import fts_query
from commander_app.store import runbooks as store
from commander_app.store.database import connect, write_transaction

SERVICES = ("payments-db", "checkout", "edge", "search", "auth", "inventory", "billing",
            "gateway", "ledger", "notifications", "media", "catalog")  # fmt: skip
FAILURES = ("connection pool exhausted", "latency high", "error rate high", "disk full",
            "certificate expired", "replication lag", "queue backlog", "memory leak",
            "bad deploy", "dns failure")  # fmt: skip
CHECKS = (
    ("Check the error rate", "curl -s 'http://prometheus:9090/api/v1/query' "
     "--data-urlencode 'query=sum(rate(http_requests_total{{service=\"{s}\",code=~\"5..\"}}[5m]))'",
     '/"value":\\[[\\d.]+,"[\\d.]+"\\]/'),
    ("Look at the pods", "kubectl -n {s} get pods -o wide", "every pod `Running`"),
    ("Read the recent logs", "kubectl -n {s} logs deploy/{s}-api --since=15m | tail -n 100",
     "no `panic` or `FATAL`"),
    ("Check the disk", "df -h --output=pcent,avail,target /var", "/\\b[1-7]?\\d%/"),
    ("Check the database pool", "psql -h {s}-db -c 'SHOW POOLS;'", "`cl_waiting` at 0"),
    ("Check the certificate", "echo | openssl s_client -connect {s}.example.com:443 "
     "2>/dev/null | openssl x509 -noout -enddate", "a date more than 14 days ahead"),
    ("Compare with the last deploy", "kubectl -n {s} rollout history deploy/{s}-api",
     "no revision in the last hour"),
)  # fmt: skip
RARE = "kerberos"
QUERIES = (RARE, "pool", "certificate expired")  # rare, common, two words


def runbook_text(number: int, rng: random.Random) -> str:
    service = SERVICES[number % len(SERVICES)]
    failure = FAILURES[(number // len(SERVICES)) % len(FAILURES)]
    alert = "".join(w.title() for w in f"{service} {failure}".replace("-", " ").split())
    lines = [
        "---",
        f"service: {service}",
        f'answers: [{alert}, "{failure}"]',
        f"owner: team-{service}",
        f"last_reviewed: 2026-{1 + number % 12:02d}-{1 + number % 28:02d}",
        "---",
        f"# {service}: {failure} ({number})",
        "",
        f"What to do when {service} shows {failure}. Roll back before you debug.",
    ]
    steps = rng.randint(4, 8)
    for step in range(1, steps + 1):
        title, command, expect = CHECKS[rng.randrange(len(CHECKS))]
        lines += ["", f"## {title}", "", "```sh", command.format(s=service), "```", "",
                  f"Expect: {expect}", ""]  # fmt: skip
        if rng.random() < 0.005:
            lines += [f"If you see a {RARE} ticket error: escalate to the identity team", ""]
        if step < steps:
            lines += [f"If you see it failing: escalate to the {service} on-call",
                      f"Otherwise: continue to step {step + 1}"]  # fmt: skip
        else:
            lines += ["Otherwise: stop"]
    return "\n".join(lines) + "\n"


def write_folder(folder: Path, count: int) -> None:
    rng = random.Random(17)
    for number in range(count):
        sub = folder / SERVICES[number % len(SERVICES)]
        sub.mkdir(exist_ok=True)
        (sub / f"runbook-{number:05d}.md").write_text(runbook_text(number, rng), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runbooks", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_runbooks-") as tmp:
        work = Path(tmp)
        folder = work / "runbooks"
        folder.mkdir()
        write_folder(folder, args.runbooks)
        size = sum(p.stat().st_size for p in folder.rglob("*.md")) / 1e6
        print(f"wrote {args.runbooks:,} runbooks, {size:.1f} MB")
        log = open_log(work / "log.db")

        began = time.perf_counter()
        report = store.refresh_index(log.conn, folder, START)
        indexing = time.perf_counter() - began
        assert report.added == args.runbooks, report
        problems = log.conn.execute("SELECT count(*) FROM runbooks WHERE problems != '[]'")
        assert problems.fetchone()[0] == 0

        bare = connect(work / "bare.db")
        bare.execute(
            "CREATE VIRTUAL TABLE bare USING fts5(name, title, service, answers, body, "
            f"path UNINDEXED, tokenize='{TOKENIZER}')"
        )
        bare.execute("ATTACH DATABASE ? AS store", [str(work / "log.db")])
        began = time.perf_counter()
        with write_transaction(bare):
            bare.execute(
                "INSERT INTO bare (rowid, name, title, service, answers, body, path) "
                "SELECT rowid, name, title, service, answers, body, path FROM store.runbooks_fts"
            )
        bare_insert = time.perf_counter() - began
        bare.execute("DETACH DATABASE store")
        rows = [Row(f"index {args.runbooks:,} runbooks (parse)", indexing, bare_insert, None)]

        unchanged = [timed(lambda: store.refresh_index(log.conn, folder, START)) for _ in range(5)]
        touched = folder / SERVICES[0] / "runbook-00000.md"

        def one_edit() -> None:
            touched.write_text(touched.read_text("utf-8") + "\nEdited.\n", "utf-8")
            os.utime(touched, ns=(time.time_ns(), time.time_ns()))
            store.refresh_index(log.conn, folder, START)

        edited = [timed(one_edit) for _ in range(5)]
        bare_sql = (
            "SELECT name, path, title, service, snippet(bare, 4, '[', ']', '…', 16) FROM bare "
            "WHERE bare MATCH ? ORDER BY bm25(bare, 5.0, 10.0, 5.0, 5.0, 1.0) LIMIT 20"
        )
        searches: list[Row] = []
        for text in QUERIES:
            query = fts_query(text)
            hits = bare.execute("SELECT count(*) FROM bare WHERE bare MATCH ?", [query])
            count = hits.fetchone()[0]

            def ours(text: str = text) -> object:
                return store.search_runbooks(log.conn, text)

            def base(query: str = query) -> object:
                return bare.execute(bare_sql, [query]).fetchall()

            assert len(ours()) == len(base())  # type: ignore[arg-type]
            s, b = paired(ours, base, args.runs)
            searches.append(Row(f"search '{text}' ({count:,} hits)", statistics.median(s),
                                statistics.median(b), 2.0))  # fmt: skip
        rows += searches
        rows.append(Row("search overall", sum(r.store for r in searches),
                        sum(r.base for r in searches), 2.0))  # fmt: skip
        base_all = sum(r.base for r in searches)
        rows.append(Row("refresh, nothing changed (stat only)", statistics.median(unchanged),
                        base_all, None))  # fmt: skip
        rows.append(Row("refresh, one file edited", statistics.median(edited), base_all, None))
        print_table(rows)
        print("(the refresh rows compare with the bare searches' total, for scale only)")
        log.close()
        bare.close()


if __name__ == "__main__":
    main()
