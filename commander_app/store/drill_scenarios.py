"""Where drill scenarios come from: the shipped ones, the team's `drills` folder beside
the playbook, or a file named by its path."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from commander_app.core.drill_scenario import Scenario
from commander_app.core.drill_scenario_parse import ScenarioReading, read_scenario
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.store import environment

FOLDER = "drills"
SHIPPED = "shipped"


@dataclass(frozen=True)
class ScenarioFile:
    name: str  # what `drill start` takes: the file's stem, or its path
    origin: str  # "shipped", or the file's path
    text: str

    def reading(self) -> ScenarioReading:
        return _reading(self.text, Path(self.name).stem)


@lru_cache(maxsize=16)
def _reading(text: str, name: str) -> ScenarioReading:
    """A running drill reads its scenario on every look (the facilitator's window, once a
    second): the same text is parsed once."""
    return read_scenario(text, name)


def drills_folder() -> Path:
    """The team's own scenarios: a folder of TOML files beside the playbook."""
    return environment.data_dir() / FOLDER


def scenario_files() -> list[ScenarioFile]:
    """Shipped scenarios, then the team's (a team file of the same name replaces it)."""
    found: dict[str, ScenarioFile] = {}
    shipped = resources.files("commander_app.resources").joinpath(FOLDER)
    for item in sorted(shipped.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".toml"):
            stem = item.name[: -len(".toml")]
            found[stem] = ScenarioFile(stem, SHIPPED, item.read_text("utf-8"))
    folder = drills_folder()
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            text = _read(path)
            found[path.stem] = ScenarioFile(path.stem, str(path), text)
    return list(found.values())


def scenario_file(ref: str) -> ScenarioFile:
    """A scenario by name (shipped or the team's), or a file by its path."""
    path = Path(ref).expanduser()
    if ref.endswith(".toml") or "/" in ref or "\\" in ref:
        if not path.is_file():
            raise NotFoundError(f"There is no scenario file at {path}.")
        return ScenarioFile(str(path.resolve()), str(path.resolve()), _read(path))
    team = drills_folder() / f"{ref}.toml"
    if team.is_file():  # the team's file of a name replaces the shipped one
        return ScenarioFile(ref, str(team), _read(team))
    shipped = resources.files("commander_app.resources").joinpath(FOLDER, f"{ref}.toml")
    if shipped.is_file():
        return ScenarioFile(ref, SHIPPED, shipped.read_text("utf-8"))
    names = ", ".join(f.name for f in scenario_files())
    raise NotFoundError(f"There is no scenario '{ref}': choose one of {names}, or give a path.")


def load(ref: str) -> tuple[ScenarioFile, Scenario]:
    """The scenario, ready to run; one with a blocking problem is refused with them all."""
    found = scenario_file(ref)
    reading = found.reading()
    if reading.scenario is None:
        problems = "; ".join(p.describe() for p in reading.blocking[:5])
        more = len(reading.blocking) - 5
        tail = f" (and {more} more: see `commander drill check`)" if more > 0 else ""
        raise ValidationError(f"The scenario '{found.name}' cannot be run: {problems}{tail}.")
    return found, reading.scenario


def _read(path: Path) -> str:
    text = environment.read_settings_file(path, "drill scenario", "Fix the file or remove it.")
    if text is None:
        raise NotFoundError(f"There is no scenario file at {path}.")
    return text
