"""Whether a decision typed as plain text reads as a change to production.

A scribe's `d Roll back search-api to v8.1` is a rollback: it must meet the rollback
checklist and the authority matrix like one decided through the record, not slip
past them as a note. The reading is deliberately generous (a false alarm costs one
dialog, a miss costs the rules), and a change said not to happen ("do not roll back
yet", "hold off on the failover") is not one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from commander_app.core.model import DecisionKind

_ING = r"(?:s|ed|ing)?"
# Each phrase, with the kind of change the decide dialog starts from; the person can
# still choose another kind there.
_PHRASES: tuple[tuple[DecisionKind, str], ...] = (
    (DecisionKind.ROLLBACK, rf"\broll{_ING}[\s-]*back\b|\brollbacks?\b"),
    (DecisionKind.ROLLBACK, rf"\brevert{_ING}\b|\bundeploy{_ING}\b|\bdowngrad(?:e|es|ed|ing)\b"),
    (DecisionKind.FAILOVER, rf"\bfail{_ING}[\s-]*over\b|\bfailovers?\b|\bswitch{_ING}\s+over\b"),
    (DecisionKind.FAILOVER, rf"\bdrain{_ING}\b|\bshift{_ING}\s+(?:the\s+)?traffic\b"),
    (DecisionKind.FAILOVER, r"\bpromot(?:e|ed|ing)\s+(?:the\s+)?(?:\S+\s+)?(?:replica|standby)\b"),
    (DecisionKind.FLAG, r"\bfeature[\s-]*flags?\b|\bkill[\s-]*switch(?:es)?\b"),
    (DecisionKind.FLAG, r"\b(?:disabl|enabl)(?:e|es|ed|ing)\b|\btoggl(?:e|es|ed|ing)\b"),
    (DecisionKind.FLAG, rf"\bturn{_ING}\s+(?:\w+\s+)?(?:off|on)\b|\bflip{_ING}\b"),
    (DecisionKind.SCALING, r"\bscal(?:e|es|ed|ing)\s+(?:\S+\s+)?(?:up|down|out|in|back|to)\b"),
    (DecisionKind.SCALING, r"\b(?:up|down|auto)[\s-]*scal(?:e|es|ed|ing)\b"),
    (DecisionKind.SCALING, r"\badd\s+(?:more\s+)?(?:capacity|nodes|replicas|instances|pods)\b"),
    (DecisionKind.CONFIG, r"\bconfig(?:uration)?\s+changes?\b|\bchange\s+(?:the\s+)?config"),
    (DecisionKind.CONFIG, rf"\bre(?:start|boot|deploy){_ING}\b|\bdeploy(?:ed|ing)?\b"),
    (DecisionKind.CONFIG, r"\broll(?:ing)?\s+out\b|\bhot[\s-]*fix(?:es|ed)?\b"),
    (DecisionKind.CONFIG, rf"\bkill{_ING}\b|\bpurg(?:e|es|ed|ing)\b|\bflush{_ING}\b"),
    (DecisionKind.CONFIG, r"\brate[\s-]*limit"),
    (
        DecisionKind.CONFIG,
        r"\b(?:raise|lower|increase|decrease|bump|reduce|set)\b[^.;]*"
        r"\b(?:limits?|timeouts?|pool|size|ttl|threshold|replicas)\b",
    ),
)
# Words that, within the few words before the change, say it is not to happen.
_NOT = frozenset(
    [
        "not",
        "don't",
        "dont",
        "no",
        "never",
        "without",
        "avoid",
        "against",
        "hold",
        "postpone",
        "freeze",
        "defer",
        "delay",
        "pause",
        "instead",
        "prepare",
        "prepared",
        "preparing",
        "plan",
        "planning",
        "consider",
        "considering",
        "discuss",
    ]
)
_NEAR = 4  # words looked at before a change for a "not"


@dataclass(frozen=True)
class ChangeReading:
    kind: DecisionKind  # the kind the decide dialog starts from
    words: str  # what was read as the change: "Roll back"


def reads_as_change(text: str) -> ChangeReading | None:
    """The first production change `text` asks for, or None when it asks for none."""
    found: list[tuple[int, DecisionKind, str]] = []
    for kind, pattern in _compiled():
        for match in pattern.finditer(text):
            if not _negated(text[: match.start()]):
                found.append((match.start(), kind, match.group(0)))
    if not found:
        return None
    _start, kind, words = min(found, key=lambda hit: hit[0])
    return ChangeReading(kind, " ".join(words.split()))


@cache
def _compiled() -> tuple[tuple[DecisionKind, re.Pattern[str]], ...]:
    """Compiled on the first decision typed, not while the window starts."""
    return tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _PHRASES)


def _negated(before: str) -> bool:
    # A sentence break ends what a "not" can reach: "Do not page; roll back" is a change.
    clause = re.split(r"[.;:!?,]|\bthen\b|\band\b|\bbut\b", before.lower())[-1]
    words = [w.strip("'\"()") for w in clause.replace("’", "'").split()]
    return any(word in _NOT for word in words[-_NEAR:])
