"""The postmortem and follow-ups through the real `commander` program."""

import json
from pathlib import Path

from tests.conftest import fails, ok, run_cli


def test_a_postmortem_from_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout errors after deploy 4812", "--severity", "2", db=db)
    ok("status", "resolved", db=db)
    assert ok(
        "postmortem",
        "factor",
        "add",
        "Alert threshold set above the failure level",
        "--category",
        "threshold",
        db=db,
    ).startswith("CF1 (Alerting: threshold) ")
    item = ok(
        "action",
        "add",
        "Raise the checkout alert threshold",
        "--symptom",
        "--factor",
        "CF1",
        "--owner",
        "Kim",
        db=db,
    ).strip()
    assert len(item) == 26
    ok("postmortem", "review", db=db)
    refused = fails("postmortem", "publish", db=db)
    assert "A timeline is not an analysis" in refused
    assert "CF1 'Alert threshold set above the failure level' is answered only by" in refused
    summary = tmp_path / "summary.md"
    summary.write_text("A config change reached every host at once.\n", encoding="utf-8")
    ok("postmortem", "edit", "summary", "--text-file", str(summary), db=db)
    for section in ("customer_impact", "detection", "lessons"):
        ok("postmortem", "edit", section, "--text", f"{section} written", db=db)
    ok("action", "add", "Review thresholds in every deploy checklist", "--twin", item, db=db)
    check = run_cli("postmortem", "check", db=db)
    assert (check.returncode, check.stdout.strip()) == (
        0,
        "Ready to publish: the analysis is written and every factor has its answer.",
    )
    assert ok("postmortem", "publish", "--author", "lee", db=db).endswith("postmortem published.\n")
    shown = json.loads(ok("postmortem", "show", "--json", db=db))
    assert shown["state"] == "published"
    assert shown["sections"]["summary"]["text"] == "A config change reached every host at once."
    exported = tmp_path / "pm.md"
    ok("postmortem", "export", "-o", str(exported), db=db)
    assert exported.read_text(encoding="utf-8").startswith(
        "# Postmortem: Checkout errors after deploy 4812\n"
    )


def test_follow_ups_are_commitments_tracked_after_the_incident(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Search latency", "--severity", "1", db=db)
    ok("action", "Page the search on-call", "--owner", "Dana", db=db)  # today's form still works
    ok("action", "add", "Alert on search p99 above 2 s", "--owner", "Kim", db=db)
    ok("status", "resolved", db=db)
    listed = json.loads(ok("follow-ups", "--json", db=db))
    assert [(r["number"], r["standing"], r["priority"]) for r in listed] == [
        ("A2", "unacknowledged", "P1"),
        ("A1", "on_track", None),
    ]
    # No update named a service yet: the filter by service finds nothing, says so.
    assert ok("follow-ups", "--service", "search", db=db).strip() == "No open follow-ups."
    assert ok("action", "ack", "A2", "--author", "Kim", db=db).strip() == (
        "Kim accepts: Alert on search p99 above 2 s"
    )
    assert "Say how it is known to be done" in fails("action", "done", "A2", db=db)
    ok("action", "done", "A2", "--evidence", "https://example.com/pr/12", db=db)
    assert "is a decision: give the reason" not in ok(
        "action", "wont", "A1", "--reason", "the rota pages automatically now", db=db
    )
    assert ok("follow-ups", db=db).strip() == "No open follow-ups."
    everything = ok("action", "list", "--all", "--csv", db=db).splitlines()
    assert everything[0].startswith("id,number,incident_id,incident_title")
    assert len(everything) == 3


def test_html_and_pdf_exports_show_what_people_wrote_as_text(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Login outage", db=db)
    ok(
        "postmortem",
        "edit",
        "summary",
        "--text",
        "Sessions <script>alert(1)</script> expired",
        db=db,
    )
    ok("action", "add", "Alert on login error rate above 2%", "--owner", "Kim", db=db)
    page = tmp_path / "pm.html"
    ok("postmortem", "export", "--format", "html", "-o", str(page), db=db)
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "<table>" in html  # the follow-ups and the timeline appendix
    pdf = tmp_path / "pm.pdf"
    assert "A PDF is not printed to the terminal" in fails(
        "postmortem", "export", "--format", "pdf", db=db
    )
    ok("postmortem", "export", "--format", "pdf", "-o", str(pdf), db=db)
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_opening_an_incident_like_an_earlier_one_says_what_it_left(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    first = ok("new", "Payments API timeouts", db=db).strip()
    ok(
        "postmortem",
        "factor",
        "add",
        "Pool sized for last year's traffic",
        "--category",
        "capacity",
        db=db,
    )
    ok("action", "add", "Load-test the pool before each peak season", "--owner", "Kim", db=db)
    ok("status", "resolved", db=db)
    opened = run_cli("new", "Payments timeouts again", db=db)
    assert opened.returncode == 0
    assert len(opened.stdout.strip()) == 26  # the id stays the only line on standard output
    assert "This looks like “Payments API timeouts”" in opened.stderr
    assert "1 of its 1 follow-ups are still open" in opened.stderr
    assert "factor: Capacity: Pool sized for last year's traffic" in opened.stderr
    assert f"commander postmortem {first[:10]} show" in opened.stderr
    assert "This looks like “Payments API timeouts”" in ok("similar", db=db)
