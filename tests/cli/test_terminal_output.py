"""What entries and bundles hold never drives the terminal: escape sequences and bidi
controls are printed as visible escapes, and `--json` still parses to the exact text."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ok

NASTY_TITLE = "Checkout \u202egnp.exe\u202c down"
NASTY_ENTRY = "pool \x1b]0;owned\x07\x1b[2J\x1b[H exhausted\rFAKE PROMPT $ \x9b31m"


def test_control_characters_are_shown_not_obeyed(tmp_path: Path) -> None:
    db = tmp_path / "incidents.db"
    ok("new", NASTY_TITLE, db=db)
    ok("log", NASTY_ENTRY, db=db)
    for command in (("list",), ("show",), ("search", "pool"), ("export", "--format", "md")):
        shown = ok(*command, db=db)
        for raw in ("\x1b", "\x07", "\r", "\x9b", "\u202e", "\u202c"):
            assert raw not in shown, (command, raw)
    shown = ok("show", db=db)
    assert "\\u202egnp.exe\\u202c" in shown  # visibly there, not hidden
    assert "\\u001b]0;owned" in shown
    document = json.loads(ok("show", "--json", db=db))
    assert document["incident"]["title"] == NASTY_TITLE
    assert NASTY_ENTRY in [e["body"].get("text") for e in document["events"]]
