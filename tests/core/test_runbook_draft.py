"""A runbook's proposed update from an incident: flagged steps and outputs seen worked in
under their steps, everything else kept byte for byte (front matter, unknown keys,
comments, CRLF, BOM), a new runbook when none covered the failure, and a diff."""

from __future__ import annotations

import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.runbook import Runbook
from commander_app.core.runbook_draft import (
    IncidentSummary,
    LoggedEntry,
    StepEvent,
    draft_update,
    new_runbook,
    sha256_of,
)
from commander_app.core.runbook_parse import parse_runbook
from commander_app.core.runbook_steps import step_fingerprint

TEXT = """\
---
service: payments-db   # the service
answers: [PoolExhausted]
owner: team-payments
last_reviewed: 2026-01-05
escalation_policy: {rota: payments-dba, hours: "24/7"}
---
# Pool exhausted

## Look at the pool

```sh
psql -c 'SHOW POOLS;'
```

Expect: /cl_waiting\\s*\\|\\s*[1-9]/

If you see `cl_waiting` above 50: escalate to the DBA on call
Otherwise: continue to step 2

## Find who holds the connections

```sh
psql -c "SELECT * FROM pg_stat_statements"
```

Expect: a handful of rows

Otherwise: continue to step 3

## Restart the pooler

```sh
systemctl restart pgbouncer
```

Otherwise: stop
"""
INCIDENT = IncidentSummary("01INC", "Checkout 500s", "2026-12-02", ("payments-db",))
NAMED = "incident “Checkout 500s” (2026-12-02)"


def _parsed(text: str) -> Runbook:
    runbook = parse_runbook(text).runbook
    assert runbook is not None
    return runbook


def _draft(text: str, events: list[StepEvent]):  # type: ignore[no-untyped-def]
    return draft_update("db/pool", text, sha256_of(text.encode()), _parsed(text), INCIDENT, events)


def test_a_flagged_step_gets_the_note_under_it_and_the_rest_is_kept_byte_for_byte() -> None:
    events = [StepEvent("wrong", 2, "2026-12-02T10:00:00Z", note="the view is\npg_stat_activity")]
    draft = _draft(TEXT, events)
    block = f"> **Flagged in {NAMED}:** the view is pg_stat_activity\n\n"
    assert draft.after == TEXT.replace("Otherwise: continue to step 3\n\n", "Otherwise: "
                                       "continue to step 3\n\n" + block)  # fmt: skip
    assert draft.summary == ("step 2 flagged wrong: the view is pg_stat_activity",)
    # What the steps say is unchanged: the flag stands until a person edits the step.
    after = _parsed(draft.after)
    assert [step_fingerprint(s) for s in after.steps] == [
        step_fingerprint(s) for s in _parsed(TEXT).steps
    ]
    assert after.last_reviewed is not None
    assert after.last_reviewed.isoformat() == "2026-01-05"
    assert after.extra["escalation_policy"] == {"rota": "payments-dba", "hours": "24/7"}


def test_an_output_that_differs_from_the_expectation_is_added_as_seen() -> None:
    events = [
        StepEvent("done", 1, "2026-12-02T10:00:00Z", output=" pool | cl_waiting\n main | 0"),
        StepEvent("done", 2, "2026-12-02T10:01:00Z", output="a handful of rows (3)"),
    ]
    draft = _draft(TEXT, events)
    added = (
        f"Seen in {NAMED}, not matching the expected pattern:\n\n```seen\n pool | cl_waiting\n"
        " main | 0\n```\n\n"
    )
    assert draft.after == TEXT.replace("Otherwise: continue to step 2\n\n",
                                       "Otherwise: continue to step 2\n\n" + added)  # fmt: skip
    assert draft.summary == (
        "step 1 done; the output seen added (not matching the expected pattern)",
        "step 2 done; output as expected",
    )
    assert _parsed(draft.after).steps[0].commands == ("psql -c 'SHOW POOLS;'",)
    diff = draft.diff()
    assert diff.startswith(f"--- a/db/pool.md\tsha256 {sha256_of(TEXT.encode())}\n+++ b/db/pool.md")
    assert "+```seen\n" in diff


def test_the_last_step_and_an_escalation_and_a_fence_holding_backticks() -> None:
    events = [
        StepEvent("escalated", 1, "2026-12-02T10:00:00Z", escalate_to="the DBA on call"),
        StepEvent("done", 3, "2026-12-02T10:05:00Z", output="failed: ``` in output"),
    ]
    draft = _draft(TEXT, events)
    assert f"> **Escalated in {NAMED}** to the DBA on call.\n\n## Find who" in draft.after
    assert draft.after.endswith(
        "Otherwise: stop\n\n"
        f"Seen in {NAMED}, the step expects nothing yet:\n\n````seen\nfailed: ``` in output\n"
        "````\n"
    )
    assert len(_parsed(draft.after).steps) == 3


