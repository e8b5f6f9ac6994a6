"""`commander templates list` and `commander draft`, through their handlers.

(The parser lines for these commands are added to cli/parser.py separately;
subprocess tests of the real program come with them.)
"""

import argparse
from pathlib import Path
from typing import Any

import pytest

from commander_app.cli.template_commands import cmd_draft, cmd_templates_list
from commander_app.core.errors import CommanderError
from commander_app.core.model import Severity, Status
from commander_app.store import board
from commander_app.store.incident_log import IncidentLog
from commander_app.store.templates import save_template, shipped_templates
from tests.conftest import fails, ok


def draft_args(audience: str, **options: Any) -> argparse.Namespace:
    defaults: dict[str, Any] = {
        "audience": audience,
        "template": None,
        "incident": None,
        "first": False,
        "next_update": None,
        "zone": None,
        "workaround": None,
        "service": None,
        "impact": None,
    }
    return argparse.Namespace(**{**defaults, **options})


def test_templates_list_shows_every_template_and_whose_it_is(
    log: IncidentLog, capsys: pytest.CaptureFixture[str]
) -> None:
    save_template(log, "customers-identified", "Found it: {{ title }}", "customers", "identified")
    save_template(log, "partners", "Hello {{ title }}", "all", None)
    assert cmd_templates_list(log, argparse.Namespace()) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(shipped_templates()) + 1
    by_name = {line.split()[0]: line for line in lines}
    assert by_name["customers-identified"].endswith("(yours, over shipped)")
    assert by_name["partners"].split() == ["partners", "all", "any", "time", "(yours)"]
    assert by_name["internal-monitoring"].split() == [
        "internal-monitoring",
        "internal",
        "monitoring",
    ]


def test_draft_prints_the_filled_update_for_the_audience(
    log: IncidentLog, capsys: pytest.CaptureFixture[str]
) -> None:
    incident = log.open_incident("Checkout failing", severity=Severity.SEV1, author="al").id
    board.open_hypothesis(log, incident, "DB pool exhausted", owner="chen", author="al")
    args = draft_args(
        "Internal",
        next_update="15:20",
        zone="America/New_York",
        workaround="Pay with PayPal",
        service=["checkout", "payments"],
        impact="Card payments fail",
    )
    assert cmd_draft(log, args) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Subject: [SEV1] Checkout failing: Investigating\n\n")
    assert "Leading hypothesis: H1 DB pool exhausted (owner chen)" in printed
    assert "Affected: checkout and payments" in printed
    assert "Workaround: Pay with PayPal" in printed
    assert "Next update 15:20 CET." in printed  # internal texts: the team zone (Berlin here)

    assert (
        cmd_draft(log, draft_args("customers", next_update="15:20", zone="America/New_York")) == 0
    )
    customers = capsys.readouterr().out
    assert "We will post the next update by 09:20 EST." in customers
    assert "chen" not in customers
    assert "DB pool" not in customers


def test_draft_with_a_named_template_and_a_named_incident(
    log: IncidentLog, capsys: pytest.CaptureFixture[str]
) -> None:
    first = log.open_incident("Search slow", author="al").id
    log.open_incident("Later incident", author="al")
    save_template(log, "short", "{{ title }}: {{ status }}", "all", None)
    assert cmd_draft(log, draft_args("customers", template="short", incident=first)) == 0
    assert capsys.readouterr().out == "Search slow: Investigating\n"


def test_a_template_that_cannot_be_filled_is_a_one_line_error(log: IncidentLog) -> None:
    incident = log.open_incident("Search slow", author="al").id
    # Saved through SQL: save_template would refuse it, but an older copy may hold one.
    log.conn.execute(
        "INSERT INTO templates VALUES ('bad', 'internal', NULL, 'ok\n{{ owner }}', "
        "'2026-11-28T14:00:00.000000Z', 0)"
    )
    with pytest.raises(CommanderError) as caught:
        cmd_draft(log, draft_args("internal", template="bad", incident=incident))
    assert str(caught.value) == (
        "The template 'bad' uses the placeholder 'owner' on line 2, but there is no such "
        "placeholder."
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"audience": "board"}, "Unknown audience 'board'"),
        ({"template": "nope"}, "There is no template 'nope'"),
        ({"zone": "Mars/Olympus"}, "Unknown time zone 'Mars/Olympus'"),
        ({"next_update": "25:00"}, "not a time of day"),
    ],
)
def test_draft_refuses_in_the_users_words(
    log: IncidentLog, options: dict[str, Any], message: str
) -> None:
    log.open_incident("Search slow", author="al")
    with pytest.raises(CommanderError, match=message):
        cmd_draft(log, draft_args(options.pop("audience", "internal"), **options))


def test_draft_without_an_open_incident_says_how_to_start_one(log: IncidentLog) -> None:
    with pytest.raises(CommanderError, match="commander new TITLE"):
        cmd_draft(log, draft_args("internal"))


def test_templates_and_drafts_from_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s in eu-west", "--severity", "1", "--commander", "Alice", db=db)
    ok("hypothesis", "pool exhausted after deploy 4812", "--owner", "Bob", db=db)
    listed = ok("templates", "list", db=db)
    assert "customers-investigating" in listed
    assert "first-update" in listed
    customers = ok(
        "draft",
        "customers",
        "--first",
        "--zone",
        "Europe/Berlin",
        "--impact",
        "Some customers cannot complete checkout",
        db=db,
    )
    assert customers.startswith("Subject: ")
    assert "Some customers cannot complete checkout." in customers
    assert "Bob" not in customers  # no internal names in a customer message
    internal = ok("draft", "internal", db=db)
    assert "pool exhausted after deploy 4812" in internal
    assert "Next update" in internal
    assert "not scheduled" not in internal  # the cadence suggests the next promise
    assert "no template 'nope'" in fails("draft", "executives", "--template", "nope", db=db)
    assert "Unknown time zone" in fails("draft", "customers", "--zone", "Mars/Base", db=db)


def test_draft_and_first_follow_the_audience_and_phase(
    log: IncidentLog, capsys: pytest.CaptureFixture[str]
) -> None:
    incident = log.open_incident("Checkout failing", severity=Severity.SEV1, author="al").id
    assert cmd_draft(log, draft_args("customers")) == 0
    assert "we are investigating" in capsys.readouterr().out  # the first public message
    log.set_status(incident, Status.IDENTIFIED, author="al")
    for first in (False, True):
        assert cmd_draft(log, draft_args("executives", first=first)) == 0
        printed = capsys.readouterr().out
        assert printed.startswith("Subject: SEV1 incident: Checkout failing (cause identified)")
        assert cmd_draft(log, draft_args("customers", first=first)) == 0
        assert "We have found the cause" in capsys.readouterr().out
