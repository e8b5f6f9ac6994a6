"""Runbook-step events: what each body holds, its check, its timeline line, and which
flags still stand once the runbook is edited."""

from __future__ import annotations

import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.events import event_text, validate_body
from commander_app.core.model import Kind
from commander_app.core.runbook_parse import parse_runbook
from commander_app.core.runbook_steps import (
    MAX_OUTPUT,
    RunbookVersion,
    StepFlag,
    bounded_output,
    escalation_body,
    find_step,
    standing_flags,
    step_done_body,
    step_fingerprint,
    step_wrong_body,
)

TEXT = """\
---
service: payments-db
---
# Pool exhausted

## Look at the pool

```sh
psql -c 'SHOW POOLS;'
```

If you see `cl_waiting` above 0: escalate to the DBA on call
Otherwise: continue to step 2

## Restart the pooler

```sh
systemctl restart pgbouncer
```

Otherwise: stop
"""
VERSION = RunbookVersion("db/pool", "Pool exhausted", "a" * 64, "0123abcd")


def _runbook(text: str = TEXT):  # type: ignore[no-untyped-def]
    runbook = parse_runbook(text).runbook
    assert runbook is not None
    return runbook


def test_a_done_step_keeps_the_version_commands_and_output() -> None:
    step = find_step(_runbook(), 1)
    body = step_done_body(VERSION, step, "cl_waiting | 12\r\n")
    assert validate_body(Kind.RUNBOOK, body) == body
    assert body["commit"] == "0123abcd"
    assert body["commands"] == ["psql -c 'SHOW POOLS;'"]
    assert body["output"] == "cl_waiting | 12"
    assert event_text(Kind.RUNBOOK, body) == (
        "Runbook db/pool step 1 (Look at the pool) done; output seen:\ncl_waiting | 12"
    )


def test_a_long_output_keeps_its_start_and_end_and_says_how_much_is_left_out() -> None:
    kept, dropped = bounded_output("a" * 10_000 + "THE END")
    assert dropped == 10_007 - MAX_OUTPUT
    assert kept.startswith("aaa")
    assert kept.endswith("THE END")
    assert f"{dropped:,} characters left out" in kept


def test_an_escalation_names_whom_and_when() -> None:
    body = escalation_body(VERSION, find_step(_runbook(), 1))
    assert body["escalate_to"] == "the DBA on call"
    assert "escalated to the DBA on call (cl_waiting above 0)" in event_text(Kind.RUNBOOK, body)
    with pytest.raises(ValidationError, match="names no one"):
        escalation_body(VERSION, find_step(_runbook(), 2))


def test_a_flag_needs_a_note_and_the_check_refuses_bad_bodies() -> None:
    step = find_step(_runbook(), 2)
    with pytest.raises(ValidationError, match="Say what is wrong"):
        step_wrong_body(VERSION, step, "  ")
    body = step_wrong_body(VERSION, step, "pgbouncer is now a sidecar")
    with pytest.raises(ValidationError, match="sha256"):
        validate_body(Kind.RUNBOOK, {**body, "sha256": "nope"})
    with pytest.raises(ValidationError, match="op"):
        validate_body(Kind.RUNBOOK, {**body, "op": "skipped"})
    with pytest.raises(ValidationError, match="note"):
        validate_body(Kind.RUNBOOK, {k: v for k, v in body.items() if k != "note"})
    with pytest.raises(ValidationError, match="no step 3: its steps are 1 to 2"):
        find_step(_runbook(), 3)


def test_a_flag_stands_until_the_step_it_names_is_edited() -> None:
    runbook = _runbook()
    step = find_step(runbook, 2)
    flag = StepFlag("e1", "i1", "db/pool", 2, step.title, step_fingerprint(step), "n", "t")
    assert standing_flags([flag], runbook) == [flag]
    other_step_edited = _runbook(TEXT.replace("SHOW POOLS", "SHOW POOLS VERBOSE"))
    assert standing_flags([flag], other_step_edited) == [flag]
    this_step_edited = _runbook(TEXT.replace("systemctl restart", "kubectl rollout restart"))
    assert standing_flags([flag], this_step_edited) == []
