"""Starting the window on a log path that does not exist asks first; a missing folder is refused."""

from pathlib import Path

import pytest

from commander_app.store.errors import MissingLogError
from commander_app.ui.app import may_open_log


def test_a_named_log_that_does_not_exist_is_made_only_when_the_person_agrees(
    tmp_path: Path,
) -> None:
    asked: list[Path] = []
    missing = tmp_path / "typo.db"

    def say(answer: bool):
        return lambda path: (asked.append(path), answer)[1]

    assert not may_open_log(missing, smoke_test=False, ask=say(False))
    assert asked == [missing]
    assert may_open_log(missing, smoke_test=False, ask=say(True))
    with pytest.raises(MissingLogError, match="There is no folder"):
        may_open_log(tmp_path / "no" / "x.db", smoke_test=False, ask=say(True))
    existing = tmp_path / "here.db"
    existing.write_bytes(b"")
    asked.clear()
    assert may_open_log(existing, smoke_test=False, ask=say(False))
    assert may_open_log(None, smoke_test=False, ask=say(False))  # the default log: made
    assert may_open_log(missing, smoke_test=True, ask=say(False))  # CI cannot answer
    assert asked == []
