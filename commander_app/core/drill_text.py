"""What a drill's update would have said: every text of an exercise starts with EXERCISE,
so a screenshot, a forwarded mail or a pasted status-page draft cannot be taken for real."""

from __future__ import annotations

from dataclasses import dataclass

EXERCISE = "EXERCISE"
# The channel kinds that name a public incident after the update's subject.
STATUS_PAGE_KINDS = frozenset({"statuspage", "cachet"})
DRILL_NOT_SENT = "drill: not sent"
# What the delivery path stores on a row of a drill incident that reached the real outbox.
DRILL_REFUSAL = (
    f"{DRILL_NOT_SENT} — this update belongs to a drill, and a drill never reaches a real "
    "channel. See `commander drill outbox` for what would have gone out."
)
STATUS_PAGE_DOWN = (
    "The status page is unavailable (drill inject): post the update another way, "
    "and say so in the next internal update."
)


def exercise_subject(subject: str) -> str:
    """'EXERCISE: Checkout errors', once, however often it is rendered."""
    return subject if subject.startswith(EXERCISE) else f"{EXERCISE}: {subject}"


def exercise_body(text: str) -> str:
    if text.startswith(EXERCISE):
        return text
    return f"{EXERCISE} — this is a drill, not a real incident.\n\n{text}"


@dataclass(frozen=True)
class DrillRendering:
    """One drill update as its channel would have shown it."""

    incident_name: str  # a status page's incident name; the incident's title elsewhere
    subject: str
    text: str


def render(channel_kind: str, title: str, subject: str, text: str) -> DrillRendering:
    """A status page names its incident after the subject (as a real send does); email and
    chat after the incident; every part marked EXERCISE."""
    named = subject if channel_kind in STATUS_PAGE_KINDS else title
    return DrillRendering(exercise_subject(named), exercise_subject(subject), exercise_body(text))
