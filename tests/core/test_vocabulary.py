import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.events import (
    MAX_TEXT,
    clean_name,
    clean_text,
    clean_title,
    event_text,
    severity_body,
    status_body,
    text_body,
    validate_body,
)
from commander_app.core.model import Kind, Milestone, Severity, Status


@pytest.mark.parametrize("typed", ["SEV1", "sev1", " 1 ", "S1", "Sev 1"])
def test_severity_accepts_what_people_type(typed: str) -> None:
    assert Severity.parse(typed) is Severity.SEV1


@pytest.mark.parametrize("typed", ["SEV5", "high", "", "0"])
def test_unknown_severity_names_the_choices(typed: str) -> None:
    with pytest.raises(ValidationError, match="use one of SEV1, SEV2, SEV3, SEV4"):
        Severity.parse(typed)


def test_unknown_status_and_kind_and_milestone_are_clear() -> None:
    with pytest.raises(ValidationError, match="investigating, identified, monitoring, resolved"):
        Status.parse("fixed")
    with pytest.raises(ValidationError, match=r"Unknown kind 'gossip'.*hypothesis"):
        Kind.parse("gossip")
    with pytest.raises(ValidationError, match="impact_started, detected"):
        Milestone.parse("lunch")
    assert Milestone.parse("impact") is Milestone.IMPACT_STARTED
    assert Milestone.parse("Impact-Started") is Milestone.IMPACT_STARTED


def test_text_is_trimmed_and_limited() -> None:
    assert clean_text("  db is slow \n") == "db is slow"
    with pytest.raises(ValidationError, match="empty"):
        clean_text("   \n\t")
    with pytest.raises(ValidationError, match="limit is 20,000"):
        clean_text("x" * (MAX_TEXT + 1))
    assert len(clean_text("x" * MAX_TEXT)) == MAX_TEXT


def test_text_that_cannot_be_stored_is_refused() -> None:
    with pytest.raises(ValidationError, match="NUL"):
        clean_text("before\x00after")
    with pytest.raises(ValidationError, match="not valid Unicode"):
        clean_text("broken \ud800 surrogate")


def test_titles_and_names_are_single_lines() -> None:
    with pytest.raises(ValidationError, match="single line"):
        clean_title("Checkout down\nsecond line")
    with pytest.raises(ValidationError, match="limit is 200"):
        clean_title("x" * 201)
    with pytest.raises(ValidationError, match="single line"):
        clean_name("alice\nbob")


def test_structural_kinds_point_to_their_command() -> None:
    with pytest.raises(ValidationError, match="commander status"):
        text_body(Kind.STATUS, "resolved")
    assert text_body(Kind.HYPOTHESIS, " pool exhausted ", owner="bob") == {
        "text": "pool exhausted",
        "owner": "bob",
    }


def test_status_changes_must_change_something_and_reopen_is_marked() -> None:
    with pytest.raises(ValidationError, match="already monitoring"):
        status_body(Status.MONITORING, Status.MONITORING)
    assert status_body(Status.MONITORING, Status.INVESTIGATING) == {
        "status": "investigating",
        "from": "monitoring",
    }
    assert status_body(Status.RESOLVED, Status.INVESTIGATING)["reopened"] is True
    with pytest.raises(ValidationError, match="already SEV2"):
        severity_body(Severity.SEV2, Severity.SEV2)


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        (Kind.NOTE, {"text": ""}, "empty"),
        (Kind.NOTE, ["not", "a", "dict"], "must be an object"),
        (Kind.STATUS, {"status": "done"}, "Unknown status"),
        (Kind.SEVERITY, {}, "Unknown severity"),
        (Kind.MILESTONE, {"milestone": "x"}, "Unknown milestone"),
        (Kind.ROLE, {"role": "king", "person": "x"}, "Unknown role"),
        (Kind.ROLE, {"role": "commander", "person": "x", "action": "abdicated"}, "role action"),
        (
            Kind.ROLE,
            {"role": "scribe", "person": "x", "action": "handoff_offered"},
            "Only the commander role",
        ),
        (
            Kind.ROLE,
            {"role": "commander", "person": "x", "action": "handoff_offered", "briefing": ""},
            "briefing is empty",
        ),
        (
            Kind.ROLE,
            {"role": "commander", "person": "x", "action": "handoff_offered", "from": "a\nb"},
            "single line",
        ),
        (Kind.INCIDENT, {"action": "deleted", "title": "t"}, "'opened', 'renamed' or 'playbook'"),
        (
            Kind.INCIDENT,
            {"action": "opened", "title": "t", "severity": "SEV1", "drill": "yes"},
            "true or false",
        ),
    ],
)
def test_validate_body_rejects_malformed_bodies(kind: Kind, body: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_body(kind, body)


def test_event_text_reads_like_a_timeline() -> None:
    assert event_text(Kind.STATUS, {"status": "identified", "from": "investigating"}) == (
        "Status: investigating → identified"
    )
    assert event_text(Kind.MILESTONE, {"milestone": "impact_started"}) == (
        "Milestone: impact started"
    )
    assert event_text(Kind.ROLE, {"role": "operations_lead", "person": "Kim"}) == (
        "Operations lead: Kim"
    )
    opened = {"action": "opened", "title": "API down", "severity": "SEV1", "drill": True}
    assert event_text(Kind.INCIDENT, opened) == "Incident opened: API down (SEV1, drill)"
    assert event_text(Kind.FINDING, {"text": "pool size 10"}) == "pool size 10"


def test_handoff_events_read_like_a_timeline() -> None:
    def text(action: str, **extra: str) -> str:
        body = {"role": "commander", "person": "Bob", "action": action, **extra}
        return event_text(Kind.ROLE, validate_body(Kind.ROLE, body))

    assert text("handoff_offered", **{"from": "Alice"}) == "Command offered to Bob by Alice"
    assert text("handoff_accepted") == "Commander: Bob, handoff accepted"
    assert text("handoff_accepted", entered_by="Alice") == (
        "Commander: Bob, handoff accepted (entered by Alice)"
    )
    assert text("handoff_declined") == "Bob declined command"
    assert text("handoff_cancelled") == "Handoff of command to Bob cancelled"
    assert text("assigned") == "Commander: Bob"
