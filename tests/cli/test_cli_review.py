"""`commander review` over incidents written with the real commands, as the real program."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import fails, ok


def at(clock: str, day: int = 20) -> str:
    return f"2026-11-{day:02d}T{clock}Z"


def refuted_chase(db: Path) -> str:
    """Diagnosis lost to a hypothesis later refuted (times UTC; the team is in Berlin)."""
    incident = ok("new", "Checkout 500s", "--severity", "2", "--at", at("14:00"), db=db).strip()
    ok("milestone", "impact", "--at", at("13:50"), db=db)
    ok("milestone", "detected", "--at", at("14:00"), db=db)
    ok(
        "hypothesis",
        "Cache stampede after the flush",
        "--owner",
        "dana",
        "--at",
        at("14:05"),
        db=db,
    )
    ok("log", "Cache hit rate looks normal so far", "--at", at("14:06"), db=db)
    ok("hypothesis-state", "H1", "refuted", "--at", at("14:39"), db=db)
    ok(
        "hypothesis",
        "Deploy 4812 broke the payment client",
        "--owner",
        "bob",
        "--at",
        at("14:40"),
        db=db,
    )
    ok("hypothesis-state", "H2", "confirmed", "--at", at("14:50"), db=db)
    ok("milestone", "mitigated", "--at", at("14:55"), db=db)
    ok("status", "resolved", "--at", at("15:10"), db=db)
    return incident


def rollback_waiting(db: Path, day: int, *, drill: bool = False) -> str:
    """Mitigation lost waiting to decide a rollback whose checklist was started early."""
    extra = ["--drill"] if drill else []
    incident = ok(
        "new", "Search latency", "--commander", "alice", "--at", at("14:00", day), *extra, db=db
    ).strip()
    which = ["--incident", incident]
    ok("milestone", "detected", *which, "--at", at("14:00", day), db=db)
    ok("hypothesis", "Deploy 7 doubled the fan-out", *which, "--at", at("14:03", day), db=db)
    ok("hypothesis-state", "H1", "confirmed", *which, "--at", at("14:04", day), db=db)
    ok("check-item", "1", *which, "--at", at("14:05", day), db=db)
    ok("check-item", "2", *which, "--at", at("14:06", day), db=db)
    ok(
        "decide",
        "Roll back search to deploy 6",
        "--kind",
        "rollback",
        "--override",
        "search down for everyone",
        "--author",
        "alice",
        *which,
        "--at",
        at("14:31", day),
        db=db,
    )
    ok("milestone", "mitigated", *which, "--at", at("14:40", day), db=db)
    ok("status", "resolved", "--yes", *which, "--at", at("14:45", day), db=db)
    return incident


def test_the_review_of_the_last_incidents_names_each_delay_and_what_repeats(
    tmp_path: Path,
) -> None:
    db = tmp_path / "incidents.db"
    first = refuted_chase(db)
    second = rollback_waiting(db, 21)
    third = rollback_waiting(db, 22)
    drill = rollback_waiting(db, 23, drill=True)
    text = ok("review", db=db)
    assert text.startswith("# Process review: 3 incidents\n")
    assert drill[:10] not in text  # drills only when named or asked for
    for incident in (first, second, third):
        assert f"## {incident[:10]} “" in text
    assert (
        "- **Longest gap in it:** 15:06 → 15:39 (33m 00s): chasing the refuted hypothesis H1 "
        "“Cache stampede after the flush” for 34 min"
    ) in text
    assert (
        text.count(
            "(25m 00s): waiting for authority to roll back: checklist started 15:05, decided 15:31"
        )
        == 2
    )
    assert (
        "- **Repeats:** waiting for authority for a production change: 2 of 3 incidents "
        f"({second[:10]}, {third[:10]})"
    ) in text
    assert (
        "| Mitigation (correct hypothesis → mitigated) | 37m 00s | 26m 00s – 37m 00s | 3 |" in text
    )
    bar = next(line for line in text.splitlines() if line.startswith(first[:10]))
    assert bar.endswith("│" + "░" * 8 + "▒" * 30 + "▓" * 11 + "█" * 11)

    named = ok("review", first, drill, db=db)
    assert named.startswith("# Process review: 2 incidents\n")
    assert f"## {drill[:10]} “Search latency” [DRILL]" in named
    assert "# Process review: 2 incidents" in ok("review", "--last", "2", db=db)
    assert drill[:10] in ok("review", "--last", "1", "--drills", db=db)

    page = tmp_path / "review.html"
    assert ok("review", "--format", "html", "-o", str(page), db=db).strip() == (
        f"Written to {page}."
    )
    html = page.read_text(encoding="utf-8")
    for incident in (first, second, third):
        assert incident[:10] in html
    assert not re.search(r"https?:|<link|<img|<script|@import|url\(|src=", html)
    assert "Name incidents or give --last N" in fails("review", first, "--last", "2", db=db)
