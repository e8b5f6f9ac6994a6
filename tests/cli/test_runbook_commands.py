"""`commander runbook …` through the real program, as the person on call runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import empty_log, fails, ok, run_cli

TODAY = datetime.now(UTC).date()
GOOD = f"""\
---
service: search
answers: [SearchLatencyHigh]
owner: team-search
last_reviewed: {TODAY - timedelta(days=10)}
---
# Search is slow

## Check the cluster health

```sh
curl -s localhost:9200/_cluster/health
```

Expect: /"status":"(green|yellow)"/

If you see `red`: escalate to the search on-call
Otherwise: continue to step 2

## Check the slow log

```sh
netstat -tlpn | grep 9200
tail -n 50 /var/log/search/slow.log
```

Otherwise: stop
"""
OLD = GOOD.replace(str(TODAY - timedelta(days=10)), str(TODAY - timedelta(days=400)))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return empty_log(tmp_path / "incidents.db")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "runbooks"
    made.mkdir()
    (made / "search-slow.md").write_text(GOOD, "utf-8")
    (made / "search-old.md").write_text(OLD.replace("Search is slow", "Old search"), "utf-8")
    return made


def test_with_no_folder_set_the_shipped_examples_are_listed(db: Path) -> None:
    listed = ok("runbook", "list", db=db)
    assert "database-pool-exhausted  [payments-db]  Database connection pool exhausted" in listed
    assert "disk-full" in listed
    assert "certificate-expiry" in listed


def test_search_ranks_and_shows_a_snippet(db: Path) -> None:
    found = ok("runbook", "search", "rollback", db=db).splitlines()
    assert found[0].startswith("bad-deploy-rollback  [checkout]  Roll back a bad checkout deploy")
    assert "[rollback]" in found[1]
    assert ok("runbook", "search", "kerberos", db=db) == "No runbook matches.\n"
    data = json.loads(ok("runbook", "search", "certificate", "--json", db=db))
    assert data[0]["name"] == "certificate-expiry"


@pytest.mark.parametrize("query", ['NEAR(pool "', "pool AND OR", "title:pool", "pool)*"])
def test_a_query_with_fts_syntax_is_searched_as_words(db: Path, query: str) -> None:
    result = run_cli("runbook", "search", query, db=db)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_a_query_with_no_word_is_one_plain_line(db: Path) -> None:
    assert "Type at least one word" in fails("runbook", "search", '"" ()', db=db)


def test_show_finds_a_shipped_runbook_by_a_word_of_its_name(db: Path) -> None:
    shown = ok("runbook", "show", "pool", db=db)
    assert shown.startswith("Database connection pool exhausted  (database-pool-exhausted)\n")
    assert "→ If you see cl_waiting at 0 and sv_idle above 0: continue to step 5" in shown


def test_show_prints_the_steps_and_the_trust_line(db: Path, folder: Path) -> None:
    shown = ok("runbook", "show", "search-slow", "--folder", str(folder), db=db)
    assert shown.startswith("Search is slow  (search-slow)\n")
    assert "trust: no warning; reviewed 10 days ago; no search incident in this log" in shown
    assert "1. Check the cluster health\n   $ curl -s localhost:9200/_cluster/health" in shown
    assert '   expect: /"status":"(green|yellow)"/' in shown
    assert "   → If you see red: escalate to the search on-call" in shown
    assert "unknown" not in fails("runbook", "show", "nothing", "--folder", str(folder), db=db)


def test_check_passes_a_clean_folder_and_prints_the_trust_report(db: Path, folder: Path) -> None:
    (folder / "deprecated-tools.toml").write_text('[tools]\nnetstat = "ss"\n', "utf-8")
    report = ok("runbook", "check", "--folder", str(folder), db=db)
    assert (
        "WARN search-old: stale: last reviewed 400 days ago (more than 180 days); "
        "step 2 runs deprecated netstat (use ss)"
    ) in report
    assert (
        "WARN search-slow: step 2 runs deprecated netstat (use ss); reviewed 10 days ago" in report
    )
    assert report.rstrip().endswith(
        "2 runbooks in " + str(folder) + ": 0 with problems, 2 with trust warnings."
    )


def test_check_fails_on_a_file_that_does_not_parse_naming_path_and_line(
    db: Path, folder: Path
) -> None:
    (folder / "evil.md").write_text("---\nservice: !!python/object:os.system\n---\n", "utf-8")
    (folder / "open.md").write_text("---\nservice: db\n\n## Step\n", "utf-8")
    result = run_cli("runbook", "check", "--folder", str(folder), db=db)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{folder / 'evil.md'}:2: the front matter asks YAML to build an object" in lines[0]
    assert lines[1].startswith(f"{folder / 'open.md'}:1: the front matter that starts here")
    assert "evil: does not parse" in result.stdout
    data = json.loads(run_cli("runbook", "check", "--json", "--folder", str(folder), db=db).stdout)
    evil = next(r for r in data["runbooks"] if r["name"] == "evil")
    assert evil["parses"] is False
    assert evil["problems"][0]["line"] == 2


def test_an_edit_between_two_commands_is_noticed(db: Path, folder: Path) -> None:
    first = run_cli("runbook", "list", env={"COMMANDER_RUNBOOKS": str(folder)}, db=db)
    assert "2 new, 0 changed, 0 removed" in first.stderr
    path = folder / "search-slow.md"
    path.write_text(GOOD.replace("Search is slow", "Search is crawling"), "utf-8")
    second = run_cli("runbook", "list", env={"COMMANDER_RUNBOOKS": str(folder)}, db=db)
    assert "0 new, 1 changed, 0 removed" in second.stderr
    assert "Search is crawling" in second.stdout
    third = run_cli("runbook", "list", env={"COMMANDER_RUNBOOKS": str(folder)}, db=db)
    assert third.stderr == ""


def test_a_folder_that_is_not_there_is_one_plain_line(db: Path, tmp_path: Path) -> None:
    message = fails("runbook", "list", "--folder", str(tmp_path / "nope"), db=db)
    assert "There is no runbook folder at" in message


def test_steps_followed_are_logged_with_the_version_and_feed_the_trust_line(
    db: Path, folder: Path, tmp_path: Path
) -> None:
    where = ("--folder", str(folder))
    incident = ok("new", "Search latency", "--severity", "SEV2", db=db).strip()
    output = tmp_path / "health.txt"
    output.write_text('{"status":"yellow"}\n', "utf-8")
    ok("runbook", "step", "search-slow", "1", "done", "--output-file", str(output), *where, db=db)
    flagged = ok("runbook", "step", "search-slow", "2", "wrong", "--note", "netstat is gone",
                 *where, db=db)  # fmt: skip
    assert "follow-up" in flagged
    assert "Fix step 2 of the runbook search-slow" in flagged
    escalated = ok("runbook", "step", "search-slow", "1", "escalate", *where, db=db)
    assert "Escalated to the search on-call" in escalated
    shown = ok("show", incident, db=db)
    assert "Runbook search-slow step 1 (Check the cluster health) done" in shown
    assert '{"status":"yellow"}' in shown
    assert "Runbook search-slow step 2 (Check the slow log) flagged wrong: netstat is gone" in shown
    assert "escalated to the search on-call (red)" in shown
    bundle = json.loads(ok("export", incident, "--format", "json", db=db))
    done = next(e for e in bundle["events"] if e["kind"] == "runbook")["body"]
    assert len(done["sha256"]) == 64
    assert done["commands"] == ["curl -s localhost:9200/_cluster/health"]
    check = ok("runbook", "check", *where, db=db)
    assert "step 2 flagged wrong, not fixed: netstat is gone" in check
    assert "used in 1 incident" in check
    assert "Old search" not in check  # names, not titles
    assert "search-old: no warning" not in check
    assert "never used in an incident or drill" in check
    # An edit of the flagged step answers the flag.
    page = folder / "search-slow.md"
    page.write_text(page.read_text("utf-8").replace("netstat -tlpn", "ss -tlpn"), "utf-8")
    assert "flagged wrong" not in ok("runbook", "check", *where, db=db)


def test_a_step_that_is_not_there_is_one_plain_line(db: Path, folder: Path) -> None:
    ok("new", "Search latency", db=db)
    ok("runbook", "list", "--folder", str(folder), db=db)  # indexed: no line about it on stderr
    message = fails("runbook", "step", "search-slow", "9", "done", "--folder", str(folder), db=db)
    assert "has no step 9: its steps are 1 to 2" in message
    assert "--note" in fails(
        "runbook", "step", "search-slow", "1", "wrong", "--folder", str(folder), db=db
    )


def test_suggest_lists_the_runbooks_for_the_incident(db: Path) -> None:
    ok("new", "Certificate expired on the gateway", db=db)
    found = ok("runbook", "suggest", db=db).splitlines()
    assert found[0].startswith("certificate-expiry  ")
    assert found[0].endswith("(matches the title or alerts)")
