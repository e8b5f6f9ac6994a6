"""The rollback checklist's template: short items read out before a production change is
ordered, kept in the playbook's `[[rollback.item]]` tables. Its own module, so reading
the playbook at start-up does not load the decision rules (`core.rollback`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.events import CHECKLIST_ITEM_ID, clean_text
from commander_app.core.toml_text import load_toml

MAX_ITEM_TEXT = 200
MAX_ITEMS = 40


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str
    required: bool = True


@dataclass(frozen=True)
class RollbackChecklist:
    """The items, in the order they are read out; numbered from 1."""

    items: tuple[ChecklistItem, ...]

    def find(self, ref: str) -> ChecklistItem:
        """An item by its number, its id, or a unique beginning of its id."""
        wanted = ref.strip().lower()
        if wanted.isdigit():
            number = int(wanted)
            if 1 <= number <= len(self.items):
                return self.items[number - 1]
            raise NotFoundError(
                f"The checklist has items 1 to {len(self.items)}; there is no item {number}."
            )
        exact = [item for item in self.items if item.id == wanted]
        matches = exact or [item for item in self.items if wanted and item.id.startswith(wanted)]
        if not matches:
            ids = ", ".join(item.id for item in self.items)
            raise NotFoundError(
                f"There is no checklist item '{ref.strip()}'; use a number or one of {ids}."
            )
        if len(matches) > 1:
            raise ValidationError(f"'{ref.strip()}' matches more than one checklist item.")
        return matches[0]

    def number(self, item: ChecklistItem) -> int:
        return self.items.index(item) + 1


def parse_checklist(text: str, where: str = "the rollback checklist") -> RollbackChecklist:
    """The TOML file's text: `[[item]]` tables with id, text and required."""
    return checklist_from_items(load_toml(text, where).get("item"), where)


def checklist_from_items(raw: object, where: str = "the rollback checklist") -> RollbackChecklist:
    """The `[[item]]` tables as read from TOML (the checklist file, or the playbook's
    `[[rollback.item]]`)."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError(f"{where} has no items: add [[item]] tables with id and text.")
    if len(raw) > MAX_ITEMS:
        raise ValidationError(
            f"{where} has {len(raw)} items; a checklist read aloud has at most {MAX_ITEMS}."
        )
    items: list[ChecklistItem] = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping):
            raise ValidationError(f"{where}, item {number}: must be a table with id and text.")
        item_id = entry.get("id")
        if not isinstance(item_id, str) or not CHECKLIST_ITEM_ID.fullmatch(item_id):
            raise ValidationError(
                f"{where}, item {number}: the id must be 1 to 60 lower-case letters, digits, "
                "'-' or '_'."
            )
        if any(item.id == item_id for item in items):
            raise ValidationError(f"{where}, item {number}: the id '{item_id}' is used twice.")
        try:
            text = clean_text(entry.get("text"), "item text", MAX_ITEM_TEXT)
        except ValidationError as exc:
            raise ValidationError(f"{where}, item {number}: {exc}") from None
        required = entry.get("required", True)
        if not isinstance(required, bool):
            raise ValidationError(f"{where}, item {number}: required must be true or false.")
        items.append(ChecklistItem(item_id, " ".join(text.split()), required))
    return RollbackChecklist(tuple(items))
