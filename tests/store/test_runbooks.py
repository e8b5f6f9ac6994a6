"""The runbook index: kept in step with the folder as files are added, edited (in the app
or outside it) and deleted; searched safely; and the facts the trust report weighs."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import Kind
from commander_app.store import runbooks as store
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_git import last_changes
from commander_app.store.runbook_trust import last_incident, trust_report

POOL = """\
---
service: payments-db
answers: [PoolExhausted]
owner: team-payments
last_reviewed: 2026-11-01
---
# Connection pool exhausted

## Look at the pool

```sh
psql -c 'SHOW POOLS;'
```

Expect: `cl_waiting`

Otherwise: escalate to the DBA on call
"""


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "runbooks"
    made.mkdir()
    _write(made, "db/pool.md", POOL)
    disk = POOL.replace("payments-db", "platform").replace("PoolExhausted", "DiskFull")
    _write(made, "disk.md", disk.replace("pool", "disk"))
    return made


def _refresh(log: IncidentLog, folder: Path) -> store.RefreshReport:
    return store.refresh_index(log.conn, folder, log.clock.now())


def test_the_index_follows_the_folder(log: IncidentLog, folder: Path) -> None:
    assert _refresh(log, folder) == store.RefreshReport(added=2)
    assert [r.name for r in store.indexed_runbooks(log.conn)] == ["db/pool", "disk"]
    assert _refresh(log, folder) == store.RefreshReport(unchanged=2)

    _write(folder, "new.md", POOL.replace("PoolExhausted", "Brandnew"))
    assert _refresh(log, folder) == store.RefreshReport(added=1, unchanged=2)
    assert [h.name for h in store.search_runbooks(log.conn, "brandnew")] == ["new"]

    (folder / "new.md").unlink()
    assert _refresh(log, folder) == store.RefreshReport(removed=1, unchanged=2)
    assert log.conn.execute("SELECT count(*) FROM runbooks").fetchone()[0] == 2
    assert store.search_runbooks(log.conn, "brandnew") == []
    assert log.conn.execute("SELECT count(*) FROM runbooks_fts").fetchone()[0] == 2


def test_an_edit_made_outside_the_app_is_noticed(log: IncidentLog, folder: Path) -> None:
    _refresh(log, folder)
    path = folder / "db/pool.md"
    before = path.stat()
    path.write_text(POOL.replace("DBA on call", "storage lead"), "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert _refresh(log, folder) == store.RefreshReport(changed=1, unchanged=1)
    runbook = store.find_runbook(log.conn, "db/pool").runbook
    assert runbook is not None
    assert runbook.steps[0].decisions[0].target == "the storage lead"
    assert [h.name for h in store.search_runbooks(log.conn, "storage")] == ["db/pool"]
    assert [h.name for h in store.search_runbooks(log.conn, "DBA")] == ["disk"]


def test_a_file_another_command_indexed_meanwhile_is_updated_not_doubled(
    log: IncidentLog, folder: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two commands refresh at once: both saw no row for the new file; the second to
    write updates the first one's row."""
    _refresh(log, folder)
    _write(folder, "late.md", POOL)
    read = store.read_runbook_file
    with IncidentLog(db_path, device_id="device-other") as other:

        def meanwhile(path: Path) -> object:
            monkeypatch.setattr(store, "read_runbook_file", read)
            assert _refresh(other, folder).added == 1  # the other command, in between
            return read(path)

        monkeypatch.setattr(store, "read_runbook_file", meanwhile)
        assert _refresh(log, folder).added == 1
    rows = [r.name for r in store.indexed_runbooks(log.conn)]
    assert rows == ["db/pool", "disk", "late"]
    assert log.conn.execute("SELECT count(*) FROM runbooks_fts").fetchone()[0] == 3


