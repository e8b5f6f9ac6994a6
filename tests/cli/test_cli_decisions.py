"""`checklist`, `check-item`, `decide`, `outcome`, `divergence(s)` and resolving, run as the
real program."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import fails, ok, run_cli


def test_a_rollback_from_checklist_to_resolution(tmp_path: Path) -> None:
    db = tmp_path / "incidents.db"
    incident = ok("new", "Checkout 500s", "--severity", "SEV2", "--commander", "alice", db=db)
    ok("role", "communicator", "dana", db=db)
    assert ok("check-item", "1", db=db).startswith("Ticked checklist item 1: The suspect change")
    ok("check-item", "mechanism", "--author", "bob", db=db)
    assert "already ticked" in fails("check-item", "2", db=db)
    ok("check-item", "2", "--uncheck", db=db)

    text = ok("checklist", db=db)
    assert "Authority SEV2: may decide alone: the incident commander (alice)." in text
    assert "Must be told: the communicator (dana), the service owner (nobody assigned)." in text
    assert "   1 [x] The suspect change is identified" in text
    assert "   2 [ ] The rollback mechanism" in text
    assert "Not ready: required items 2, 3, 4, 5 are not ticked." in text

    refused = fails("decide", "Roll back to 4811", "--kind", "rollback", db=db)
    assert "4 required checklist items are not ticked: 2 The rollback mechanism" in refused
    not_ic = fails(
        "decide", "Roll back", "--kind", "rollback", "--override", "down", "--author", "bob", db=db
    )
    assert "Only the incident commander (alice) may override the checklist at SEV2" in not_ic
    assert "needs its reason" in fails(
        "decide", "Roll back", "--kind", "rollback", "--override", " ", "--author", "alice", db=db
    )
    decided = run_cli(
        "decide",
        "Roll back checkout to 4811",
        "--kind",
        "rollback",
        "--option",
        "roll back",
        "--option",
        "fix forward",
        "--objection",
        "bob: fix is five minutes away",
        "--irreversible",
        "--override",
        "checkout down for everyone",
        "--expect-minutes",
        "10",
        "--author",
        "alice",
        db=db,
    )
    assert decided.returncode == 0, decided.stderr
    decision = decided.stdout.strip()
    assert decided.stderr.splitlines() == [
        "Tell now: the communicator (dana), the service owner (nobody assigned).",
        f'commander: wrote to "Checkout 500s" ({incident[:10]})',
    ]

    board = json.loads(ok("checklist", "--json", db=db))
    assert board["severity"] == "SEV2"
    assert board["authority"]["holders"] == {"commander": "alice"}
    # A decided change starts a fresh checklist for the next one.
    assert [i["ticked"] for i in board["checklist"]["items"][:3]] == [False, False, False]
    record = board["decisions"][0]
    assert record["id"] == decision
    assert record["decided_by"] == {"name": "alice", "role": "commander"}
    assert record["authority"]["basis"] == "override"
    assert record["objections"] == ["bob: fix is five minutes away"]
    assert (record["reversible"], record["expect_minutes"], record["outcome"]) == (False, 10, None)

    assert ok("outcome", decision, "worked", "--note", "errors at baseline", db=db).strip() == (
        "Outcome: worked: Roll back checkout to 4811. errors at baseline"
    )
    ok("divergence", "Scaled checkout to 40 pods", "--change", "scaling", "--by", "kim", db=db)
    assert "Unknown production change 'nonsense'" in fails(
        "divergence", "x", "--change", "nonsense", db=db
    )
    register = json.loads(ok("divergences", "--json", db=db))
    assert [(d["change"], d["by"], d["review"]) for d in register] == [
        ("rollback", "alice", None),
        ("scaling", "kim", None),
    ]
    assert "(2, 2 not reviewed)" in ok("divergences", db=db)

    refusal = fails("status", "resolved", db=db)
    assert "2 production changes are not reviewed" in refusal
    assert "resolve anyway with --yes" in refusal
    assert json.loads(ok("show", "--json", db=db))["incident"]["status"] == "investigating"
    ok("review-divergence", register[1]["id"], "reverted", db=db)
    ok("review-divergence", decision, "permanent", "--note", "4812 is abandoned", db=db)
    assert ok("status", "resolved", db=db).strip() == "Checkout 500s: resolved"

    bundle = json.loads(ok("export", incident.strip(), "--format", "json", db=db))
    assert [d["review"] for d in bundle["divergences"]] == ["made_permanent", "reverted"]
    assert bundle["decisions"][0]["outcome"] == "worked"
    markdown = ok("export", incident.strip(), "--format", "md", db=db)
    assert "## Divergence register" in markdown


def test_resolving_anyway_needs_yes_and_says_what_was_left(tmp_path: Path) -> None:
    db = tmp_path / "incidents.db"
    ok("new", "Search slow", db=db)
    ok("divergence", "Flag search-v2 off", "--change", "flag", "--afterwards", "revert", db=db)
    fails("status", "resolved", db=db)
    resolved = run_cli("status", "resolved", "--yes", db=db)
    assert resolved.returncode == 0, resolved.stderr
    assert "resolved with 1 production changes not reviewed" in resolved.stderr
    listed = json.loads(ok("list", "--all", "--json", db=db))
    assert listed[0]["status"] == "resolved"


def test_plain_decide_keeps_its_old_form(tmp_path: Path) -> None:
    db = tmp_path / "incidents.db"
    ok("new", "x", db=db)
    decision = ok("decide", "Page the DBA", "--reversible", db=db).strip()
    board = json.loads(ok("board", "--json", db=db))
    assert set(board["decisions"][0]) == {
        "number",
        "id",
        "text",
        "options",
        "reversible",
        "author",
        "decided_at",
    }
    assert "expect effect" not in ok("show", db=db)
    assert ok("outcome", decision, "failed", db=db).startswith("Outcome: did not work")
    assert "Unknown outcome 'maybe'" in fails("outcome", decision, "maybe", db=db)
    assert "override applies to production changes only" in fails(
        "decide", "x", "--override", "why", db=db
    )
    assert 'decide = ["commander"]' in ok("authority", db=db)


def test_a_production_change_without_its_record_is_refused_with_the_way(tmp_path: Path) -> None:
    db = tmp_path / "incidents.db"
    ok("new", "Search down", "--severity", "SEV1", "--commander", "alice", db=db)
    for command in (
        ("decide", "Roll back search-api to v8.1 now"),
        ("log", "--kind", "decision", "Roll back search-api to v8.1 now"),
    ):
        refused = fails(*command, db=db)
        assert "reads as a production change ('Roll back')" in refused
        assert "--kind rollback" in refused
        assert "--override REASON" in refused
    board = json.loads(ok("board", "--json", db=db))
    assert board["decisions"] == []  # nothing was written
    # With the record's options the same text is decided under the rules.
    decided = run_cli(
        "decide",
        "Roll back search-api to v8.1 now",
        "--kind",
        "rollback",
        "--override",
        "search is down",
        "--expect-minutes",
        "10",
        "--author",
        "alice",
        db=db,
    )
    assert decided.returncode == 0, decided.stderr
    assert len(json.loads(ok("divergences", "--json", db=db))) == 1
    # Decisions that change nothing in production keep their plain form.
    ok("decide", "keep investigating", db=db)
    ok("log", "--kind", "decision", "page the DBA", db=db)
    ok("decide", "Roll back the comms plan to email only", "--kind", "other", db=db)
