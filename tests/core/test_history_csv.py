"""Reading another tool's incident history: forgiving about how the file is written,
exact about what is wrong in it (every problem with its line number)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from commander_app.core.history_csv import history_events, parse_history
from commander_app.core.ids import check_ulid
from commander_app.core.model import Kind, Milestone, Severity

NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
HEADER = "title,severity,started,detected,mitigated,resolved"


def _parse(text: str, **kwargs: object) -> list[str]:
    return parse_history(text, now=NOW, **kwargs).problems  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "header",
    [
        "title,severity,started,detected,mitigated,resolved,service,cause was a deploy",
        "Title,Sev,Impact Start,Detection,Mitigation,Resolution,Services,Deploy",
        "TITLE,Priority,impact_start_at,detected-at,Mitigated At,End,Component,change-induced",
        "Summary,SEVERITY,Start (UTC),Detected time,mitigated_at,resolved_at,component,"
        "Cause was a deploy?",
    ],
)
def test_headers_are_matched_forgivingly(header: str) -> None:
    text = (
        f"{header}\nCheckout 500s,P1,2024-03-01 14:05,2024-03-01 14:12,"
        "2024-03-01 14:40,2024-03-01 15:10,checkout,yes\n"
    )
    parsed = parse_history(text, now=NOW)
    assert parsed.problems == []
    (row,) = parsed.rows
    assert row.title == "Checkout 500s"
    assert row.severity is Severity.SEV1
    assert row.started == datetime(2024, 3, 1, 14, 5, tzinfo=UTC)
    assert row.detected == datetime(2024, 3, 1, 14, 12, tzinfo=UTC)
    assert row.mitigated == datetime(2024, 3, 1, 14, 40, tzinfo=UTC)
    assert row.resolved == datetime(2024, 3, 1, 15, 10, tzinfo=UTC)
    assert row.services == ("checkout",)
    assert row.deploy_caused is True


@pytest.mark.parametrize(
    ("written", "severity"),
    [("P1", "SEV1"), ("SEV2", "SEV2"), ("sev 3", "SEV3"), ("4", "SEV4"), ("p2", "SEV2")],
)
def test_severities_in_other_tools_words(written: str, severity: str) -> None:
    text = f"title,sev,start,end\nA,{written},2024-03-01 14:05,2024-03-01 15:00\n"
    assert parse_history(text, now=NOW).rows[0].severity == Severity(severity)


@pytest.mark.parametrize(
    ("written", "flag"),
    [
        ("yes", True),
        ("TRUE", True),
        ("1", True),
        ("no", False),
        ("false", False),
        ("0", False),
        ("", None),
    ],
)
def test_the_deploy_flag(written: str, flag: bool | None) -> None:
    text = f"title,sev,start,end,deploy\nA,1,2024-03-01 14:05,2024-03-01 15:00,{written}\n"
    assert parse_history(text, now=NOW).rows[0].deploy_caused is flag


def test_a_bom_and_semicolons_are_read() -> None:
    text = (
        "\ufefftitle;severity;started;resolved;services\n"
        'A;2;2024-03-01 14:05;2024-03-01 15:00;"api, web"\n'
    )
    parsed = parse_history(text, now=NOW)
    assert parsed.problems == []
    assert parsed.rows[0].services == ("api", "web")


def test_naive_times_are_read_in_the_zone_given_and_zoned_ones_as_written() -> None:
    text = (
        "title,severity,started,resolved\n"
        "A,2,2024-07-01 14:00,2024-07-01T15:00:00Z\n"
        "B,2,2024/01/10 09:30,2024-01-10T10:00+01:00\n"
    )
    rows = parse_history(text, now=NOW, zone=ZoneInfo("Europe/Berlin")).rows
    assert rows[0].started == datetime(2024, 7, 1, 12, 0, tzinfo=UTC)  # CEST
    assert rows[0].resolved == datetime(2024, 7, 1, 15, 0, tzinfo=UTC)
    assert rows[1].started == datetime(2024, 1, 10, 8, 30, tzinfo=UTC)  # CET
    assert rows[1].resolved == datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


def test_every_bad_row_is_told_with_its_line_number_and_nothing_is_kept() -> None:
    text = (
        f"{HEADER}\n"
        "Fine,1,2024-03-01 14:00,2024-03-01 14:10,2024-03-01 14:20,2024-03-01 14:30\n"
        ",2,2024-03-01 14:00,,,2024-03-01 14:30\n"
        "Bad sev,SEV9,2024-03-01 14:00,,,2024-03-01 14:30\n"
        "\n"
        "Bad time,2,yesterday-ish,,,2024-03-01 14:30\n"
        "Out of order,2,2024-03-01 14:00,2024-03-01 13:50,,2024-03-01 14:30\n"
        "Future,2,2024-03-01 14:00,,,2027-01-01 00:00\n"
        "Ancient,2,1999-12-31 23:00,,,2024-03-01 14:30\n"
        "Unfinished,2,2024-03-01 14:00,,,\n"
        "Date only,2,2024-03-01,,,2024-03-01 14:30\n"
        f"{'x' * 201},2,2024-03-01 14:00,,,2024-03-01 14:30\n"
    )
    parsed = parse_history(text, now=NOW)
    assert parsed.rows == []
    assert parsed.problems == [
        "line 3: no title",
        "line 4: unknown severity 'SEV9' (use SEV1 to SEV4, P1 to P4 or 1 to 4)",
        "line 6: the impact start 'yesterday-ish' is not a time (write it like 2024-03-01 14:05)",
        "line 7: the detected time (2024-03-01 13:50) is before the impact start "
        "(2024-03-01 14:00)",
        "line 8: the resolved time '2027-01-01 00:00' is in the future",
        "line 9: the impact start '1999-12-31 23:00' is before 2000",
        "line 10: no resolved time; only finished incidents are imported",
        "line 11: the impact start '2024-03-01' has no time of day",
        "line 12: the title is 201 characters long; the limit is 200",
    ]


def test_a_missing_column_and_a_doubled_one_are_told_on_the_header_line() -> None:
    problems = _parse("\n\nname,start,begin\nA,2024-03-01 14:00,2024-03-01 14:00\n")
    assert problems == [
        "line 3: columns 'start' and 'begin' both mean the impact start; keep one",
        "line 3: no severity column (name one 'severity', 'sev', 'priority')",
        "line 3: no resolved column (name one 'resolved', 'resolution', 'end')",
    ]


def test_the_same_incident_twice_in_one_file_is_a_problem() -> None:
    text = (
        "title,sev,start,end\n"
        "A,1,2024-03-01 14:05,2024-03-01 15:00\n"
        "a ,2,2024-03-01T14:05:00Z,2024-03-01 16:00\n"
    )
    assert _parse(text) == ["line 3: the same incident as line 2"]


def test_unknown_columns_are_ignored_and_named() -> None:
    parsed = parse_history(
        "title,sev,start,end,Owner\nA,1,2024-03-01 14:05,2024-03-01 15:00,ada\n", now=NOW
    )
    assert parsed.problems == []
    assert parsed.ignored_columns == ["Owner"]


def test_ids_are_stable_and_come_from_the_id_column_when_there_is_one() -> None:
    plain = "title,sev,start,end\nA,1,2024-03-01 14:05,2024-03-01 15:00\n"
    first = parse_history(plain, now=NOW).rows[0]
    again = parse_history(plain.replace("A,1", "A,2"), now=NOW).rows[0]
    assert first.incident_id == again.incident_id == check_ulid(first.incident_id)
    keyed = "key,title,sev,start,end\nINC-7,A,1,2024-03-01 14:05,2024-03-01 15:00\n"
    renamed = keyed.replace(",A,", ",A renamed later,")
    one = parse_history(keyed, now=NOW).rows[0]
    assert one.external_id == "INC-7"
    assert one.incident_id == parse_history(renamed, now=NOW).rows[0].incident_id
    assert one.incident_id != first.incident_id
    other_tool = parse_history(keyed, now=NOW, source="jira").rows[0]
    assert other_tool.incident_id != one.incident_id


def test_the_events_are_the_incident_as_it_happened() -> None:
    text = (
        f"{HEADER},service\n"
        "A,1,2024-03-01 14:00,2024-03-01 14:10,2024-03-01 14:20,2024-03-01 14:30,api\n"
    )
    row = parse_history(text, now=NOW).rows[0]
    events = history_events(row, author="ada", device_id="laptop", now=NOW)
    again = history_events(row, author="ada", device_id="laptop", now=NOW)
    assert [e.id for e in events] == [e.id for e in again]
    assert len({e.id for e in events}) == len(events)
    assert [check_ulid(e.id) for e in events] == [e.id for e in events]
    opened = events[0]
    assert min(events, key=lambda e: e.sort_key) == opened  # the story starts with it
    assert opened.kind is Kind.INCIDENT
    assert opened.body["imported"] is True
    assert opened.body["services"] == ["api"]
    assert opened.occurred_at == "2024-03-01T14:00:00.000000Z"
    milestones = [
        (e.body["milestone"], e.occurred_at[11:16]) for e in events if e.kind is Kind.MILESTONE
    ]
    assert milestones == [
        (Milestone.IMPACT_STARTED.value, "14:00"),
        (Milestone.DETECTED.value, "14:10"),
        (Milestone.MITIGATED.value, "14:20"),
        (Milestone.RESOLVED.value, "14:30"),
    ]
    assert events[-1].kind is Kind.STATUS
    assert events[-1].body["status"] == "resolved"
