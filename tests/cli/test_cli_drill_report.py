"""`commander drill report`: the measures, the injects and where the playbook broke, as
text and JSON; `--propose N` makes a break's mend a follow-up."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ok, run_cli
from tests.store.test_drills import SCENARIO


def test_the_report_of_a_drill_just_started_and_a_proposal(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    scenario = tmp_path / "payments.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    ok("new", "Checkout 500s", db=db)  # a real incident beside it is not the drill's
    ok("drill", "start", str(scenario), db=db)
    text = ok("drill", "report", db=db)
    assert text.startswith("Drill report: EXERCISE: payments failing (scenario payments)")
    assert "!! Time to an incident commander: nobody took command" in text
    assert "  1. Nobody took command of the drill." in text
    assert "(`commander drill report --propose 1`)" in text
    found = json.loads(ok("drill", "report", "--json", db=db))
    assert found["breaks"][0]["what"] == "Nobody took command of the drill."
    assert [i["inject"] for i in found["injects"]] == ["storm", "cto", "status-down", "away", "cdn"]
    event = ok("drill", "report", "--propose", "1", db=db).strip()
    assert len(event) == 26
    shown = json.loads(ok("follow-ups", "--json", "--drills", db=db))
    assert any(str(i["text"]).startswith("Define in the playbook who commands") for i in shown)
    missing = run_cli("drill", "report", "--propose", "99", db=db)
    assert missing.returncode != 0
    assert "there is no number 99" in missing.stderr


def test_replay_writes_a_scenario_the_drill_starts_from(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    incident = ok("new", "Checkout 500s", db=db).strip()
    ok("log", "Card payments fail with 502", "--kind", "observation", db=db)
    ok("log", "pg_stat_activity: every connection busy", "--kind", "finding", db=db)
    shown = ok("drill", "replay", incident[:10], "-o", "-", db=db)
    assert 'title = "EXERCISE (replay): Checkout 500s"' in shown
    assert 'kind = "finding_revealed"' in shown
    said = ok("drill", "replay", incident[:10], db=db).strip()
    assert said.startswith("Written the scenario to ")
    path = said.removeprefix("Written the scenario to ").split(";")[0]
    assert Path(path).name == f"replay-{incident[:10].lower()}.toml"
    assert "01-finding" in ok("drill", "start", path, db=db)  # its finding, to be revealed
