"""Bad input cannot hurt the log: import bundles and free text, checked with hypothesis.

A bundle comes from another laptop, a colleague's mail or a half-copied
file; a responder pastes anything into an entry. Whatever arrives is either
taken exactly or refused with a message, and a refusal writes nothing.

Every example works on real SQLite files made inside the test (tempfile),
so examples never share state through function-scoped fixtures.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from commander_app import cli
from commander_app.core.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    ParsedBundle,
    parse_bundle,
    parse_bundle_text,
)
from commander_app.core.clock import FixedClock
from commander_app.core.errors import BundleError, ValidationError
from commander_app.core.ids import encode
from commander_app.core.model import TEXT_KINDS, Event, Kind, Milestone, Role, Severity, Status
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.health import check_log, inspect_log
from commander_app.store.incident_log import IncidentLog
from commander_app.store.search import search

# Slow: property trials (Hypothesis) over bundles.
# CI runs them like every test; `-m 'not slow'` leaves them out of a quick run.
pytestmark = pytest.mark.slow

START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
MAX_TEXT = 20_000  # DESIGN/UI promise: about ten pages per entry

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run: a pass is a pass
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- strategies -----------------------------------------------------------------

# NaN, infinities and lone surrogates are left out of most values that reach an
# import; the tests at the end check that they are refused with a message.
SAFE_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
ANY_SCALARS = st.one_of(SAFE_SCALARS, st.floats(), st.text(st.characters(categories=["Cs"])))


def json_values(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )


OFFSETS = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
)
# Years 1000-9998; the tests at the end cover times at the calendar's edges.
ISO_TIMES = st.datetimes(
    min_value=datetime(1000, 1, 2), max_value=datetime(9998, 12, 30), timezones=OFFSETS
).map(datetime.isoformat)
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID_LIKE = st.text(alphabet=CROCKFORD + CROCKFORD.lower() + "ILOU", min_size=26, max_size=26)
WORDS = st.sampled_from(
    ["", " ", "Ada", " Zoë ", "a\nb", "x" * 101, "SEV1", "sev9", "resolved", "opened",
     "renamed", "mitigated", "commander", "note", "status", "incident", "NOTE "]
)  # fmt: skip
KINDS = st.sampled_from([k.value for k in Kind])
FIELD_VALUES = st.one_of(json_values(SAFE_SCALARS), ISO_TIMES, ULID_LIKE, WORDS, KINDS)


def _event_like(incident_id: str) -> st.SearchStrategy[Any]:
    body = st.fixed_dictionaries(
        {},
        optional={
            key: FIELD_VALUES | json_values(ANY_SCALARS)
            for key in ("text", "action", "title", "severity", "drill", "commander",
                        "status", "milestone", "role", "person", "extra")
        },
    )  # fmt: skip
    fields = {
        "id": ULID_LIKE | json_values(ANY_SCALARS),
        "incident_id": st.just(incident_id) | ULID_LIKE | json_values(ANY_SCALARS),
        "kind": KINDS | json_values(ANY_SCALARS),
        "body": body | json_values(ANY_SCALARS),
        "author": WORDS | json_values(ANY_SCALARS),
        "device_id": WORDS | json_values(ANY_SCALARS),
        "occurred_at": ISO_TIMES | json_values(ANY_SCALARS),
        "recorded_at": ISO_TIMES | json_values(ANY_SCALARS),
        "supersedes": st.none() | ULID_LIKE | json_values(ANY_SCALARS),
    }
    return st.fixed_dictionaries({}, optional=fields) | json_values(ANY_SCALARS)


INCIDENT_ID = "01KB5Z4R9M0000000000000000"
ULIDS = st.integers(min_value=0, max_value=2**128 - 1).map(encode)
NAMES = st.text(min_size=1, max_size=30)
VALID_BODIES = st.one_of(
    st.fixed_dictionaries({"text": st.text(min_size=1)}),
    st.fixed_dictionaries(
        {"action": st.just("opened"), "title": NAMES, "drill": st.booleans(),
         "severity": st.sampled_from([s.value for s in Severity])}
    ),
    st.fixed_dictionaries({"status": st.sampled_from([s.value for s in Status])}),
    st.fixed_dictionaries({"milestone": st.sampled_from([m.value for m in Milestone])}),
    st.fixed_dictionaries({"role": st.sampled_from([r.value for r in Role]), "person": NAMES}),
)  # fmt: skip
KIND_OF_BODY = {"text": "note", "action": "incident", "status": "status",
                "milestone": "milestone", "role": "role"}  # fmt: skip


def _event_dict(body: dict[str, Any], event_id: str, author: str, occurred: str) -> dict[str, Any]:
    kind = next(KIND_OF_BODY[key] for key in KIND_OF_BODY if key in body)
    return {
        "id": event_id,
        "incident_id": INCIDENT_ID,
        "kind": kind,
        "body": body,
        "author": author,
        "device_id": "device-other",
        "occurred_at": occurred,
        "recorded_at": occurred,
        "supersedes": None,
    }


# Mostly well-formed events, so that parsing often gets past the first checks.
VALID_EVENTS = st.builds(_event_dict, VALID_BODIES, ULIDS, NAMES, ISO_TIMES)
BUNDLE_LIKE = st.fixed_dictionaries(
    {"format": st.just(BUNDLE_FORMAT) | json_values(ANY_SCALARS)},
    optional={
        "version": st.just(BUNDLE_VERSION) | st.integers() | json_values(ANY_SCALARS),
        "incident": st.fixed_dictionaries(
            {}, optional={"id": st.just(INCIDENT_ID) | ULID_LIKE | json_values(ANY_SCALARS)}
        )
        | json_values(ANY_SCALARS),
        "events": st.lists(VALID_EVENTS | _event_like(INCIDENT_ID), max_size=4)
        | json_values(ANY_SCALARS),
    },
)
NEARLY_VALID_BUNDLES = st.fixed_dictionaries(
    {
        "format": st.just(BUNDLE_FORMAT),
        "version": st.just(BUNDLE_VERSION),
        "incident": st.just({"id": INCIDENT_ID}),
        "events": st.lists(VALID_EVENTS, min_size=1, max_size=4)
        | st.lists(VALID_EVENTS | _event_like(INCIDENT_ID), min_size=1, max_size=4),
    }
)

# -- a real exported incident -----------------------------------------------------


def _write_sample(log: IncidentLog, clock: FixedClock) -> str:
    """A short incident with every kind of event and text from many scripts."""
    incident = log.open_incident(
        "Zahlungen schlagen fehl — 決済エラー",
        severity=Severity.SEV2,
        commander="Zoë",
        author="Ada",
    )
    entries = [
        ("p99 latency ↑ 40× on café-eu 🚨", Kind.OBSERVATION),
        ("שגיאה בשרת התשלומים — the RTL note", Kind.NOTE),
        ("Cache stampede after deploy 4f2c 👩‍💻", Kind.HYPOTHESIS),
    ]
    first = None
    for text, kind in entries:
        clock.advance(timedelta(minutes=1))
        entry = log.log(incident.id, text, kind=kind, author="Ada")
        first = first or entry
    assert first is not None
    clock.advance(timedelta(minutes=1))
    log.log(incident.id, "e\u0301te\u0301 cafe\u0301 (backfilled)", author="Bea",
            at=START + timedelta(seconds=30))  # fmt: skip
    log.log(incident.id, "p99 latency up 40x on cafe-eu", kind=Kind.OBSERVATION, author="Ada",
            supersedes=first.id)  # fmt: skip
    clock.advance(timedelta(minutes=1))
    log.set_status(incident.id, Status.IDENTIFIED, author="Ada")
    log.set_severity(incident.id, Severity.SEV1, author="Ada")
    log.mark_milestone(incident.id, Milestone.MITIGATED, author="Ada")
    log.assign_role(incident.id, Role.COMMUNICATOR, "Bea", author="Ada")
    return incident.id


class Sample:
    """The exported sample, and template files: an empty log and one holding the sample."""

    def __init__(self, directory: Path) -> None:
        clock = FixedClock(START)
        with IncidentLog(directory / "source.db", device_id="device-src", clock=clock) as log:
            self.incident_id = _write_sample(log, clock)
            self.bundle = export_bundle(log, self.incident_id)
            self.events = log.events(self.incident_id)
        self.text = json.dumps(self.bundle, indent=2, ensure_ascii=False) + "\n"
        self.empty = directory / "empty.db"
        self.holding = directory / "holding.db"
        with _open(self.empty):
            pass
        with _open(self.holding) as log:
            import_bundle(log, parse_bundle_text(self.text))


@contextlib.contextmanager
def _open(path: Path) -> Iterator[IncidentLog]:
    with IncidentLog(path, device_id="device-test", clock=FixedClock(START)) as log:
        yield log


@contextlib.contextmanager
def _copy_of(template: Path) -> Iterator[IncidentLog]:
    """A private copy of a closed template log, for one example."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / template.name
        shutil.copyfile(template, path)
        with _open(path) as log:
            yield log


