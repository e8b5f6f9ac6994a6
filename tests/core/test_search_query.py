import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.search_query import fts_query


def test_words_are_quoted_so_operators_are_plain_text() -> None:
    assert fts_query("db timeout") == '"db" "timeout"'
    assert fts_query("NOT AND OR") == '"NOT" "AND" "OR"'
    assert fts_query("time*") == '"time"*'
    assert fts_query('"connection pool" eu-west') == '"connection pool" "eu-west"'
    assert fts_query('say "hi') == '"say" "hi"'


@pytest.mark.parametrize("typed", ["", "   ", '"', "* - ()"])
def test_a_search_with_no_words_is_explained(typed: str) -> None:
    with pytest.raises(ValidationError, match="at least one word"):
        fts_query(typed)
