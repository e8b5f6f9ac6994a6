"""Scenario files: the shipped ones read cleanly; a bad one names every problem's line."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources

import pytest

from commander_app.core.drill_scenario import (
    InjectKind,
    TriggerKind,
    format_offset,
    parse_offset,
)
from commander_app.core.drill_scenario_parse import read_scenario
from commander_app.core.errors import ValidationError
from commander_app.core.model import Severity

GOOD = """\
[setup]
title = "Checkout down"
service = "checkout"
severity = "SEV1"
facts = ["Deploy at 02:41.", "Orders fail."]
speed = 4

[[inject]]
id = "storm"
at = "T+01:30"
kind = "alert_storm"
count = 10
alertname = "HighErrors"
cause = "ProviderTLS"

[[inject]]
id = "cdn"
trigger = { hypothesis_mentions = "CDN" }
kind = "finding_revealed"
text = "The CDN is fine."

[[inject]]
id = "late"
trigger = { no_first_update_by = "T+05:00" }
kind = "executive_asks"
who = "CTO"
text = "ETA?"
"""


def shipped() -> list[str]:
    folder = resources.files("commander_app.resources").joinpath("drills")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".toml"))


def test_three_scenarios_ship_and_every_one_reads_cleanly() -> None:
    names = shipped()
    assert len(names) >= 3
    assert "payment-failure-after-deploy.toml" in names
    folder = resources.files("commander_app.resources").joinpath("drills")
    for name in names:
        reading = read_scenario(folder.joinpath(name).read_text("utf-8"), name[:-5])
        assert reading.problems == [], name
        assert reading.scenario is not None


def test_the_payment_scenario_has_what_the_team_practises() -> None:
    folder = resources.files("commander_app.resources").joinpath("drills")
    text = folder.joinpath("payment-failure-after-deploy.toml").read_text("utf-8")
    scenario = read_scenario(text, "payment-failure-after-deploy").scenario
    assert scenario is not None
    assert "02:47" in scenario.setup.title
    kinds = {i.kind for i in scenario.injects}
    assert {InjectKind.ALERT_STORM, InjectKind.EXECUTIVE_ASKS, InjectKind.FINDING_REVEALED} <= kinds
    assert InjectKind.COMMANDER_CALLED_AWAY in kinds
    triggers = {i.trigger.kind for i in scenario.injects if i.trigger}
    assert triggers == set(TriggerKind)


def test_a_good_file_reads_into_setup_and_injects() -> None:
    reading = read_scenario(GOOD, "checkout")
    scenario = reading.scenario
    assert scenario is not None
    assert scenario.setup.severity is Severity.SEV1
    assert scenario.setup.facts == ("Deploy at 02:41.", "Orders fail.")
    assert scenario.setup.speed == 4.0
    storm, cdn, late = scenario.injects
    assert (storm.at, storm.count, storm.cause) == (
        timedelta(minutes=1, seconds=30),
        10,
        "ProviderTLS",
    )
    assert storm.line == 8
    assert cdn.trigger is not None
    assert (cdn.trigger.kind, cdn.trigger.words) == (TriggerKind.HYPOTHESIS_MENTIONS, "CDN")
    assert late.trigger is not None
    assert late.trigger.by == timedelta(minutes=5)
    assert late.when() == "if no first update has gone out by T+05:00"


def test_a_bad_file_names_every_problem_with_its_line() -> None:
    bad = """\
[setup]
title = "Checkout down"
severity = "SEV9"
speed = 0

[[inject]]
id = "storm"
at = "T+1:5"
kind = "alert_storm"
alertname = "HighErrors"

[[inject]]
id = "storm"
at = "T+02:00"
kind = "note"
text = "again"

[[inject]]
id = "both"
at = "T+03:00"
trigger = { rollback_decided = true }
kind = "note"
text = "x"

[[inject]]
id = "what"
trigger = { someone_sneezes = true }
kind = "dance"
colour = "red"
"""
    reading = read_scenario(bad, "bad")
    assert reading.scenario is None
    found = [(p.line, p.text) for p in reading.problems]
    lines = [line for line, _ in found]
    assert lines == sorted(lines)
    said = "\n".join(f"{line}: {text}" for line, text in found)
    assert "1: setup needs service" in said
    assert "3: setup.severity: Unknown severity 'SEV9'" in said
    assert "4: setup.speed must be a number above 0" in said
    assert "8: inject 'storm': 'T+1:5' is not a drill time" in said
    assert "6: inject 'storm': count must be a whole number" in said
    assert "13: Two injects are called 'storm'" in said
    assert "18: inject 'both' needs exactly one of at" in said
    assert "28: inject 'what': kind must be one of" in said
    assert "27: inject 'what': unknown trigger 'someone_sneezes'" in said


def test_not_toml_says_where() -> None:
    reading = read_scenario('[setup]\ntitle = "x\n', "broken")
    [problem] = reading.problems
    assert problem.line == 2
    assert "not valid TOML" in problem.text


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("T+00:00", timedelta()),
        ("T+05:00", timedelta(minutes=5)),
        ("T+1:30:00", timedelta(hours=1, minutes=30)),
    ],
)
def test_drill_times_read_and_write_back(text: str, offset: timedelta) -> None:
    assert parse_offset(text) == offset
    assert format_offset(offset) == text


@pytest.mark.parametrize("text", ["5:00", "T+05:60", "T-01:00", "T+1:75:00", ""])
def test_a_drill_time_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="not a drill time"):
        parse_offset(text)