def _rows(log: IncidentLog) -> tuple[list[Any], list[Any]]:
    """Everything a user could see: every event row and every incident row."""
    events = log.conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    incidents = log.conn.execute("SELECT * FROM incidents ORDER BY id").fetchall()
    return events, incidents


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return Sample(tmp_path_factory.mktemp("sample"))


# -- (a) any JSON value ---------------------------------------------------------------


@PROPERTY
@given(json_values(ANY_SCALARS) | BUNDLE_LIKE | NEARLY_VALID_BUNDLES)
def test_parse_bundle_of_any_json_value_raises_only_bundle_error(value: Any) -> None:
    """Any other exception would reach the user as a traceback instead of a message."""
    parsed = None
    with contextlib.suppress(BundleError):  # the one refusal allowed
        parsed = parse_bundle(value)
    event("accepted" if parsed else "refused")
    if parsed is None:
        return
    assert parsed.events
    assert all(isinstance(e, Event) for e in parsed.events)
    assert {e.incident_id for e in parsed.events} == {parsed.incident_id}
    assert parse_bundle(_as_bundle(parsed)) == parsed  # what it accepted, it keeps


def _as_bundle(parsed: ParsedBundle) -> dict[str, Any]:
    return {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "incident": {"id": parsed.incident_id},
        "events": [e.to_dict() for e in parsed.events],
    }


