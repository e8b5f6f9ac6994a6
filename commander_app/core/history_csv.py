"""Incidents from another tool, as a CSV: read forgivingly, checked row by row.

Teams start with years of incidents elsewhere; this turns their export into the events
Commander would have written (opened, milestones, resolved) with the times they happened,
so the trends have data on day one. Every problem is told with its line number, and a
file with any problem is refused whole. The same row always maps to the same incident
and event ids, so importing a file twice changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Protocol

from commander_app.core.bodies import IncidentBody, MilestoneBody, StatusBody
from commander_app.core.bundle import EARLIEST
from commander_app.core.errors import ValidationError
from commander_app.core.events import MAX_TITLE, clean_name, clean_title, opened_body
from commander_app.core.ids import encode
from commander_app.core.model import Event, Kind, Milestone, Severity, Status
from commander_app.core.times import FUTURE_TOLERANCE, read_iso, to_iso

MAX_ROWS = 20_000  # decades of incidents; more is not an incident export

# Each field and the header words that mean it, as `_header_words` reads a header.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "key", "incident id", "incident key", "ticket", "reference", "ref"),
    "title": ("title", "name", "summary", "incident", "incident title", "incident name"),
    "severity": ("severity", "sev", "priority", "prio", "level", "incident severity"),
    "services": (
        "service",
        "services",
        "component",
        "components",
        "affected service",
        "affected services",
    ),
    "started": ("started", "start", "impact start", "impact started", "impact", "began", "begin"),
    "detected": ("detected", "detection", "detect"),
    "mitigated": ("mitigated", "mitigation", "mitigate"),
    "resolved": ("resolved", "resolution", "end", "ended", "closed", "resolve"),
    "deploy": (
        "cause was a deploy",
        "cause was deploy",
        "deploy",
        "deployment",
        "caused by deploy",
        "caused by a deploy",
        "deploy caused",
        "change induced",
        "change caused",
    ),
}
_FIELD_OF = {word: name for name, words in _SYNONYMS.items() for word in words}
# What a person calls each field in a problem.
_SAID = {
    "title": "title",
    "severity": "severity",
    "started": "impact start",
    "detected": "detected time",
    "mitigated": "mitigated time",
    "resolved": "resolved time",
}
REQUIRED = ("title", "severity", "started", "resolved")
# The milestones in the order they happen, with the column each one is read from.
_MILESTONES = (
    ("started", Milestone.IMPACT_STARTED),
    ("detected", Milestone.DETECTED),
    ("mitigated", Milestone.MITIGATED),
    ("resolved", Milestone.RESOLVED),
)
_YES = {"yes", "y", "true", "t", "1", "x"}
_NO = {"no", "n", "false", "f", "0"}
_TRAILING = {"at", "time", "date", "utc", "timestamp", "on"}
_SLASHED = ("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")


@dataclass(frozen=True)
class HistoryRow:
    """One finished incident from the file, checked."""

    line: int
    incident_id: str
    title: str
    severity: Severity
    started: datetime
    resolved: datetime
    detected: datetime | None = None
    mitigated: datetime | None = None
    services: tuple[str, ...] = ()
    deploy_caused: bool | None = None
    external_id: str | None = None

    def times(self) -> list[tuple[Milestone, datetime]]:
        given = {
            "started": self.started,
            "detected": self.detected,
            "mitigated": self.mitigated,
            "resolved": self.resolved,
        }
        return [(m, at) for name, m in _MILESTONES if (at := given[name]) is not None]


@dataclass(frozen=True)
class HistoryFile:
    rows: list[HistoryRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line N: …", in file order
    ignored_columns: list[str] = field(default_factory=list)


def _header_words(header: str) -> str:
    """'Impact Start (UTC)', 'impact_start_at', 'Impact-start time' -> 'impact start'."""
    text = re.sub(r"\(.*?\)", " ", header.lower())
    words = re.sub(r"[^0-9a-z]+", " ", text).split()
    while len(words) > 1 and words[-1] in _TRAILING:
        words.pop()
    return " ".join(words)


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_history(
    text: str, *, now: datetime, zone: tzinfo = UTC, source: str = "csv"
) -> HistoryFile:
    """Every row of the file, or every problem in it. `zone` reads times written without
    one; `source` keeps ids from two tools apart (its "INC-1" is not the other's)."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        return HistoryFile(problems=["line 1: the file is empty; it needs a header row"])
    reader = csv.reader(text.splitlines(keepends=True), delimiter=_delimiter(first))
    try:
        return _read(reader, now, zone, source)
    except csv.Error as exc:
        return HistoryFile(problems=[f"line {reader.line_num}: not readable as CSV ({exc})"])


class _Rows(Protocol):
    """A csv reader: its rows, and the physical line it has read up to."""

    @property
    def line_num(self) -> int: ...
    def __iter__(self) -> Iterator[list[str]]: ...
    def __next__(self) -> list[str]: ...


def _read(reader: _Rows, now: datetime, zone: tzinfo, source: str) -> HistoryFile:
    header: list[str] = []
    header_line = 0
    for cells in reader:
        if any(c.strip() for c in cells):
            header, header_line = cells, reader.line_num
            break
    columns, problems, ignored = _columns(header, header_line)
    if problems:
        return HistoryFile(problems=problems)
    rows: list[HistoryRow] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(f"line {start}: more than {MAX_ROWS:,} incidents; split the file")
            break
        values = {name: cells[i].strip() if i < len(cells) else "" for name, i in columns.items()}
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.append(
                f"line {start}: {len(cells)} cells but the header has {len(header)} columns "
                "(a value holding the separator needs quotes)"
            )
            continue
        row, found = _row(start, values, now, zone, source)
        if row is not None:
            earlier = seen.get(row.incident_id)
            if earlier is not None:
                found.append(f"line {start}: the same incident as line {earlier}")
            seen.setdefault(row.incident_id, start)
        problems += found
        if row is not None and not found:
            rows.append(row)
    if not rows and not problems:
        problems.append(f"line {header_line}: the file has a header but no incidents")
    return HistoryFile(rows if not problems else [], problems, ignored)


def _columns(header: Sequence[str], line: int) -> tuple[dict[str, int], list[str], list[str]]:
    columns: dict[str, int] = {}
    problems: list[str] = []
    ignored: list[str] = []
    for index, raw in enumerate(header):
        name = _FIELD_OF.get(_header_words(raw))
        if name is None:
            if raw.strip():
                ignored.append(raw.strip())
            continue
        if name in columns:
            problems.append(
                f"line {line}: columns '{header[columns[name]].strip()}' and '{raw.strip()}' "
                f"both mean the {_SAID.get(name, name)}; keep one"
            )
            continue
        columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            words = ", ".join(f"'{w}'" for w in _SYNONYMS[name][:3])
            column = _SAID[name].removesuffix(" time")
            problems.append(f"line {line}: no {column} column (name one {words})")
    return columns, problems, ignored


def _row(
    line: int, values: dict[str, str], now: datetime, zone: tzinfo, source: str
) -> tuple[HistoryRow | None, list[str]]:
    problems: list[str] = []

    def say(text: str) -> None:
        problems.append(f"line {line}: {text}")

    title = ""
    if not values["title"]:
        say("no title")
    elif len(values["title"]) > MAX_TITLE:
        say(f"the title is {len(values['title']):,} characters long; the limit is {MAX_TITLE}")
    else:
        try:
            title = clean_title(values["title"])
        except ValidationError as exc:
            say(str(exc).rstrip("."))
    severity = _severity(values["severity"], say)
    times: dict[str, datetime | None] = {}
    for name, _milestone in _MILESTONES:
        times[name] = _time(values.get(name, ""), _SAID[name], zone, now, say)
        if name in REQUIRED and not values.get(name, ""):
            finished = "; only finished incidents are imported" if name == "resolved" else ""
            say(f"no {_SAID[name]}{finished}")
    given = [(name, at) for name, at in times.items() if at is not None]
    for (before, early), (after, late) in itertools.pairwise(given):
        if late < early:
            say(
                f"the {_SAID[after]} ({values[after]}) is before the "
                f"{_SAID[before]} ({values[before]})"
            )
    services: tuple[str, ...] = ()
    try:
        names = re.split(r"[,;|]", values.get("services", ""))
        services = tuple(dict.fromkeys(clean_name(n, "service name") for n in names if n.strip()))
    except ValidationError as exc:
        say(str(exc).rstrip("."))
    deploy = _flag(values.get("deploy", ""), say)
    external = values.get("id") or None
    if external is not None:
        try:
            external = clean_name(external, "incident id")
        except ValidationError as exc:
            say(str(exc).rstrip("."))
    started, resolved = times["started"], times["resolved"]
    if problems or severity is None or started is None or resolved is None:
        return None, problems
    if external:
        key = f"{source}\x1fid\x1f{external}"
    else:
        key = f"row\x1f{_title_key(title)}\x1f{to_iso(started)}"
    return (
        HistoryRow(
            line=line,
            incident_id=history_id(key, started),
            title=title,
            severity=severity,
            started=started,
            resolved=resolved,
            detected=times["detected"],
            mitigated=times["mitigated"],
            services=services,
            deploy_caused=deploy,
            external_id=external,
        ),
        problems,
    )


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def _severity(text: str, say: Callable[[str], None]) -> Severity | None:
    if not text:
        say("no severity")
        return None
    raw = text.strip().upper().replace(" ", "")
    if re.fullmatch(r"P\d", raw):
        raw = raw[1:]
    try:
        return Severity.parse(raw)
    except ValidationError:
        say(f"unknown severity '{text}' (use SEV1 to SEV4, P1 to P4 or 1 to 4)")
        return None


def _flag(text: str, say: Callable[[str], None]) -> bool | None:
    word = text.strip().lower()
    if not word:
        return None
    if word in _YES:
        return True
    if word in _NO:
        return False
    say(f"'cause was a deploy' is '{text}'; use yes or no")
    return None


def _time(
    text: str, what: str, zone: tzinfo, now: datetime, say: Callable[[str], None]
) -> datetime | None:
    """ISO-8601 with a zone, or without one in `zone`; 'YYYY-MM-DD HH:MM' too."""
    if not text:
        return None
    if re.fullmatch(r"\d{4}-?\d\d-?\d\d", text.strip()):
        say(f"the {what} '{text}' has no time of day")
        return None
    try:
        moment = read_iso(text.replace("z", "Z"), zone)
    except ValidationError as exc:
        slashed = _slashed(text)
        if slashed is None:
            if "off the calendar" in str(exc):
                say(f"the {what} '{text}' is off the calendar")
            else:
                say(f"the {what} '{text}' is not a time (write it like 2024-03-01 14:05)")
            return None
        moment = read_iso(slashed, zone)
    if moment < EARLIEST:
        say(f"the {what} '{text}' is before 2000")
        return None
    if moment - now > FUTURE_TOLERANCE:
        say(f"the {what} '{text}' is in the future")
        return None
    return moment


def _slashed(text: str) -> str | None:
    """'2024/03/01 14:05' as ISO-8601 ('2024-03-01T14:05:00'), or None."""
    for form in _SLASHED:
        try:
            return datetime.strptime(text.strip(), form).isoformat()
        except ValueError:
            continue
    return None


def history_id(key: str, moment: datetime, part: str = "", *, first: bool = True) -> str:
    """A ULID-shaped id made from the row, not from chance: its time is `moment` (so it
    sorts like an id made then) and its other 80 bits a hash of `key` and `part`; the top
    one of them clear when `first`, so an opening sorts before what happened with it."""
    millis = int(moment.timestamp() * 1000)
    digest = hashlib.sha256(f"commander-history\x1f{key}\x1f{part}".encode()).digest()
    rest = int.from_bytes(digest[:10], "big") >> 1
    return encode((millis << 80) | rest | (0 if first else 1 << 79))


def history_events(row: HistoryRow, *, author: str, device_id: str, now: datetime) -> list[Event]:
    """The events Commander would have written for this incident, at the times they
    happened: opened (marked imported), each milestone given, resolved."""
    opened: IncidentBody = opened_body(row.title, row.severity, False, None)
    opened["imported"] = True
    if row.deploy_caused is not None:
        opened["deploy_caused"] = row.deploy_caused
    if row.services:
        opened["services"] = list(row.services)
    if row.external_id:
        opened["external_id"] = row.external_id
    recorded = to_iso(now)

    def event(part: str, kind: Kind, content: dict[str, object], at: datetime) -> Event:
        return Event(
            id=history_id(row.incident_id, at, part, first=kind is Kind.INCIDENT),
            incident_id=row.incident_id,
            kind=kind,
            body=content,
            author=author,
            device_id=device_id,
            occurred_at=to_iso(at),
            recorded_at=recorded,
        )

    events = [event("opened", Kind.INCIDENT, dict(opened), row.started)]
    for milestone, at in row.times():
        marked: MilestoneBody = {"milestone": milestone.value}
        events.append(event(milestone.value, Kind.MILESTONE, dict(marked), at))
    status: StatusBody = {"status": Status.RESOLVED.value, "from": Status.INVESTIGATING.value}
    events.append(event("status", Kind.STATUS, dict(status), row.resolved))
    return events