def test_a_crlf_file_with_a_bom_keeps_its_line_ends_and_its_bom() -> None:
    text = "\ufeff" + TEXT.replace("\n", "\r\n").removesuffix("\r\n")  # no final line end
    events = [StepEvent("wrong", 3, "2026-12-02T10:00:00Z", note="use systemctl reload")]
    draft = _draft(text, events)
    assert draft.after.startswith(text)  # nothing before the insertion changed
    assert draft.after == text + f"\r\n\r\n> **Flagged in {NAMED}:** use systemctl reload\r\n"
    assert "\n" not in draft.after.replace("\r\n", "")


def test_a_step_found_by_what_it_said_after_the_steps_were_renumbered() -> None:
    old_second = _parsed(TEXT).steps[1]
    renumbered = TEXT.replace("## Look at the pool", "## Page first\n\nOtherwise: continue "
                              "to step 2\n\n## Look at the pool")  # fmt: skip
    fingerprint = step_fingerprint(old_second)
    events = [StepEvent("wrong", 2, "2026-12-02T10:00:00Z", fingerprint, note="stale view")]
    draft = _draft(renumbered, events)
    assert draft.summary == ("step 3 flagged wrong: stale view",)
    gone = [StepEvent("wrong", 2, "2026-12-02T10:00:00Z", "0" * 16, note="x")]
    short = TEXT.split("## Find who")[0]
    assert "no longer in the runbook" in _draft(short, gone).summary[0]


def test_a_fence_left_open_at_the_end_is_refused_rather_than_swallowing_the_notes() -> None:
    text = TEXT + "\n## Broken\n\n```sh\nls\n"
    events = [StepEvent("wrong", 4, "2026-12-02T10:00:00Z", note="x")]
    with pytest.raises(ValidationError, match="never closed"):
        _draft(text, events)


def test_nothing_followed_changes_nothing() -> None:
    draft = _draft(TEXT, [])
    assert not draft.changed
    assert draft.diff() == ""


def test_a_new_runbook_is_drafted_from_the_findings_and_actions_in_the_same_shape() -> None:
    incident = IncidentSummary(
        "01INC",
        "Checkout 500s",
        "2026-12-02",
        ("payments-db",),
        ("PgbouncerPoolExhausted",),
        (
            LoggedEntry("finding", "cl_waiting is 120: `psql -c 'SHOW POOLS;'`", "t1"),
            LoggedEntry(
                "action", "Restart the app pods.\n$ kubectl rollout restart deploy/api", "t2"
            ),
            LoggedEntry("decision", "Raise the pool size to 40", "t3"),
        ),
    )
    draft = new_runbook(incident)
    parsed = parse_runbook(draft.after)
    assert parsed.ok, parsed.problems
    runbook = parsed.runbook
    assert runbook is not None
    assert runbook.service == "payments-db"
    assert runbook.answers == ("PgbouncerPoolExhausted", "Checkout 500s")
    assert runbook.owner is None
    assert runbook.last_reviewed is None
    assert [s.title for s in runbook.steps] == [
        "cl_waiting is 120",
        "Restart the app pods.",
        "Raise the pool size to 40",
    ]
    assert runbook.steps[0].commands == ("psql -c 'SHOW POOLS;'",)
    assert runbook.steps[0].expect[0].text == "cl_waiting is 120"
    assert runbook.steps[1].commands == ("kubectl rollout restart deploy/api",)
    assert [d.describe() for d in runbook.steps[2].decisions] == [
        "Otherwise: stop: the runbook is done"
    ]
    assert "the command that shows it was not logged" in draft.after  # for step 3
    assert draft.diff().startswith("--- /dev/null\n+++ b/checkout-500s.md")


def test_a_new_runbook_without_a_service_says_it_is_needed_and_without_entries_is_refused() -> None:
    incident = IncidentSummary(
        "01INC", "Odd", "2026-12-02", entries=(LoggedEntry("action", "Restart the api", "t"),)
    )
    parsed = parse_runbook(new_runbook(incident).after)
    assert [p.message for p in parsed.problems] == [
        "the front matter names no service: add `service: NAME`"
    ]
    with pytest.raises(ValidationError, match="logged no finding"):
        new_runbook(IncidentSummary("01INC", "Odd", "2026-12-02"))