# -- (b) a real bundle, damaged ---------------------------------------------------------

_DELETE = object()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document: dict keys and list indexes, depth first."""
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _mutated(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    parent: Any = changed
    for key in path[:-1]:
        parent = parent[key]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return changed


def _without(entry: Event, field: str) -> dict[str, Any]:
    return {k: v for k, v in entry.to_dict().items() if k != field}


def _assert_import_all_or_nothing(sample: Sample, parsed: ParsedBundle) -> None:
    """Into an empty log and into one that already holds the original: the
    bundle's events are merged by id, or it is refused and nothing changes."""
    for template, already in ((sample.empty, []), (sample.holding, sample.events)):
        with _copy_of(template) as log:
            before = _rows(log)
            try:
                result = import_bundle(log, parsed)
            except BundleError:
                event(f"import into {template.stem}: refused")
                assert _rows(log) == before
                continue
            event(f"import into {template.stem}: merged")
            expected = {e.id: e for e in [*already, *parsed.events]}
            stored = log.events(parsed.incident_id)
            assert sorted(stored) == sorted(expected.values())
            assert result.added == len(expected) - len(already)
            assert check_log(log) == []


@PROPERTY
@given(data=st.data())
def test_a_truncated_bundle_is_refused_and_writes_nothing(sample: Sample, data: Any) -> None:
    raw = sample.text.encode("utf-8")
    cut = data.draw(st.integers(min_value=0, max_value=len(raw) - 1), label="cut")
    truncated = raw[:cut]
    parsed = None
    with contextlib.suppress(BundleError):
        parsed = parse_bundle_text(truncated.decode("utf-8", errors="ignore"))
    if parsed is not None:  # only the closing whitespace was lost
        assert parsed == parse_bundle(sample.bundle)

    # The real `commander import` on the file, bytes as they are (maybe cut inside a character).
    with tempfile.TemporaryDirectory() as directory:
        db, bundle = Path(directory) / "incidents.db", Path(directory) / "bundle.json"
        shutil.copyfile(sample.empty, db)
        bundle.write_bytes(truncated)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["--db", str(db), "import", str(bundle)])
        with _open(db) as log:
            stored = log.events(sample.incident_id)
    if parsed is None:
        assert code == 1
        assert err.getvalue().startswith("commander: ")
        assert stored == []
    else:
        assert code == 0, err.getvalue()
        assert stored == sample.events


