"""The action-item text check: a commitment starts with a verb and says when it is done;
a symptom fix is recognised so the follow-ups can ask for its systemic twin."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commander_app.core.errors import ValidationError
from commander_app.core.follow_up_text import action_text_problems, is_symptom_fix
from commander_app.core.postmortem_words import ActionWords, parse_action_words


@pytest.fixture(scope="module")
def words() -> ActionWords:
    text = resources.files("commander_app.resources").joinpath("postmortem", "action_words.toml")
    return parse_action_words(text.read_text(encoding="utf-8"))


COMMITMENTS = [
    "Add an alert on replication lag above 30 s for 5 minutes",
    "Alert on checkout error rate above 2% for 5 minutes",
    "Page the DBA when replica lag exceeds 30 s",
    "Document the search-reindex flag in the search runbook",
    "Automate the config review in the deploy script",
    "Review the payments runbook with the on-call rotation",
    "- Review the payments runbook with the on-call rotation",
    "1. Add a confirmation prompt to production deploys",
    "Investigate the cache evictions and write up the cause in the postmortem",
    "Look into the flaky health check, then add a second probe on /ready",
    "Investigate slow queries until p99 stays below 200 ms",
    "Check every alert for a runbook link so that no page arrives without one",
    "Improve checkout p99 latency to under 300 ms",
    "Improve the deploy dashboard so that canary errors show in red",
    "Roll out the connection pool fix to every region",
    "Set up a weekly restore test of the orders backup",
    "Raise the DB connection pool limit to 200",
]

VAGUE = [
    ("Be more careful with production deploys", "“Be more careful” asks people to try harder"),
    ("Engineers should be careful with configs", "“be careful” asks people to try harder"),
    ("Pay more attention to the dashboards", "“Pay more attention” asks people"),
    ("Try harder to catch config errors", "“Try harder” asks people"),
    ("Remember to drain nodes before reboots", "“Remember to” asks people"),
    ("Database monitoring", "does not start with a verb"),
    ("Better alerts", "does not start with a verb"),
    ("More tests for the deploy script", "does not start with a verb"),
    ("Adding an alert on replication lag", "write it as an instruction starting with 'Add'"),
    ("Updated runbook for the search cluster", "starting with 'Update'"),
    ("Investigate the cache", "is an investigation, not a commitment"),
    ("Look into flaky tests", "is an investigation, not a commitment"),
    ("Check the backups", "is an investigation, not a commitment"),
    ("Investigate disk and memory usage", "is an investigation, not a commitment"),
    ("Investigate the outage and look into the logs", "is an investigation, not a commitment"),
    ("Improve monitoring", "has no end"),
    ("Optimise the checkout queries", "has no end"),
    ("Add alerts", "too short to say when it is done"),
    ("Automate", "too short to say when it is done"),
    ("", "The action item is empty"),
    ("   ", "The action item is empty"),
]


@pytest.mark.parametrize("text", COMMITMENTS)
def test_a_commitment_has_no_problems(words: ActionWords, text: str) -> None:
    assert action_text_problems(text, words) == []


@pytest.mark.parametrize(("text", "problem"), VAGUE)
def test_a_vague_item_gets_one_problem_with_a_hint(
    words: ActionWords, text: str, problem: str
) -> None:
    [message] = action_text_problems(text, words)
    assert problem in message
    assert "e.g." in message or "instruction" in message  # a way to say it better


def test_the_tables_hold_enough_texts_both_ways() -> None:
    assert len(COMMITMENTS) + len(VAGUE) >= 20
    assert len(COMMITMENTS) >= 10
    assert len(VAGUE) >= 10


def test_every_vague_phrase_in_an_item_is_named(words: ActionWords) -> None:
    problems = action_text_problems("Remember to be careful during deploys", words)
    assert [p.split("”")[0] for p in problems] == ["“Remember to", "“be careful"]


def test_a_long_item_is_quoted_short(words: ActionWords) -> None:
    [message] = action_text_problems("Observability " + "and dashboards " * 20, words)
    assert "…”" in message
    assert len(message) < 300


def test_curly_apostrophes_read_as_straight_ones(words: ActionWords) -> None:
    [message] = action_text_problems("Don’t forget the canary", words)
    assert message.startswith("“Don't forget”")


SYMPTOM_FIXES = [
    "Raise the DB connection pool limit to 200",
    "Increase the checkout timeout to 10 s",
    "Bump retries to 5 on the payments client",
    "Temporarily bump retries to 5",
    "Tune the alert threshold for disk usage",
    "Restart the search workers nightly",
    "Clear the Redis cache after each deploy",
    "Silence the flapping disk alert",
    "Mute the replication lag alert during backups",
    "Add more replicas to the orders database",
    "Add capacity to the ingest cluster",
    "Scale up the API tier before sales",
    "Page the DBA and raise the timeout",
]

SYSTEMIC_FIXES = [
    "Add an alert on restart loops",
    "Document the timeout in the runbook",
    "Increase test coverage for the deploy script",
    "Add a circuit breaker to the payments client",
    "Make the deploy script refuse configs that skip review",
    "Alert on connection pool saturation above 80% for 5 minutes",
    "Automate failover testing every quarter",
]


@pytest.mark.parametrize("text", SYMPTOM_FIXES)
def test_a_symptom_fix_is_recognised(words: ActionWords, text: str) -> None:
    assert is_symptom_fix(text, words)


@pytest.mark.parametrize("text", SYSTEMIC_FIXES)
def test_a_systemic_fix_is_not_a_symptom_fix(words: ActionWords, text: str) -> None:
    assert not is_symptom_fix(text, words)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(text=st.text(max_size=200))
def test_any_text_is_read_without_failing(words: ActionWords, text: str) -> None:
    problems = action_text_problems(text, words)
    assert all(isinstance(problem, str) and problem for problem in problems)
    assert isinstance(is_symptom_fix(text, words), bool)


# -- the word list -----------------------------------------------------------------------


def test_an_extension_adds_to_every_list(words: ActionWords) -> None:
    extended = parse_action_words(
        """
        verbs = ["canary"]
        vague_phrases = ["be a hero"]
        [symptom_fix]
        phrases = ["redeploy"]
        """,
        "the team's file",
        words,
    )
    assert extended.verbs[: len(words.verbs)] == words.verbs
    assert extended.verbs[-1] == "canary"
    assert action_text_problems("Canary every config change for 30 minutes", extended) == []
    assert action_text_problems("Canary every config change for 30 minutes", words) != []
    assert "“be a hero”" in action_text_problems("Add cover, be a hero", extended)[0]
    assert is_symptom_fix("Redeploy the API", extended)
    assert not is_symptom_fix("Redeploy the API", words)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("verbs = [", "is not valid TOML"),
        ('verb = ["add"]', "'verb' that Commander does not know"),
        ('verbs = "add"', "verbs must be a list of words"),
        ("[symptom_fix]\nphrase = ['x']", "[symptom_fix] has 'phrase'"),
        ("[symptom_fix]\nphrases = [true]", "[symptom_fix]: phrases, entry 1 must be text"),
        ("symptom_fix = 1", "[symptom_fix] must be a table"),
        ("verbs = [" + '"a", ' * 2001 + "]", "verbs has 2,001 entries"),
    ],
)
def test_a_malformed_file_is_refused_with_the_problem(
    words: ActionWords, text: str, problem: str
) -> None:
    with pytest.raises(ValidationError, match=r"^The team's file") as raised:
        parse_action_words(text, "The team's file", words)
    assert problem in str(raised.value)


def test_a_whole_list_needs_verbs() -> None:
    with pytest.raises(ValidationError, match="has no verbs"):
        parse_action_words('vague_phrases = ["be careful"]')
