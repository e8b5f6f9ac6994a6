"""Every "Menu → Item" a message, a help text or the README names is a real menu item."""

import re
from pathlib import Path

from commander_app.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
# "Menu → Item", also broken over lines or over two string literals ("X → "\n "Item").
MENU_PATH = re.compile(r"\b([A-Z][a-z]+) →[\s\"]+([A-Z][^\n`*\"'.,;:()]*)")


def menu_items(window: MainWindow) -> dict[str, list[str]]:
    """Top-level menu → the names of its items, as the menu bar shows them (no '&',
    without the explanation after ':' or '(')."""
    items: dict[str, list[str]] = {}
    for action in window.menuBar().actions():
        menu = action.menu()
        if menu is None:
            continue
        names = []
        for item in menu.actions():
            text = item.text().replace("&", "")
            names.append(re.split(r"[:(…]", text)[0].strip())
        items[action.text().replace("&", "")] = [n for n in names if n]
    return items


def named_paths() -> list[tuple[str, str, str]]:
    """(where, menu, what follows the arrow) for every menu path in the texts users read."""
    sources = [*sorted((ROOT / "commander_app").rglob("*.py")), ROOT / "README.md"]
    found = []
    for path in sources:
        for match in MENU_PATH.finditer(path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(ROOT)), match[1], match[2]))
    return found


def test_every_menu_path_named_in_a_message_exists(window: MainWindow) -> None:
    items = menu_items(window)
    paths = named_paths()
    assert len(paths) >= 5  # the scan finds them (README and messages name several)
    wrong = [
        f"{where}: {menu} → {rest.strip()}"
        for where, menu, rest in paths
        if not any(rest.startswith(name) for name in items.get(menu, []))
    ]
    assert wrong == [], f"menus are {items}"
