"""Reading runbook Markdown over a corpus of tricky files: what a person who wrote the
file would expect to see, and every problem named with its line."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commander_app.core.runbook import runbook_from_json, runbook_to_json
from commander_app.core.runbook_parse import parse_runbook

GOOD = """\
---
service: payments-db
answers: [PoolExhausted, "connection pool exhausted"]
owner: team-payments
last_reviewed: 2026-10-05
escalation_policy: payments-dba
links: {dashboard: "https://grafana/d/pool"}
---
# Database connection pool exhausted

Intro prose.

## Confirm the pool is the bottleneck

```sh
psql -c 'SHOW POOLS;'
```

Expect: /cl_waiting\\s*\\|\\s*[1-9]/

If you see `cl_waiting` at 0: continue to step 2
Otherwise: escalate to the payments DBA on call

## Confirm recovery

Check it from outside.

```sh
psql -c 'SHOW POOLS;'
```

```expect
cl_waiting | 0
```

- If you see it climbing: continue to step 1
- Otherwise: stop
"""


def test_a_well_formed_runbook_reads_as_its_author_wrote_it() -> None:
    parsed = parse_runbook(GOOD)
    assert parsed.problems == ()
    runbook = parsed.runbook
    assert runbook is not None
    assert runbook.title == "Database connection pool exhausted"
    assert runbook.service == "payments-db"
    assert runbook.answers == ("PoolExhausted", "connection pool exhausted")
    assert runbook.owner == "team-payments"
    assert runbook.last_reviewed == date(2026, 10, 5)
    assert runbook.extra == {
        "escalation_policy": "payments-dba",
        "links": {"dashboard": "https://grafana/d/pool"},
    }
    first, second = runbook.steps
    assert (first.number, first.title, first.line) == (1, "Confirm the pool is the bottleneck", 13)
    assert first.commands == ("psql -c 'SHOW POOLS;'",)
    assert first.expect[0].is_pattern
    assert first.expect[0].text == r"cl_waiting\s*\|\s*[1-9]"
    assert [d.describe() for d in first.decisions] == [
        "If you see cl_waiting at 0: continue to step 2",
        "Otherwise: escalate to the payments DBA on call",
    ]
    assert first.decisions[0].step == 2
    assert second.expect[0].text == "cl_waiting | 0"
    assert not second.expect[0].is_pattern
    assert second.notes == "Check it from outside."
    assert [d.action for d in second.decisions] == ["continue", "stop"]
    assert "Intro prose." in parsed.body
    assert "service:" not in parsed.body


def test_the_parsed_runbook_survives_the_index_as_json() -> None:
    runbook = parse_runbook(GOOD).runbook
    assert runbook is not None
    assert runbook_from_json(runbook_to_json(runbook)) == runbook


def test_bom_and_crlf_change_nothing() -> None:
    plain = parse_runbook(GOOD)
    windows = parse_runbook("\ufeff" + GOOD.replace("\n", "\r\n"))
    assert windows == plain
    old_mac = parse_runbook(GOOD.replace("\n", "\r"))
    assert old_mac.runbook == plain.runbook


def test_a_fence_inside_a_longer_fence_is_part_of_the_command() -> None:
    text = (
        "---\nservice: docs\n---\n## Write the example\n\n"
        "````sh\ncat > example.md <<'EOF'\n```\nnot a fence end\n```\nEOF\n````\n\n"
        "Expect: `written`\n\nOtherwise: stop\n"
    )
    parsed = parse_runbook(text)
    assert parsed.problems == ()
    assert parsed.runbook is not None
    (step,) = parsed.runbook.steps
    assert step.commands == ("cat > example.md <<'EOF'\n```\nnot a fence end\n```\nEOF",)
    assert step.expect[0].text == "written"


def test_an_expect_paragraph_before_a_fence_labels_that_fence() -> None:
    text = (
        "---\nservice: s\n---\n## Look\n\n```\nuptime\n```\n\nExpect:\n\n```\nload average\n```\n"
    )
    runbook = parse_runbook(text).runbook
    assert runbook is not None
    assert runbook.steps[0].commands == ("uptime",)
    assert runbook.steps[0].expect[0].text == "load average"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "the file is empty"),
        ("   \n\n", 1, "the file is empty"),
        ("# Just a title\n\n## Step\n", 1, "there is no front matter"),
        ("---\nservice: db\n\n## Step\n", 1, "never closed"),
        ("---\n---\n## Step\n", 1, "the front matter is empty"),
        ("---\nservice: db\nanswers: [a, b\nowner: me\n---\n", 4, "not valid YAML"),
        ("---\nservice: db\n\towner: me\n---\n", 3, "not valid YAML"),
        ("---\nservice: db\nanswers: x: y\n---\n", 3, "not valid YAML"),
        ("---\n- a\n- b\n---\n", 2, "must be `key: value` lines"),
        (
            "---\nservice: !!python/object/apply:os.system ['echo hacked']\n---\n",
            2,
            "build an object",
        ),
        ("---\nservice: db\nx: !!python/name:os.system\n---\n", 3, "build an object"),
        ("---\na: &a [1, 2]\nb: *a\n---\n", 3, "YAML alias"),
        ("---\nservice: db\nlast_reviewed: 2026-13-45\n---\n", 1, "cannot be read as YAML"),
    ],
)
def test_a_file_that_does_not_parse_says_where_and_why(text: str, line: int, words: str) -> None:
    parsed = parse_runbook(text)
    assert parsed.runbook is None
    (problem,) = parsed.problems
    assert problem.line == line
    assert words in problem.message


@pytest.mark.parametrize(
    ("front", "line", "words"),
    [
        ("owner: me", 1, "names no service"),
        ("service: db\nanswers: {a: 1}", 3, "`answers` must be a list"),
        ("service: db\nlast_reviewed: last spring", 3, "`last_reviewed` must be a date"),
        ("service: db\nowner: [a, b]", 3, "`owner` must be a name"),
    ],
)
def test_front_matter_with_wrong_values_is_a_problem_at_the_key(
    front: str, line: int, words: str
) -> None:
    parsed = parse_runbook(f"---\n{front}\n---\n## Step\n\n```\nls\n```\n")
    assert parsed.runbook is not None  # still shown, with the problem beside it
    assert [(p.line, words in p.message) for p in parsed.problems] == [(line, True)]


def test_a_single_answer_and_a_quoted_date_are_accepted() -> None:
    text = "---\nservice: db\nanswers: DiskFull\nlast_reviewed: '2026-01-02'\n---\n## S\n\n    ls\n"
    parsed = parse_runbook(text)
    assert parsed.problems == ()
    assert parsed.runbook is not None
    assert parsed.runbook.answers == ("DiskFull",)
    assert parsed.runbook.last_reviewed == date(2026, 1, 2)


def test_step_problems_name_their_lines() -> None:
    text = (
        "---\nservice: db\n---\n"  # 1-3
        "## Nothing to do here\n\n"  # 4
        "Just words.\n\n"  # 6
        "## Check\n\n"  # 8
        "```\nls\n```\n\n"  # 10-12
        "Expect: /([unclosed/\n\n"  # 14
        "If you see errors: continue to step 7\n"  # 16
        "If you see smoke: escalate\n"  # 17
        "Otherwise: ask around\n"  # 18
    )
    parsed = parse_runbook(text)
    assert parsed.runbook is not None
    found = [(p.line, p.message) for p in parsed.problems]
    assert [line for line, _ in found] == [4, 14, 16, 17, 18]
    assert "step 1 (Nothing to do here) has no command and no decision" in found[0][1]
    assert "/([unclosed/ is not valid" in found[1][1]
    assert "continue to step 7, but the runbook has 2 steps" in found[2][1]
    assert "escalate to WHO" in found[3][1]


def test_a_runbook_without_steps_is_a_problem() -> None:
    parsed = parse_runbook("---\nservice: db\n---\n# Title only\n\nSome prose.\n")
    assert [p.message for p in parsed.problems] == [
        "there are no steps: each step is a `## ` heading"
    ]


def test_prose_with_a_colon_is_not_taken_for_a_decision() -> None:
    text = "---\nservice: db\n---\n## S\n\nIf in doubt: ask in #ops first.\n\n```\nls\n```\n"
    parsed = parse_runbook(text)
    assert parsed.problems == ()
    assert parsed.runbook is not None
    assert parsed.runbook.steps[0].decisions == ()
    assert parsed.runbook.steps[0].notes == "If in doubt: ask in #ops first."


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_crashes_the_parser(text: str) -> None:
    parsed = parse_runbook(text)
    assert parsed.runbook is not None or parsed.problems


_PIECES = st.sampled_from(
    ["---\n", "service: db\n", "answers: [a, b]\n", "last_reviewed: 2026-01-01\n", "## Step\n",
     "```\n", "````\n", "ls -l\n", "Expect: /x(/\n", "If you see x: continue to step 9\n",
     "Otherwise: stop\n", "\r\n", "\ufeff", "!!python/object:os.system\n", "&a [1]\n", "*a\n",
     "key: {\n", "\n"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30))
def test_runbook_shaped_text_never_crashes_the_parser(pieces: list[str]) -> None:
    parsed = parse_runbook("".join(pieces))
    assert parsed.runbook is not None or parsed.problems
    assert all(p.line >= 1 for p in parsed.problems)
