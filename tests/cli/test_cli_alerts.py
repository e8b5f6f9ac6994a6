"""`commander alerts …`: import a file, list the groups, triage one, receive in the
foreground and stop cleanly on Ctrl+C."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.conftest import ok, run_cli
from tests.core.test_alert_payloads import alert, webhook


def test_import_list_and_triage(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    hypothesis = ok("log", "DB pool exhausted", "--kind", "hypothesis", db=db).strip()
    storm = tmp_path / "storm.json"
    storm.write_text(json.dumps(webhook(*(alert(n) for n in range(30)), alert(99, service="db"))))
    assert ok("alerts", "import", str(storm), db=db).strip() == "31 new alert events, 0 repeats"
    assert ok("alerts", "import", str(storm), db=db).strip() == "0 new alert events, 31 repeats"
    listed = json.loads(ok("alerts", "list", "--json", db=db))
    assert listed["untriaged"] == 2
    payments = next(g for g in listed["groups"] if g["key"] == 'HighErrorRate{service="payments"}')
    assert (payments["alerts"], payments["state"]) == (30, "firing")
    text = ok("alerts", "list", db=db)
    assert payments["group_id"] in text
    assert "2 groups, 2 untriaged" in text
    ok("alerts", "triage", payments["group_id"], "symptom", "--hypothesis", "H1", db=db)
    after = json.loads(ok("alerts", "list", "--json", db=db))
    triaged = next(g for g in after["groups"] if g["group_id"] == payments["group_id"])
    assert (triaged["triage"], triaged["hypothesis"]) == ("symptom", hypothesis)
    assert after["untriaged"] == 1
    shown = ok("show", "--json", db=db)
    assert "Alerts HighErrorRate triaged: symptom of H1" in shown


def test_a_file_with_bad_rows_names_each_line_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    export = tmp_path / "alerts.csv"
    export.write_text("alertname,status\nA,firing\n,firing\nB,sideways\n")
    result = run_cli("alerts", "import", str(export), db=db)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"commander: {export}: Line 3:")
    assert lines[1].startswith(f"commander: {export}: Line 4:")
    assert "nothing was imported" in lines[2]
    assert json.loads(ok("alerts", "list", "--json", db=db))["groups"] == []


def test_a_bad_triage_is_one_plain_line(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    result = run_cli("alerts", "triage", "abcd", "noise", db=db)
    assert result.returncode == 1
    assert result.stderr.strip() == "commander: This incident has no alerts yet."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_receive_in_the_foreground_and_stop_with_ctrl_c(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    ok("new", "Checkout 500s", db=db)
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "commander_app", "--db", str(db), "alerts", "receive",
         "--port", str(port), "--token-file", str(token)],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        first = process.stderr.readline()  # written once it listens
        assert f"receiving alerts on http://127.0.0.1:{port}/alerts" in first
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/alerts",
            data=json.dumps(webhook(alert(1))).encode(),
            headers={"Authorization": "Bearer s3cret"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["written"] == 1
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "stopped" in err
    assert "Traceback" not in err
    assert json.loads(ok("alerts", "list", "--json", db=db))["groups"][0]["alerts"] == 1


def test_the_noise_report_as_text_json_and_csv_and_a_proposal(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    incident = ok("new", "Checkout 500s", db=db).strip()
    formula = {**alert(7), "fingerprint": "fx"}
    formula["labels"] = {"alertname": '=HYPERLINK("http://x")', "service": "payments"}
    formula["annotations"] = {}
    storm = tmp_path / "storm.json"
    storm.write_text(json.dumps(webhook(*(alert(n) for n in range(3)), formula)))
    ok("alerts", "import", str(storm), db=db)
    ok("alerts", "triage", "HighErrorRate", "noise", db=db)
    text = ok("alerts", "report", db=db)
    assert "Noise report: 1 incidents" in text
    assert "HighErrorRate" in text
    assert "Triaged noise in 1 of 1 triaged groups and never a cause" in text
    report = json.loads(ok("alerts", "report", "--json", db=db))
    rows = {r["alert"]: r for r in report["alerts"]}
    assert rows["HighErrorRate"]["proposal"] == "delete"
    assert rows["HighErrorRate"]["alerts"] == 3
    assert rows['=HYPERLINK("http://x")']["proposal"] == "add_context"
    out_csv = tmp_path / "noise.csv"
    ok("alerts", "report", "--csv", "-o", str(out_csv), db=db)
    lines = out_csv.read_text().splitlines()
    assert lines[0].startswith("alert,incident,incidents,alerts,firings")
    assert any(line.startswith('"\'=HYPERLINK(""http://x"")"') for line in lines), lines
    assert not any(line.startswith("=") for line in lines)
    made = ok("alerts", "report", "--propose", "HighErrorRate", db=db).strip()
    shown = ok("show", "--json", db=db)
    assert made in shown
    assert "Delete the alert rule HighErrorRate" in shown
    assert incident
    refused = run_cli("alerts", "report", "--propose", "NoSuchAlert", db=db)
    assert refused.returncode != 0
    assert "No alert named 'NoSuchAlert'" in refused.stderr
    assert "Traceback" not in refused.stderr