@settings(PROPERTY, max_examples=300)
@given(data=st.data())
def test_a_corrupted_bundle_is_refused_or_read_as_it_stands(sample: Sample, data: Any) -> None:
    original = parse_bundle(sample.bundle)
    paths = list(_paths(sample.bundle))
    sections = [p for p in paths if len(p) <= 2]
    whole_events = [p for p in sections if p[0] == "events"]
    places = st.sampled_from(whole_events) | st.sampled_from(sections) | st.sampled_from(paths)
    path = data.draw(places, label="path")
    value = data.draw(st.just(_DELETE) | FIELD_VALUES, label="value")
    damaged = _mutated(sample.bundle, path, value)
    parsed = None
    with contextlib.suppress(BundleError):
        parsed = parse_bundle_text(json.dumps(damaged, ensure_ascii=False))
    event("parse: accepted" if parsed else "parse: refused")
    if parsed is None:
        return
    if path[0] != "events":
        assert parsed == original  # outside the events nothing changes what is imported
    elif len(path) >= 2:
        index = path[1]
        if value is _DELETE and len(path) == 2:
            assert parsed.events == original.events[:index] + original.events[index + 1 :]
        else:
            assert len(parsed.events) == len(original.events)
            for i, (got, was) in enumerate(zip(parsed.events, original.events, strict=True)):
                if i != index:
                    assert got == was
                elif len(path) >= 3:
                    assert _without(got, path[2]) == _without(was, path[2])
    _assert_import_all_or_nothing(sample, parsed)


@PROPERTY
@given(version=st.integers(min_value=BUNDLE_VERSION + 1) | st.integers(max_value=0))
def test_a_bundle_with_another_version_is_refused(sample: Sample, version: int) -> None:
    damaged = _mutated(sample.bundle, ("version",), version)
    expected = "newer Commander" if version > BUNDLE_VERSION else "no valid format version"
    with pytest.raises(BundleError, match=expected):
        parse_bundle_text(json.dumps(damaged))


# -- (c) export, import, export -------------------------------------------------------------

ENTRY_TEXTS = st.one_of(
    st.text(min_size=1, max_size=200),
    st.sampled_from(
        ["Rollback started ✅", "שרת התשלומים חזר", "e\u0301 combining", "🔥🔥", "x" * 500]
    ),
).filter(lambda t: bool(t.strip()) and "\x00" not in t)
# Names as people type them: no control characters (NUL and line breaks are refused).
PEOPLE = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda t: bool(t.strip()))
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("log"), st.sampled_from(TEXT_KINDS), ENTRY_TEXTS,
                  st.none() | st.integers(min_value=1, max_value=600)),
        st.tuples(st.just("correct"), st.integers(min_value=0, max_value=30), ENTRY_TEXTS),
        st.tuples(st.just("status"), st.sampled_from(Status)),
        st.tuples(st.just("severity"), st.sampled_from(Severity)),
        st.tuples(st.just("milestone"), st.sampled_from(Milestone),
                  st.none() | st.integers(min_value=1, max_value=600)),
        st.tuples(st.just("role"), st.sampled_from(Role), PEOPLE),
    ),
    max_size=15,
)  # fmt: skip


def _play(log: IncidentLog, clock: FixedClock, incident_id: str, actions: list[Any]) -> None:
    """Write to an incident the way responders would, one action a minute."""
    entries: list[str] = []
    for action in actions:
        clock.advance(timedelta(minutes=1))
        name, *args = action
        backfill = args[-1] if name in ("log", "milestone") else None
        at = clock.now() - timedelta(minutes=backfill) if backfill else None
        if name == "log":
            entries.append(log.log(incident_id, args[1], kind=args[0], author="Ada", at=at).id)
        elif name == "correct" and entries:
            original = entries[args[0] % len(entries)]
            log.log(incident_id, args[1], author="Bea", supersedes=original)
        elif name == "status" and log.incident(incident_id).status is not args[0]:
            log.set_status(incident_id, args[0], author="Ada")
        elif name == "severity" and log.incident(incident_id).severity is not args[0]:
            log.set_severity(incident_id, args[0], author="Ada")
        elif name == "milestone":
            log.mark_milestone(incident_id, args[0], author="Ada", at=at)
        elif name == "role":
            log.assign_role(incident_id, args[0], args[1], author="Ada")


