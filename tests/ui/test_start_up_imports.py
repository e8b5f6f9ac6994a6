"""Start-up must not grow with features: the window's first paint loads none of the heavy
modules (the template engine, HTTP, SMTP, the keyring, the migrations' sqlite-utils) nor
the screens, parsers and clients that load on first use. Ruff bans importing the heavy
ones at module level (pyproject.toml); this checks what a real start-up loads."""

from __future__ import annotations

from pathlib import Path

from tests.support.first_paint import after_first_paint

HEAVY = ("jinja2", "requests", "sqlite_utils", "keyring", "socket", "smtplib", "markdown_it",
         "yaml", "mdit_py_plugins")  # fmt: skip
FIRST_USE = (
    "commander_app.core.templates",
    "commander_app.publish",
    "commander_app.ui.follow_ups.follow_ups_view",
    "commander_app.ui.postmortem.postmortem_dialog",
    "commander_app.ui.publish.outbox_dialog",
    "commander_app.store.import_stage",
    "commander_app.core.trends",
    "commander_app.core.history_csv",
    "commander_app.core.follow_up_trends",
    "commander_app.core.trends_report",
    "commander_app.core.incident_table",
    "commander_app.ui.metrics",
    "commander_app.core.alert_payloads",
    "commander_app.core.alerts",
    "commander_app.store.alert_projection",
    "commander_app.store.alerts",
    "commander_app.cli.alert_commands",
    "commander_app.core.alert_noise",
    "commander_app.core.alert_noise_export",
    "commander_app.core.alert_pull",
    "commander_app.store.alert_noise",
    "commander_app.ui.alerts",
    "commander_app.core.runbook",
    "commander_app.store.runbook",
    "commander_app.cli.runbook_commands",
    "commander_app.cli.runbook_draft_commands",
    "commander_app.ui.runbooks",
    "commander_app.core.drill_scenario",
    "commander_app.core.drill_schedule",
    "commander_app.core.drill_injects",
    "commander_app.store.drills",
    "commander_app.store.drill_scenarios",
    "commander_app.cli.drill_commands",
    "commander_app.core.drill_report",
    "commander_app.store.drill_report",
    "commander_app.cli.drill_report_commands",
    "commander_app.core.drill_replay",
    "commander_app.store.drill_replay",
    "commander_app.ui.drills",
    "commander_app.team",
    "commander_app.store.team_state",
    "commander_app.store.team_pull",
    "commander_app.core.team_status",
    "commander_app.ui.team_desk",
    "commander_app.cli.team_commands",
    "psycopg",
    "commander_app.core.sync_conflicts",
    "commander_app.store.seen",
    "commander_app.ui.conflicts_dialog",
    "commander_app.cli.conflict_commands",
)


def test_the_windows_first_paint_loads_no_heavy_module(tmp_path: Path) -> None:
    loaded = after_first_paint(
        tmp_path,
        f"print(*sorted(m for m in sys.modules if m in {HEAVY!r} or m.startswith({FIRST_USE!r})))",
    )
    assert loaded.strip() == ""
