"""The trends as one self-contained HTML page: for each figure its chart (SVG drawn by
the window's painter, passed in) and its table, then the follow-up completion. Inline
CSS, no scripts or links, so it opens anywhere and can be attached to a review.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from commander_app.core.follow_up_trends import Completion
from commander_app.core.trends import FEW, Trend, shown

_STYLE = """
body { font-family: system-ui, sans-serif; color: #1f2328; margin: 2em auto; max-width: 62em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.few { color: #6e7781; } .note { color: #57606a; font-size: 0.9em; }
svg { max-width: 100%; height: auto; }
"""


def trends_html(
    title: str,
    scope: str,
    trends: Sequence[Trend],
    completion: Sequence[Completion] | None,
    charts: Mapping[str, str],
) -> str:
    """`scope` says what was counted ("42 resolved incidents, by month, SEV1 only");
    `charts` maps a figure's key to its SVG text (a figure without one shows its table)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(scope)}</p>",
        '<p class="note">Each figure per period: the median and the interquartile range '
        f"(the middle half of the incidents) with n, never a mean. Fewer than {FEW} "
        "incidents in a period are too few to read a trend from: they are shown faded.</p>",
    ]
    for trend in trends:
        parts.append(f"<h2>{html.escape(trend.label)}</h2>")
        svg = charts.get(trend.key)
        if svg:
            parts.append(_inline(svg))
        parts.append(_trend_table(trend))
    if completion is not None:
        parts += ["<h2>Follow-up completion</h2>", _completion_table(completion)]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _inline(svg: str) -> str:
    """The SVG element itself, without the XML prologue a file of its own starts with."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else ""


def _trend_table(trend: Trend) -> str:
    rows = [
        "<table><tr><th>Period</th><th>n</th><th>Median</th><th>IQR</th>"
        "<th>Without a value</th></tr>"
    ]
    for s in trend.buckets:
        css = ' class="few"' if s.too_few else ""
        iqr = f"{shown(s.q1, trend.unit)} – {shown(s.q3, trend.unit)}" if s.n else "—"
        rows.append(
            f"<tr{css}><td>{html.escape(s.bucket)}</td><td>{s.n}</td>"
            f"<td>{html.escape(shown(s.median, trend.unit))}</td><td>{html.escape(iqr)}</td>"
            f"<td>{s.missing}</td></tr>"
        )
    if not trend.buckets:
        rows.append('<tr><td colspan="5">No incidents with these filters.</td></tr>')
    rows.append("</table>")
    return "".join(rows)


def _completion_table(rows: Sequence[Completion]) -> str:
    head = (
        "<table><tr><th>Period</th><th>Written</th><th>Done</th><th>Dropped</th>"
        "<th>Open at end</th><th>Overdue at end</th><th>Days to done: median (IQR), n</th>"
        "<th>Done by due date</th></tr>"
    )
    body = []
    for r in rows:
        days = (
            f"{r.days_median:.1f} ({r.days_q1:.1f} – {r.days_q3:.1f}), n={r.days_n}"
            if r.days_n
            else "—"
        )
        share = f"{r.done_by_due}/{r.due} ({r.share_within_due:.0%})" if r.due else "—"
        css = ' class="few"' if r.too_few else ""
        body.append(
            f"<tr><td>{html.escape(r.bucket)}</td><td>{r.opened}</td><td>{r.done}</td>"
            f"<td>{r.dropped}</td><td>{r.open_at_end}</td><td>{r.overdue_at_end}</td>"
            f"<td{css}>{html.escape(days)}</td><td>{html.escape(share)}</td></tr>"
        )
    if not rows:
        body.append('<tr><td colspan="8">No follow-ups with these filters.</td></tr>')
    return head + "".join(body) + "</table>"


def scope_text(
    count: int,
    period: str,
    severities: Sequence[str] = (),
    service: str | None = None,
    drills: bool = False,
) -> str:
    """What a trend counted, in one line: '42 resolved incidents, by month; SEV1, SEV2;
    service checkout'."""
    what = "drill" if drills else "resolved incident"
    parts = [f"{count} {what}{'' if count == 1 else 's'}, by {period}"]
    if severities:
        parts.append(", ".join(severities))
    if service and service.strip():
        parts.append(f"service {service.strip()}")
    return "; ".join(parts)