def test_a_touched_file_with_the_same_bytes_is_not_read_again(
    log: IncidentLog, folder: Path
) -> None:
    _refresh(log, folder)
    indexed_at = log.conn.execute("SELECT indexed_at FROM runbooks WHERE name = 'disk'").fetchone()
    os.utime(folder / "disk.md", ns=(1, 2_000_000_000))
    log.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    assert _refresh(log, folder) == store.RefreshReport(unchanged=2)
    row = log.conn.execute("SELECT indexed_at, mtime_ns FROM runbooks WHERE name = 'disk'")
    assert tuple(row.fetchone()) == (indexed_at[0], 2_000_000_000)


def test_files_that_cannot_be_read_are_listed_with_their_problem(
    log: IncidentLog, folder: Path
) -> None:
    _write(folder, "latin1.md", "---\nservice: db\n---\n## Caf\xe9\n".encode("latin-1"))
    _write(folder, "huge.md", POOL + "x" * (store.FILE_LIMIT + 1))
    _write(folder, "empty.md", "")
    _write(folder, "README.md", "# About this folder\n")  # not a runbook
    _write(folder, ".git/notes.md", "not a runbook")
    _refresh(log, folder)
    found = {r.name: r for r in store.indexed_runbooks(log.conn)}
    assert sorted(found) == ["db/pool", "disk", "empty", "huge", "latin1"]
    assert [(p.line, p.message) for p in found["latin1"].problems] == [
        (4, "the file is not UTF-8 text (byte 0xe9); save it as UTF-8")
    ]
    assert "larger than 1 MB" in found["huge"].problems[0].message
    assert found["empty"].problems[0].message == "the file is empty"
    assert all(found[n].runbook is None for n in ("latin1", "huge", "empty"))


@pytest.mark.parametrize(
    "query",
    ["AND", "pool OR", "NEAR(pool", "pool*", "col:pool", "^pool", "(pool", "'; DROP", "-x"],
)
def test_hostile_queries_are_words_never_syntax(log: IncidentLog, folder: Path, query: str) -> None:
    _refresh(log, folder)
    hits = store.search_runbooks(log.conn, query)
    assert all(h.name in ("db/pool", "disk") for h in hits)


def test_a_query_of_punctuation_only_is_refused_in_words(log: IncidentLog, folder: Path) -> None:
    _refresh(log, folder)
    with pytest.raises(ValidationError, match="at least one word"):
        store.search_runbooks(log.conn, '"" () *')


def test_search_ranks_the_title_and_alerts_above_the_steps(log: IncidentLog, folder: Path) -> None:
    mentions = POOL.replace("[PoolExhausted]", "[Other]").replace("# Connection", "# Unlike")
    _write(
        folder, "mentions.md", mentions.replace("Expect:", "PoolExhausted fires too.\n\nExpect:")
    )
    _refresh(log, folder)
    hits = store.search_runbooks(log.conn, "PoolExhausted")
    assert [h.name for h in hits] == ["db/pool", "mentions"]


def test_find_by_name_file_name_or_unique_prefix(log: IncidentLog, folder: Path) -> None:
    _refresh(log, folder)
    assert store.find_runbook(log.conn, "db/pool").name == "db/pool"
    assert store.find_runbook(log.conn, "pool.md").name == "db/pool"
    assert store.find_runbook(log.conn, "di").name == "disk"
    assert store.find_runbook(log.conn, "oo").name == "db/pool"  # a part only one name has
    _write(folder, "diskette.md", POOL)
    _refresh(log, folder)
    with pytest.raises(ValidationError, match="could be any of: disk, diskette"):
        store.find_runbook(log.conn, "dis")
    with pytest.raises(NotFoundError, match="runbook list"):
        store.find_runbook(log.conn, "nothing")


