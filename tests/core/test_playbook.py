"""The playbook file: every problem with its line, gaps told apart from errors, the
rota answering "who is IC now", the severity helper, edits in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commander_app.core.cadence_policy import CadencePolicy
from commander_app.core.model import Audience, Role, Severity
from commander_app.core.playbook import SeverityQuestion, changed_parts, severity_from_answers
from commander_app.core.playbook_edit import with_cadence, with_checklist
from commander_app.core.playbook_lines import KeyLines
from commander_app.core.playbook_parse import read_playbook
from commander_app.core.rollback_checklist import ChecklistItem, RollbackChecklist

TEAM = """\
name = "Payments playbook"

[[question]]
ask = "Are payments failing?"
yes = "SEV1"

[severity.SEV1]
commander = ["alice", "rota"]
roles = ["commander", "communicator"]
cadence = { internal = 15, executives = 30 }

[severity.SEV2]
commander = "anyone"
postmortem = "required"

[audience.internal]
recipients = ["#payments-incident"]

[audience.executives]
recipients = ["cto@example.com"]
by_service = { payments = ["cfo@example.com"] }

[rota]
zone = "UTC"

[[rota.shift]]
person = "bob"
from = 2026-12-01T09:00:00

[[rota.shift]]
person = "carol"
from = 2026-12-02T09:00:00
"""


def gaps(text: str) -> list[str]:
    return [p.describe() for p in read_playbook(text).gaps]


def test_a_team_file_reads_over_the_defaults() -> None:
    reading = read_playbook(TEAM)
    book = reading.playbook
    assert book is not None
    assert reading.version.name == "Payments playbook"
    assert len(reading.version.digest) == 12
    assert book.cadence.interval(Severity.SEV1, Audience.INTERNAL) == timedelta(minutes=15)
    assert book.cadence.interval(Severity.SEV1, Audience.CUSTOMERS) is None  # the team's row
    assert book.cadence.first_update == CadencePolicy().first_update  # left out: defaults
    assert book.rule(Severity.SEV1).roles == (Role.COMMANDER, Role.COMMUNICATOR)
    assert book.recipients(Audience.EXECUTIVES, ["Payments"]) == (
        "cto@example.com",
        "cfo@example.com",
    )


def test_the_rota_answers_who_commands_now_offline() -> None:
    book = read_playbook(TEAM).playbook
    assert book is not None
    before = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    monday = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    tuesday = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert book.commanders_for(Severity.SEV1, before) == ("alice",)
    assert book.commanders_for(Severity.SEV1, monday) == ("alice", "bob")
    assert book.commanders_for(Severity.SEV1, tuesday) == ("alice", "carol")
    assert book.next_hand_over(monday).person == "carol"  # type: ignore[union-attr]
    assert book.commanders_for(Severity.SEV2, monday) == ()  # anyone: no name to suggest


def test_every_problem_is_found_with_its_line_not_just_the_first() -> None:
    text = """\
name = "Broken"
[severity.SEV1]
cadence = { internal = 0 }
postmortem = "maybe"
[severity.SEV9]
means = "x"
[[rollback.item]]
id = "Bad Id"
text = "x"
[rota]
zone = "Mars/Olympus"
"""
    reading = read_playbook(text)
    assert reading.playbook is None
    found = [(p.line, p.text.split(":")[0]) for p in reading.blocking]
    assert (3, "severity.SEV1.cadence.internal must be whole minutes from 1 to 1440, not 0.") in [
        (p.line, p.text) for p in reading.blocking
    ]
    assert (
        4,
        "severity.SEV1.postmortem must be one of required, optional, none, not 'maybe'.",
    ) in [(p.line, p.text) for p in reading.blocking]
    lines = sorted(line for line, _ in found if line)
    assert lines == [3, 4, 5, 7, 11]


def test_not_toml_is_told_with_its_line() -> None:
    reading = read_playbook('name = "x"\n[severity.SEV1\n')
    assert reading.playbook is None
    assert reading.blocking[0].line == 2
    assert reading.blocking[0].text.startswith("This is not valid TOML")


def test_gaps_do_not_block_but_are_named() -> None:
    text = 'name = "x"\n[severity.SEV1]\ncommander = []\ncadence = { customers = 30 }\n'
    reading = read_playbook(text)
    assert reading.playbook is not None  # usable: a gap never stops an incident
    told = gaps(text)
    assert any(t.startswith("line 2: SEV1 has no commander rule") for t in told)
    assert any(
        t.startswith("line 4: SEV1 has a cadence for customers, but no recipients") for t in told
    )
    assert any("rota" in t for t in gaps('[severity.SEV2]\ncommander = "rota"\n'))


def test_the_severity_helper_takes_the_highest_yes() -> None:
    questions = (
        SeverityQuestion("Customers affected?", Severity.SEV2),
        SeverityQuestion("Data at risk?", Severity.SEV1),
    )
    assert severity_from_answers(questions, {}) is None
    assert severity_from_answers(questions, {0: False}) is None  # not every question answered
    verdict = severity_from_answers(questions, {0: True, 1: True})
    assert verdict is not None
    assert verdict.severity is Severity.SEV1
    assert verdict.reason == "yes to “Data at risk?”"
    low = severity_from_answers(questions, {0: False, 1: False})
    assert low is not None
    assert low.severity is Severity.SEV4


def test_key_lines_follow_tables_arrays_and_dotted_keys() -> None:
    lines = KeyLines("a = 1\n[t.u]\nb.c = 2\n[[arr]]\nx = 1\n[[arr]]\nx = 2\n")
    assert lines.line(("a",)) == 1
    assert lines.line(("t", "u", "b", "c")) == 3
    assert lines.line(("arr", 1, "x")) == 7
    assert lines.line(("arr", 1, "missing")) == 6  # the nearest written parent
    assert lines.line(("nowhere",)) is None


def test_an_edit_in_place_keeps_comments_and_other_settings() -> None:
    text = TEAM.replace('name = "Payments playbook"', '# ours\nname = "Payments playbook"')
    book = read_playbook(text).playbook
    assert book is not None
    slower = CadencePolicy(
        intervals={
            **book.cadence.intervals,
            Severity.SEV1: {Audience.INTERNAL: timedelta(minutes=25)},
        },
        long_intervals={},
    )
    edited = with_cadence(text, slower)
    assert "# ours" in edited
    assert 'by_service = { payments = ["cfo@example.com"] }' in edited
    again = read_playbook(edited).playbook
    assert again is not None
    assert again.cadence.interval(Severity.SEV1, Audience.INTERNAL) == timedelta(minutes=25)
    assert again.rota == book.rota
    assert changed_parts(book, again) == ["update cadence"]
    checklist = RollbackChecklist((ChecklistItem("flag", "The flag is named"),))
    assert read_playbook(with_checklist(edited, checklist)).playbook.checklist == checklist  # type: ignore[union-attr]