def _bundle_text(log: IncidentLog, incident_id: str) -> str:
    """What `commander export --format json` writes."""
    return json.dumps(export_bundle(log, incident_id), indent=2, ensure_ascii=False)


def _merge(into: IncidentLog, source: IncidentLog, incident_id: str) -> int:
    return import_bundle(into, parse_bundle_text(_bundle_text(source, incident_id))).added


def _same_incident(one: IncidentLog, other: IncidentLog, incident_id: str) -> None:
    mine, theirs = export_bundle(one, incident_id), export_bundle(other, incident_id)
    for part in ("incident", "metrics", "events"):
        assert mine[part] == theirs[part], part


@settings(PROPERTY, max_examples=100)
@given(shared=ACTIONS, on_a=ACTIONS, on_b=ACTIONS)
def test_two_laptops_merge_an_incident_by_union(
    shared: list[Any], on_a: list[Any], on_b: list[Any]
) -> None:
    """Laptop A starts the incident, B imports it; both carry on offline, then each
    imports the other's export. Both end with the same incident, which exports,
    imports into a third log and exports again unchanged; importing twice changes nothing.
    Each laptop's chain survives the unions: every entry keeps its link and verifies."""
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        clock_a, clock_b, clock_c = FixedClock(START), FixedClock(START), FixedClock(START)

        def same_time() -> None:  # laptops share the world's time; imports refuse the future
            latest = max(clock_a.now(), clock_b.now(), clock_c.now())
            for clock in (clock_a, clock_b, clock_c):
                clock.set(latest)

        with (
            IncidentLog(folder / "a.db", device_id="device-a", clock=clock_a) as a,
            IncidentLog(folder / "b.db", device_id="device-b", clock=clock_b) as b,
            IncidentLog(folder / "c.db", device_id="device-c", clock=clock_c) as c,
        ):
            incident_id = a.open_incident("Round trip", severity=Severity.SEV2, author="Ada").id
            _play(a, clock_a, incident_id, shared)
            unrelated = b.open_incident("Unrelated", author="Bea").id
            unrelated_before = b.incident(unrelated)
            same_time()
            assert _merge(b, a, incident_id) == len(a.events(incident_id))
            _same_incident(a, b, incident_id)

            clock_b.set(clock_a.now())
            _play(a, clock_a, incident_id, on_a)
            _play(b, clock_b, incident_id, on_b)
            same_time()
            a_only = {e.id for e in a.events(incident_id)} - {e.id for e in b.events(incident_id)}
            b_only = {e.id for e in b.events(incident_id)} - {e.id for e in a.events(incident_id)}
            assert _merge(b, a, incident_id) == len(a_only)
            assert _merge(a, b, incident_id) == len(b_only)
            _same_incident(a, b, incident_id)
            assert b.incident(unrelated) == unrelated_before

            assert _merge(c, b, incident_id) == len(b.events(incident_id))
            _same_incident(b, c, incident_id)
            for log, other in ((a, b), (b, a), (c, a)):
                before = _rows(log)
                assert _merge(log, other, incident_id) == 0
                assert _rows(log) == before
                # Every entry of every laptop verifies, whatever order the union stored it in.
                assert inspect_log(log) == type(inspect_log(log))()
                assert set(log.chain_links(incident_id)) == {e.id for e in log.events(incident_id)}


# -- (d) anything a responder can type ------------------------------------------------------

ODD_CHARACTERS = st.sampled_from(
    ["\x00", "\u200f", "\u202e", "\u0301", "\u0308", "\u200d", "\ufeff", "\u2028", "\u3000",
     "\u00a0", "\r\n", "\t", " ", "\n", "\x1f", "👩\u200d💻", "🇩🇪", "😀", "ש", "ل", "ß", "İ"]
)  # fmt: skip
PIECES = st.one_of(st.characters(), st.characters(categories=["Cs"]), ODD_CHARACTERS)
FREE_TEXT = st.lists(PIECES, max_size=300).map("".join)
ASCII_WORD = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,11}", fullmatch=True)