def test_the_folder_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (store.runbook_folder() / "disk-full.md").is_file()  # the shipped examples
    settings = Path(os.environ["XDG_CONFIG_HOME"]) / "commander"
    settings.mkdir(parents=True)
    (settings / "runbooks.toml").write_text(f'folder = "{tmp_path}"\n', "utf-8")
    assert store.runbook_folder() == tmp_path
    monkeypatch.setenv("COMMANDER_RUNBOOKS", str(tmp_path / "runbooks-env"))
    with pytest.raises(ValidationError, match="from COMMANDER_RUNBOOKS"):
        store.runbook_folder()
    assert store.runbook_folder(tmp_path) == tmp_path


def test_the_shipped_examples_parse_cleanly(log: IncidentLog) -> None:
    _refresh(log, store.shipped_folder())
    shipped = store.indexed_runbooks(log.conn)
    assert len(shipped) >= 3
    assert [(r.name, r.problems) for r in shipped if r.problems] == []
    assert all(r.runbook and len(r.runbook.steps) >= 3 for r in shipped)
    assert all(
        any(d.action == "escalate" for s in r.runbook.steps for d in s.decisions)
        for r in shipped
        if r.runbook
    )


def _incident_of(log: IncidentLog, service: str, title: str) -> str:
    incident = log.open_incident(title, author="alice")
    body = {"action": "sent", "audience": "internal", "text": "update",
            "channel": "manual", "services": [service]}  # fmt: skip
    log.append(incident.id, Kind.COMMS, body, author="alice")
    return incident.id


def test_trust_weighs_the_services_last_incident(
    log: IncidentLog, folder: Path, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 11, 20, 22, 0, tzinfo=UTC))
    _incident_of(log, "Payments-DB", "Pool exhausted at peak")
    clock.set(datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    found = last_incident(log.conn, "payments-db")
    assert found is not None
    assert found.title == "Pool exhausted at peak"
    assert last_incident(log.conn, "platform") is None
    os.utime(folder / "db/pool.md", ns=(0, 0))  # an mtime far before the incident
    _refresh(log, folder)
    (folder / "deprecated-tools.toml").write_text('[tools]\npsql = "pgcli"\n', "utf-8")
    report = {
        t.runbook.name: t.line
        for t in trust_report(log.conn, folder, store.indexed_runbooks(log.conn), clock.now())
    }
    pool = report["db/pool"]
    assert pool is not None
    assert [f.kind for f in pool.flags] == ["behind-incident", "deprecated"]
    assert "never used in an incident or drill" in pool.facts


def _git(folder: Path, *args: str, when: str = "2026-05-01T10:00:00+00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, env=env)


def test_git_tells_each_files_last_change_and_author(folder: Path) -> None:
    _git(folder, "init", "-q")
    _git(folder, "-c", "user.name=Chen", "-c", "user.email=c@x", "add", ".")
    _git(folder, "-c", "user.name=Chen", "-c", "user.email=c@x", "commit", "-qm", "first")
    (folder / "disk.md").write_text(POOL + "\n", "utf-8")
    _git(folder, "add", "disk.md")
    _git(folder, "-c", "user.name=Dana Ö", "-c", "user.email=d@x", "commit", "-qm", "edit",
         when="2026-11-25T09:30:00+00:00")  # fmt: skip
    changes = last_changes(folder)
    assert changes[folder / "db/pool.md"].author == "Chen"
    assert changes[folder / "disk.md"].author == "Dana Ö"
    assert changes[folder / "disk.md"].when == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_without_git_or_outside_a_repository_there_is_nothing_to_show(
    folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert last_changes(folder) == {}  # a plain folder
    _git(folder, "init", "-q")
    _git(folder, "-c", "user.name=C", "-c", "user.email=c@x", "add", ".")
    _git(folder, "-c", "user.name=C", "-c", "user.email=c@x", "commit", "-qm", "m")
    assert last_changes(folder)
    bare_path = tmp_path / "bin"
    bare_path.mkdir()
    monkeypatch.setenv("PATH", str(bare_path))
    assert shutil.which("git") is None
    assert last_changes(folder) == {}
