"""The drill report as the facilitator's window shows it."""

from __future__ import annotations

from html import escape

from commander_app.core.times import format_duration
from commander_app.store.drill_report import read_drill_report
from commander_app.store.incident_log import IncidentLog

_MARK = {True: "✔", False: "✘", None: "·"}
PROPOSE = "propose:"  # a break's link: its number follows


def report_html(log: IncidentLog, incident_id: str) -> str:
    report = read_drill_report(log, incident_id)
    rows = "".join(
        f"<tr><td>{_MARK[m.ok]}</td><td>{escape(m.label)}</td><td>{escape(m.value)}</td></tr>"
        for m in report.measures
    )
    injects = "".join(
        f"<tr><td>{escape(i.inject_id)}</td><td>{escape(i.state.value)}</td>"
        f"<td>{'T+' + format_duration(i.fired_after.total_seconds()) if i.fired_after else '—'}"
        f"</td><td>{escape(i.answer)}</td></tr>"
        for i in report.injects
    )
    if report.breaks:
        breaks = "".join(
            f"<li>{escape(b.what)}<br><i>→ {escape(b.follow_up)}</i> "
            f"(<a href='{PROPOSE}{n}'>make it a follow-up</a>)</li>"
            for n, b in enumerate(report.breaks, start=1)
        )
        broke = f"<h3>Where the playbook broke</h3><ol>{breaks}</ol>"
    else:
        broke = "<h3>The playbook held.</h3>"
    return (
        f"<h2>{escape(report.title)}</h2><p>Scenario {escape(report.scenario)}</p>"
        f"<table cellpadding=3>{rows}</table><h3>Injects</h3>"
        f"<table cellpadding=3><tr><th>Inject</th><th>State</th><th>Fired</th>"
        f"<th>Answer</th></tr>{injects}</table>{broke}"
    )