def _long_text(unit: str, length: int, word: str, padding: str) -> str:
    """Text around the 20,000-character limit, with a word to search for."""
    body = f"{word} " + unit * (length // len(unit) + 1)
    return padding + body[:length] + padding


TEXTS = st.one_of(
    FREE_TEXT,
    st.builds(lambda a, w, b: f"{a} {w} {b}", FREE_TEXT, ASCII_WORD, FREE_TEXT),
    st.builds(
        _long_text,
        st.sampled_from(["a", "é", "😀", "e\u0301", "ש ", "  ", "\u3000"]),
        st.integers(min_value=MAX_TEXT - 10, max_value=MAX_TEXT + 10),
        ASCII_WORD,
        st.sampled_from(["", " ", "\n\t ", "\u3000"]),
    ),
)
# An ASCII word with an ASCII separator (or the end of the text) on each side:
# SQLite's unicode61 tokenizer then indexes it as a word of its own.
_NOT_SEPARATOR = r"[^\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"
WORD_IN_TEXT = re.compile(rf"(?<!{_NOT_SEPARATOR})[A-Za-z0-9]+(?!{_NOT_SEPARATOR})")


def _acceptable(text: str) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_TEXT or "\x00" in stripped:
        return False
    try:
        stripped.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def test_free_text_is_kept_exactly_or_refused_with_nothing_written() -> None:
    with tempfile.TemporaryDirectory() as directory:
        clock = FixedClock(START)
        path = Path(directory) / "incidents.db"
        with IncidentLog(path, device_id="device-test", clock=clock) as log:

            @PROPERTY
            @given(text=TEXTS)
            def check(text: str) -> None:
                clock.advance(timedelta(seconds=1))
                incident_id = log.open_incident("Typing anything", author="Ada").id
                before = _rows(log)
                if not _acceptable(text):
                    with pytest.raises(ValidationError):
                        log.log(incident_id, text, author="Ada")
                    assert _rows(log) == before
                    return
                written = log.log(incident_id, text, author="Ada")
                assert written.body["text"] == text.strip()
                assert log.event(written.id).body["text"] == text.strip()
                stored = log.conn.execute("SELECT text FROM events WHERE id = ?", [written.id])
                assert stored.fetchone()[0] == text.strip()
                words = WORD_IN_TEXT.findall(text.strip())
                if words:
                    word = max(words, key=len)
                    hits = search(log.conn, word, incident_id)
                    assert written.id in {hit.event_id for hit in hits}, word

            check()
            assert check_log(log) == []


# -- known package bugs, pinned -----------------------------------------------------------


@pytest.mark.parametrize("moment", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_time_off_the_calendar_is_a_bundle_error(sample: Sample, moment: str) -> None:
    damaged = _mutated(sample.bundle, ("events", 1, "occurred_at"), moment)
    with pytest.raises(BundleError):
        parse_bundle(damaged)


def test_what_an_import_accepts_its_export_gives_back(sample: Sample) -> None:
    damaged = _mutated(sample.bundle, ("events", 1, "occurred_at"), "0999-01-01T00:00:00Z")
    with _copy_of(sample.empty) as first, _copy_of(sample.empty) as second:
        try:
            import_bundle(first, parse_bundle(damaged))
        except BundleError:
            return  # refusing such a time would be a fine fix too
        import_bundle(second, parse_bundle_text(_bundle_text(first, sample.incident_id)))
        assert second.events(sample.incident_id) == first.events(sample.incident_id)


@pytest.mark.parametrize("value", ["NaN", "Infinity", '"\\ud800"'])
def test_a_bundle_body_that_cannot_be_stored_is_refused_with_a_message(
    sample: Sample, value: str
) -> None:
    anchor = '"text": "p99 latency ↑'
    text = sample.text.replace(anchor, f'"extra": {value}, {anchor}', 1)
    assert text != sample.text
    with _copy_of(sample.empty) as log:
        before = _rows(log)
        with pytest.raises(BundleError):
            import_bundle(log, parse_bundle_text(text))
        assert _rows(log) == before
