"""The postmortem checks' word lists: the shipped files read, a team's files in the data
directory add to them, and a broken team file is refused with its name and the problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.follow_up_text import action_text_problems, is_symptom_fix
from commander_app.core.postmortem_language import blame_findings
from commander_app.store import environment, postmortem_words


def test_the_shipped_blame_words_read_and_explain_every_phrase() -> None:
    words = postmortem_words.shipped_blame_words()
    assert {"human error", "failed to", "should have", "careless"} <= {
        p.words for p in words.phrases
    }
    assert {"broke", "caused", "messed up"} <= set(words.causal_verbs)
    assert {"someone", "the engineer", "the on-call"} <= set(words.person_words)
    for phrase in words.phrases:
        explanation = words.explanation(phrase)
        for text in (explanation.why, explanation.suggestion):
            assert set(re.findall(r"\{[^}]*\}", text)) <= {"{phrase}", "{person}"}, phrase


def test_the_shipped_action_words_read() -> None:
    words = postmortem_words.shipped_action_words()
    assert {"add", "page", "alert on", "review", "document", "automate"} <= set(words.verbs)
    assert {"investigate", "look into", "check"} <= set(words.investigation_verbs)
    assert "be more careful" in words.vague_phrases
    assert "restart" in words.symptom_phrases


def test_without_a_team_file_the_shipped_words_are_used() -> None:
    assert not postmortem_words.blame_words_path().exists()
    assert postmortem_words.load_blame_words() == postmortem_words.shipped_blame_words()
    assert postmortem_words.load_action_words() == postmortem_words.shipped_action_words()


def test_the_team_files_live_in_the_data_directory() -> None:
    assert postmortem_words.blame_words_path().parent == environment.data_dir()
    assert postmortem_words.action_words_path().parent == environment.data_dir()


def test_a_team_blame_file_adds_its_words_to_the_shipped_ones() -> None:
    path = postmortem_words.blame_words_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'causal_verbs = ["yolo-deployed"]\nperson_words = ["the sre on duty"]\n'
        '[[phrase]]\nwords = "cowboy"\nwhy = "“{phrase}” paints a person as reckless."\n',
        encoding="utf-8",
    )
    words = postmortem_words.load_blame_words()
    shipped = postmortem_words.shipped_blame_words()
    assert set(shipped.causal_verbs) < set(words.causal_verbs)
    assert set(shipped.person_words) < set(words.person_words)
    assert len(words.phrases) == len(shipped.phrases) + 1
    found = blame_findings(
        "The SRE on duty yolo-deployed the API. A cowboy change. Human error.", [], words
    )
    assert [f.phrase for f in found] == ["The SRE on duty yolo-deployed", "cowboy", "Human error"]
    assert found[1].why == "“cowboy” paints a person as reckless."


def test_a_team_action_file_adds_its_words_to_the_shipped_ones() -> None:
    path = postmortem_words.action_words_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('verbs = ["canary"]\n[symptom_fix]\nphrases = ["redeploy"]\n')
    words = postmortem_words.load_action_words()
    assert action_text_problems("Canary every config change for 30 minutes", words) == []
    assert action_text_problems("Add an alert on replication lag above 30 s", words) == []
    assert is_symptom_fix("Redeploy the API", words)
    assert is_symptom_fix("Restart the workers", words)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"causal_verbs = [", "is not valid TOML"),
        (b'causal_verbs = "broke"', "causal_verbs must be a list of words"),
        (b"[[phrase]]\nwords = 'x'\nneeds_person = 1", "phrase 1: needs_person must be true"),
        (b'causal_verb = ["broke"]', "'causal_verb' that Commander does not know"),
        (b"\xff\xfe causal", "is not UTF-8 text"),
    ],
)
def test_a_malformed_blame_file_is_refused_with_its_name(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "blame-words.toml"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as raised:
        postmortem_words.load_blame_words(path)
    message = str(raised.value)
    assert f"blame words file {path}" in message
    assert problem in message
    assert message.endswith("Fix the file, or delete it to use the shipped words only.")


def test_a_malformed_action_file_is_refused_with_its_name() -> None:
    path = postmortem_words.action_words_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[symptom_fix]\nphrases = [1]\n")
    with pytest.raises(ValidationError, match=re.escape(f"The action words file {path}")):
        postmortem_words.load_action_words()


def test_a_folder_or_a_huge_file_is_refused_with_its_name(tmp_path: Path) -> None:
    folder = tmp_path / "action-words.toml"
    folder.mkdir()
    with pytest.raises(
        ValidationError, match=re.escape(f"Cannot read the action words file {folder}")
    ):
        postmortem_words.load_action_words(folder)
    huge = tmp_path / "blame-words.toml"
    huge.write_bytes(b"#" * (environment.SETTINGS_FILE_LIMIT + 1))
    with pytest.raises(ValidationError, match=re.escape(f"{huge} is larger than 1 MB")):
        postmortem_words.load_blame_words(huge)
