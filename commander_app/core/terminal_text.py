"""Text that is safe to show on a terminal, whatever an entry or a bundle holds.

An entry can carry escape sequences (clear the screen, set the window title, fake a
prompt) or bidi controls (make `txt.exe` read as `exe.txt`). Each is shown as its
`\\uXXXX` escape instead: visible to the reader, and inside JSON output the very same
character once parsed, so `--json` stays exact.
"""

from __future__ import annotations

import re
from functools import cache


@cache
def _unsafe() -> re.Pattern[str]:
    """C0 controls but newline and tab, DEL and C1, and the bidi embeddings, overrides,
    isolates and marks (compiled on the first line printed, not at start-up)."""
    return re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text
    return _unsafe().sub(lambda found: f"\\u{ord(found.group()):04x}", text)
