"""Handing over command: offered with a briefing, then accepted, declined or cancelled.

Command never changes hands implicitly: the incoming commander acknowledges it.
"""

from __future__ import annotations

from commander_app.core.bodies import RoleBody
from commander_app.core.errors import ValidationError
from commander_app.core.events import clean_name, clean_text
from commander_app.core.model import IncidentState, Role, RoleChange

ANSWERS = (RoleChange.HANDOFF_ACCEPTED, RoleChange.HANDOFF_DECLINED, RoleChange.HANDOFF_CANCELLED)


def offer_body(state: IncidentState, to: str, briefing: str) -> RoleBody:
    """The offer records who hands over, to whom, and the briefing they were given."""
    person = clean_name(to, "incoming commander's name")
    if person == state.commander:
        raise ValidationError(f"{person} is already the commander.")
    pending = state.pending_handoff_to
    if pending == person:
        raise ValidationError(f"Command is already offered to {person}; they can accept it now.")
    if pending is not None:
        raise ValidationError(
            f"Command is already offered to {pending}; cancel that offer before offering it "
            f"to {person}."
        )
    return {
        "role": Role.COMMANDER.value,
        "person": person,
        "action": RoleChange.HANDOFF_OFFERED.value,
        "from": state.commander,
        "briefing": clean_text(briefing, "handoff briefing"),
    }


def answer_body(state: IncidentState, answer: RoleChange, author: str) -> RoleBody:
    """Accept, decline or cancel the pending offer.

    Someone other than the incoming commander may enter an acceptance or a
    refusal for them (they said so on the bridge call); the body says so.
    """
    if answer not in ANSWERS:
        raise ValueError(f"{answer} does not answer a handoff")
    pending = state.pending_handoff_to
    if pending is None:
        raise ValidationError(
            "No handoff of command is pending; the commander offers one first "
            "(with the name of the incoming commander)."
        )
    body: RoleBody = {
        "role": Role.COMMANDER.value,
        "person": pending,
        "action": answer.value,
    }
    author = clean_name(author, "author")
    if answer is not RoleChange.HANDOFF_CANCELLED and author.casefold() != pending.casefold():
        body["entered_by"] = author
    return body
