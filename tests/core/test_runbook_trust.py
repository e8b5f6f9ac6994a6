"""The trust rules at fixed times: what makes a runbook worth a warning at 2 a.m."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.runbook import Runbook, RunbookStep
from commander_app.core.runbook_trust import (
    GitChange,
    LastIncident,
    TrustFacts,
    deprecated_mentions,
    parse_deprecated_tools,
    trust_line,
)

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def _runbook(reviewed: date | None, *commands: str, service: str = "payments-db") -> Runbook:
    steps = tuple(RunbookStep(n, f"step {n}", n, (c,)) for n, c in enumerate(commands, 1))
    return Runbook("Pool", service, ("PoolExhausted",), "team", reviewed, steps)


def _kinds(facts: TrustFacts, tools: dict[str, str] | None = None, **kw: int) -> list[str]:
    return [f.kind for f in trust_line(facts, tools or {}, NOW, **kw).flags]


def test_a_recent_review_with_no_incident_is_trusted_and_says_what_it_knows() -> None:
    line = trust_line(TrustFacts(_runbook(date(2026, 11, 2), "psql")), {}, NOW)
    assert line.trusted
    assert line.facts == (
        "reviewed 30 days ago",
        "no payments-db incident in this log",
        "no use recorded",
    )


def test_stale_after_the_limit_and_not_a_day_before() -> None:
    at_limit = NOW.date() - timedelta(days=180)
    assert _kinds(TrustFacts(_runbook(at_limit, "ls"))) == []
    assert _kinds(TrustFacts(_runbook(at_limit - timedelta(days=1), "ls"))) == ["stale"]
    assert _kinds(TrustFacts(_runbook(at_limit, "ls")), stale_after_days=30) == ["stale"]
    line = trust_line(TrustFacts(_runbook(date(2024, 12, 2), "ls")), {}, NOW)
    assert line.flags[0].message == "stale: last reviewed 730 days ago (more than 180 days)"


def test_no_review_date_and_a_future_one_are_flagged() -> None:
    assert _kinds(TrustFacts(_runbook(None, "ls"))) == ["no-review-date"]
    assert _kinds(TrustFacts(_runbook(date(2027, 1, 1), "ls"))) == ["future-review-date"]


INCIDENT = LastIncident("01J", "Checkout 500s", datetime(2026, 11, 20, 22, 30, tzinfo=UTC))


def test_a_runbook_not_touched_since_its_services_last_incident_is_flagged() -> None:
    facts = TrustFacts(_runbook(date(2026, 11, 1), "ls"), last_incident=INCIDENT)
    line = trust_line(facts, {}, NOW)
    assert [f.kind for f in line.flags] == ["behind-incident"]
    assert line.flags[0].message == (
        'not updated since the last payments-db incident ("Checkout 500s", 2026-11-20)'
    )


@pytest.mark.parametrize(
    "facts",
    [
        TrustFacts(_runbook(date(2026, 11, 20), "ls"), last_incident=INCIDENT),  # that day
        TrustFacts(
            _runbook(date(2026, 1, 1), "ls", service="payments-db"),
            git=GitChange(datetime(2026, 11, 21, tzinfo=UTC), "chen"),
            last_incident=INCIDENT,
        ),
        TrustFacts(
            _runbook(date(2026, 11, 1), "ls"),
            file_changed=datetime(2026, 11, 21, tzinfo=UTC),
            last_incident=INCIDENT,
        ),
    ],
)
def test_a_review_or_a_change_after_the_incident_counts(facts: TrustFacts) -> None:
    assert "behind-incident" not in _kinds(facts)


def test_git_knows_better_than_the_files_mtime() -> None:
    """A clone sets every mtime to the clone's time: with git, the commit date counts."""
    facts = TrustFacts(
        _runbook(date(2026, 11, 1), "ls"),
        git=GitChange(datetime(2026, 3, 1, tzinfo=UTC), "dana"),
        file_changed=NOW,
        last_incident=INCIDENT,
    )
    line = trust_line(facts, {}, NOW)
    assert [f.kind for f in line.flags] == ["behind-incident"]
    assert "last changed 2026-03-01 by dana (git)" in line.facts


def test_deprecated_tools_are_matched_as_words_of_a_command() -> None:
    runbook = _runbook(
        date(2026, 11, 1),
        "sudo netstat -tlpn | grep 5432",
        "ss -tlpn; /usr/sbin/ifconfig eth0",
        "netstat-ng --all; mynetstat; echo sshd",
    )
    tools = {"netstat": "ss", "ifconfig": "ip addr", "ssh": ""}
    assert deprecated_mentions(runbook, tools) == [(1, "netstat", "ss"), (2, "ifconfig", "ip addr")]
    messages = [f.message for f in trust_line(TrustFacts(runbook), tools, NOW).flags]
    assert messages == [
        "step 1 runs deprecated netstat (use ss)",
        "step 2 runs deprecated ifconfig (use ip addr)",
    ]


def test_the_deprecated_tools_file() -> None:
    text = '[tools]\nnetstat = "ss"\n"kubectl-legacy" = ""\n'
    assert parse_deprecated_tools(text, "f") == {"netstat": "ss", "kubectl-legacy": ""}
    assert parse_deprecated_tools('ifconfig = "ip"\n', "f") == {"ifconfig": "ip"}
    with pytest.raises(ValidationError, match="replacement for 'netstat' must be text"):
        parse_deprecated_tools("[tools]\nnetstat = 3\n", "f")
    with pytest.raises(ValidationError, match="not valid TOML"):
        parse_deprecated_tools("[tools\n", "f")
