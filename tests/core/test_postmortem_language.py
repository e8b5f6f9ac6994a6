"""The blame-language check: what reads as "who did it?" is flagged with why and how to
say it instead; what describes the system, or a person acting in the response, is not."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commander_app.core.errors import ValidationError
from commander_app.core.postmortem_language import blame_findings, sentence_spans
from commander_app.core.postmortem_words import BlameWords, parse_blame_words

PEOPLE = ["Bob", "Alice Jones", "carol", "dmitri.k"]


@pytest.fixture(scope="module")
def words() -> BlameWords:
    text = resources.files("commander_app.resources").joinpath("postmortem", "blame_words.toml")
    return parse_blame_words(text.read_text(encoding="utf-8"))


def phrases(text: str, words: BlameWords, people: list[str] = PEOPLE) -> list[str]:
    return [finding.phrase.lower() for finding in blame_findings(text, people, words)]


FLAGGED = [
    ("The root cause was human error during the deploy.", "human error"),
    ("Operator error took the primary offline.", "operator error"),
    ("Bob should have checked the replica before failing over.", "should have"),
    ("We should have caught this in staging.", "should have"),
    ("Bob failed to review the config.", "failed to"),
    ("The on-call failed to acknowledge the page.", "failed to"),
    ("Someone failed to update the certificate.", "failed to"),
    ("They failed to notice the disk filling up.", "failed to"),
    ("Alice forgot to drain the node.", "forgot to"),
    ("The rollout was careless.", "careless"),
    ("Skipping the canary was negligent.", "negligent"),
    ("He didn't bother to test in staging.", "didn't bother"),
    ("He didn’t bother to test in staging.", "didn’t bother"),
    ("The outage was the fault of the release manager.", "fault of"),
    ("It was Carol's fault.", "carol's fault"),
    ("Bob is to blame for the lag.", "to blame"),
    ("This was a mistake by the database team.", "mistake by"),
    ("Bob broke checkout at 13:58.", "bob broke"),
    ("Bob caused the outage.", "bob caused"),
    ("bob caused the outage.", "bob caused"),
    ("Bob's config change caused the outage.", "bob's config change caused"),
    ("Bob’s deploy broke search.", "bob’s deploy broke"),
    ("His change broke search.", "his change broke"),
    ("Alice accidentally deleted the production volume.", "alice accidentally deleted"),
    ("Jones aside, Alice pushed the bad config.", "alice pushed"),
    ("The engineer deleted the volume.", "the engineer deleted"),
    ("The on-call engineer missed the page.", "the on-call engineer missed"),
    ("At 14:00 she ignored the disk alert.", "she ignored"),
    ("The outage was caused by Bob's change.", "caused by bob"),
    ("The checkout API was broken by the on-call.", "broken by the on-call"),
    ("The deploy that Bob pushed broke search.", "bob pushed"),
    ("dmitri.k messed up the migration.", "dmitri.k messed up"),
    ("Carol had already dropped the table.", "carol had already dropped"),
    ("- Alice didn't check the dashboard", "alice didn't check"),
]

NOT_FLAGGED = [
    "The alert threshold was set above the failure level.",
    "The runbook did not mention the flag.",
    "Bob rolled back the deploy at 14:02 and errors dropped.",
    "The health check failed to detect the degraded replica.",
    "The alert failed to fire because its query pointed at the old cluster.",
    "The deploy script failed to lock the config during the push.",
    "Alice said the health check failed to detect the replica.",
    "The alert should have fired at 13:59 but its window was 30 minutes.",
    "There should have been an alert on replication lag.",
    "Bob pushed the fix at 14:10.",
    "Carol pushed a revert and the error rate fell.",
    "The alerts were noisy, so they were ignored.",
    "Bob was paged at 13:59 and joined the call at 14:03.",
    "The migration broke the index because the tool ran it without a lock.",
    "The config change caused connection churn on every node.",
    "Bobby's dashboard showed the spike first.",
    "Alice noticed the spike on the latency graph.",
    "We mitigated by failing over to the standby at 14:20.",
    "The fault tolerance of the queue hid the first errors.",
    "Bob's runbook describes the failover in six steps.",
    "The new hire checklist skipped the pager setup.",
    "The retry storm caused by the new client overloaded the database.",
]


@pytest.mark.parametrize(("sentence", "phrase"), FLAGGED)
def test_blame_is_flagged_with_the_phrase_found(
    words: BlameWords, sentence: str, phrase: str
) -> None:
    assert phrases(sentence, words) == [phrase]


@pytest.mark.parametrize("sentence", NOT_FLAGGED)
def test_the_system_and_the_response_are_not_blame(words: BlameWords, sentence: str) -> None:
    assert phrases(sentence, words) == []


def test_the_tables_hold_enough_sentences_both_ways() -> None:
    assert len(FLAGGED) >= 15
    assert len(NOT_FLAGGED) >= 15


def test_a_finding_says_where_it_is_why_it_reads_as_blame_and_what_to_say(
    words: BlameWords,
) -> None:
    text = "Checkout failed at 13:58. Bob failed to review the config. Errors dropped."
    [finding] = blame_findings(text, PEOPLE, words)
    assert finding.sentence == "Bob failed to review the config."
    assert text[finding.start : finding.end] == finding.sentence
    assert text[finding.phrase_start : finding.phrase_end] == "failed to"
    assert finding.person == "Bob"
    assert "“failed to”" in finding.why
    assert "rather than 'Bob failed to review the config'" in finding.suggestion


def test_a_named_cause_explains_and_suggests_a_system_condition(words: BlameWords) -> None:
    [finding] = blame_findings("Bob broke checkout.", PEOPLE, words)
    assert finding.person == "Bob"
    assert finding.why.startswith("“Bob broke” names a person as the cause")
    assert "The deploy script allowed" in finding.suggestion
    assert "{" not in finding.why + finding.suggestion


def test_a_phrase_without_its_own_explanation_gets_the_general_one(words: BlameWords) -> None:
    [finding] = blame_findings("The change was sloppy.", [], words)
    assert finding.why == words.general.why.replace("{phrase}", "sloppy")
    assert finding.suggestion == words.general.suggestion


def test_one_phrase_is_reported_once_even_when_a_causal_verb_is_inside_it(
    words: BlameWords,
) -> None:
    # "failed" is a causal verb and "failed to" a phrase: the phrase says more.
    assert phrases("Bob failed to page the DBA.", words) == ["failed to"]


def test_every_finding_in_a_text_is_found_in_order(words: BlameWords) -> None:
    text = (
        "Impact started at 13:58.\n"
        "- Bob broke checkout\n"
        "- The alert failed to fire\n"
        "Human error again; Alice forgot to drain the node."
    )
    found = blame_findings(text, PEOPLE, words)
    assert [f.phrase for f in found] == ["Bob broke", "Human error", "forgot to"]
    assert [f.sentence for f in found] == [
        "- Bob broke checkout",
        "Human error again; Alice forgot to drain the node.",
        "Human error again; Alice forgot to drain the node.",
    ]
    assert all(text[f.phrase_start : f.phrase_end] == f.phrase for f in found)


def test_a_name_is_only_a_person_when_the_caller_names_them(words: BlameWords) -> None:
    assert phrases("Bob broke checkout.", words, people=[]) == []
    assert phrases("Zed broke checkout.", words, people=["zed"]) == ["zed broke"]


def test_the_first_name_of_a_full_name_is_matched(words: BlameWords) -> None:
    assert phrases("Alice broke checkout.", words, people=["Alice Jones"]) == ["alice broke"]
    assert phrases("Alice Jones broke checkout.", words, people=["Alice Jones"]) == [
        "alice jones broke"
    ]


def test_a_one_letter_name_matches_nothing(words: BlameWords) -> None:
    assert phrases("A deploy broke checkout.", words, people=["a", " "]) == []


def test_sentences_are_cut_at_stops_and_lines_but_not_abbreviations() -> None:
    text = "The pool, e.g. the primary's, ran dry. Errors rose!\nv2.3 shipped\n\n  Done?"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "The pool, e.g. the primary's, ran dry.",
        "Errors rose!",
        "v2.3 shipped",
        "Done?",
    ]


def test_an_empty_text_has_no_findings(words: BlameWords) -> None:
    assert blame_findings("", PEOPLE, words) == []
    assert blame_findings("  \n\n ", PEOPLE, words) == []


PIECES = st.sampled_from(
    [
        "Bob",
        "Bob's",
        "bob’s",
        "the on-call",
        "failed to",
        "broke",
        "caused by",
        "human error",
        "e.g.",
        ". ",
        "\n",
        ", ",
        " and ",
        "'s fault",
        "they were",
        "the fix",
        "- ",
        "“",
        "…",
    ]
)
TEXTS = st.lists(PIECES | st.text(max_size=4), max_size=30).map(" ".join)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(text=TEXTS)
def test_any_text_gives_findings_that_point_into_it(words: BlameWords, text: str) -> None:
    for finding in blame_findings(text, PEOPLE, words):
        assert text[finding.start : finding.end] == finding.sentence
        assert text[finding.phrase_start : finding.phrase_end] == finding.phrase
        assert finding.start <= finding.phrase_start < finding.phrase_end <= finding.end
        assert finding.why
        assert finding.suggestion


# -- the word list -----------------------------------------------------------------------

MINIMAL = """
causal_verbs = ["broke"]
person_words = ["he"]
[named_cause]
why = "named"
suggestion = "say the system"
[general]
why = "general {phrase}"
suggestion = "general suggestion"
[[phrase]]
words = "Failed  To"
needs_person = true
"""


def test_a_file_is_read_into_lower_case_words() -> None:
    words = parse_blame_words(MINIMAL)
    assert words.causal_verbs == ("broke",)
    assert [(p.words, p.needs_person) for p in words.phrases] == [("failed to", True)]


def test_an_extension_adds_to_every_list_and_replaces_a_phrase_s_explanation() -> None:
    base = parse_blame_words(MINIMAL)
    extended = parse_blame_words(
        """
        causal_verbs = ["borked", "broke"]
        person_words = ["the sre"]
        [[phrase]]
        words = "failed to"
        needs_person = true
        why = "team why"
        [[phrase]]
        words = "cowboy"
        """,
        "the team's file",
        base,
    )
    assert extended.causal_verbs == ("broke", "borked")
    assert extended.person_words == ("he", "the sre")
    assert [p.words for p in extended.phrases] == ["failed to", "cowboy"]
    assert extended.phrases[0].why == "team why"
    assert extended.named_cause == base.named_cause
    assert phrases("The SRE borked prod. A cowboy deploy.", extended, []) == [
        "the sre borked",
        "cowboy",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("causal_verbs = [", "is not valid TOML"),
        ('causal_verb = ["broke"]', "'causal_verb' that Commander does not know"),
        ('causal_verbs = "broke"', "causal_verbs must be a list of words"),
        ("causal_verbs = [1]", "causal_verbs, entry 1 must be text in quotes"),
        ('causal_verbs = ["..."]', "must contain a letter or a digit"),
        ("[[phrase]]\nwords = 'x'\nneeds_person = 'yes'", "needs_person must be true or false"),
        ("[[phrase]]\nword = 'x'", "'word' is not a phrase key"),
        ("[[phrase]]\nwords = 'x'\nwhy = ''", "phrase 1: why must be a sentence"),
        ("[general]\nwhy = 'x'", "[general] suggestion must be a sentence"),
        ("general = 'x'", "[general] must be a table"),
    ],
)
def test_a_malformed_file_is_refused_with_the_problem(text: str, problem: str) -> None:
    base = parse_blame_words(MINIMAL)
    with pytest.raises(ValidationError, match=r"^The team's file") as raised:
        parse_blame_words(text, "The team's file", base)
    assert problem in str(raised.value)


def test_a_whole_list_needs_its_explanations() -> None:
    with pytest.raises(ValidationError, match=r"has no \[named_cause\] and \[general\] table"):
        parse_blame_words('causal_verbs = ["broke"]')
