"""The process review as Markdown (a table per incident, text bars on one time scale) and
as one self-contained HTML page (the same tables, the bars drawn with inline CSS)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from html import escape

from commander_app.core.delay_causes import CAUSE_LABELS
from commander_app.core.postmortem_html import html_page, markdown_body
from commander_app.core.process_review import (
    PHASE_KINDS,
    IncidentReview,
    Phase,
    SetReview,
)
from commander_app.core.times import format_clock, format_duration, from_iso

BAR_COLUMNS = 60
SHORT_ID = 10
# The bars' colours in HTML, one per phase (the Markdown draws them with PhaseKind.mark).
PHASE_COLOURS = {
    "detected": "#d9a441",
    "correct": "#c0504d",
    "mitigated": "#4f81bd",
    "resolved": "#9bbb59",
}


def _name(review: IncidentReview) -> str:
    drill = " [DRILL]" if review.state.is_drill else ""
    return f"{review.state.id[:SHORT_ID]} “{review.state.title}”{drill}"


def bar_scale(reviews: Sequence[IncidentReview]) -> float:
    """The longest measured span of the set, in seconds: the shared axis's length."""
    return max((_span(r) for r in reviews), default=0.0) or 1.0


def _span(review: IncidentReview) -> float:
    origin = review.origin
    ends = [p.end.at for p in review.phases if p.seconds is not None and p.end.at]
    if origin is None or not ends:
        return 0.0
    return max((from_iso(e) - from_iso(origin)).total_seconds() for e in ends)


def bar_segments(
    review: IncidentReview, scale: float, width: float
) -> list[tuple[str, float, float]]:
    """Each measured phase as (phase key, offset, length) in units of `width`."""
    origin = review.origin
    result = []
    for phase in review.phases:
        if phase.seconds is None or origin is None or phase.start is None or not phase.start.at:
            continue
        offset = (from_iso(phase.start.at) - from_iso(origin)).total_seconds()
        result.append((phase.kind.key, offset / scale * width, phase.seconds / scale * width))
    return result


def bar_label(review: IncidentReview, zone: tzinfo) -> str:
    """'Search latency · 21 Nov [DRILL]': two incidents of one title stay apart."""
    state = review.state
    when = review.origin or state.opened_at
    day = f" · {from_iso(when).astimezone(zone):%d %b}" if when else ""
    return f"{state.title}{day}{' [DRILL]' if state.is_drill else ''}"


def bar_total(review: IncidentReview) -> float | None:
    """From the bar's start to its last measured milestone; None when nothing is measured."""
    measured = any(p.seconds is not None for p in review.phases)
    return _span(review) if measured and review.origin else None


def phase_tooltip(review: IncidentReview, phase: Phase, zone: tzinfo) -> str:
    """What a segment says on hover: the phase, its local times, its length and, for the
    slowest phase, the longest gap in it and what the log says held it up."""
    origin = from_iso(review.origin or review.state.opened_at or "2000-01-01T00:00:00Z")

    def when(iso: str | None) -> str:
        return format_clock(iso, origin, zone) if iso else "—"

    start = phase.start.at if phase.start else None
    lines = [
        f"{phase.kind.name} ({phase.kind.span})",
        f"{when(start)} → {when(phase.end.at)} ({format_duration(phase.seconds or 0)})",
    ]
    if phase.note:
        lines.append(phase.note)
    if review.slowest is phase:
        lines.append("The slowest phase of this incident.")
        if review.gap is not None:
            gap = review.gap
            lines.append(
                f"Longest gap: {when(gap.start)} → {when(gap.end)} "
                f"({format_duration(gap.seconds)}): {gap.cause.text}"
            )
    return "\n".join(lines)


# Steps an axis can tick at, in seconds: round numbers a person reads at a glance.
_TICK_STEPS = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def axis_ticks(scale: float, most: int) -> list[tuple[float, str]]:
    """Ticks from 0 to `scale` seconds, at most `most` of them after 0, each with its
    label ('0', '10m', '1h', '1h30'), on the smallest round step that fits."""
    most = max(most, 1)
    day = _TICK_STEPS[-1]
    step = float(next((s for s in _TICK_STEPS if scale / s <= most), 0))
    if not step:
        step = day * -(-scale // (day * most))  # whole days, rounded up
    count = int(scale // step)
    return [(i * step, tick_label(i * step)) for i in range(count + 1)]


def tick_label(seconds: float) -> str:
    total = int(seconds)
    if total == 0:
        return "0"
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m"
    hours, minutes = divmod(total // 60, 60)
    if hours < 24:
        return f"{hours}h" if minutes == 0 else f"{hours}h{minutes:02d}"
    days, hours = divmod(hours, 24)
    return f"{days}d" if hours == 0 else f"{days}d{hours:02d}h"


def text_bars(review: SetReview) -> list[str]:
    """One line per incident, `BAR_COLUMNS` wide on one scale, then the axis and legend."""
    scale = bar_scale(review.incidents)
    marks = {k.key: k.mark for k in PHASE_KINDS}
    labels = [_name(r) for r in review.incidents]
    pad = max((len(label) for label in labels), default=0)
    lines = []
    for r, label in zip(review.incidents, labels, strict=True):
        row = [" "] * BAR_COLUMNS
        for key, offset, length in bar_segments(r, scale, BAR_COLUMNS):
            first, last = round(offset), round(offset + length)
            if length > 0 and last == first:
                last = first + 1  # a phase too short for a column still shows
            for column in range(first, min(last, BAR_COLUMNS)):
                row[column] = marks[key]
        lines.append(f"{label.ljust(pad)} │{''.join(row).rstrip()}")
    end = format_duration(scale)
    lines.append(f"{''.ljust(pad)} └{'─' * (BAR_COLUMNS - 1)}┘")
    lines.append(f"{''.ljust(pad)}  0{end.rjust(BAR_COLUMNS - 1)}")
    lines.append("Legend: " + "  ".join(f"{k.mark} {k.name} ({k.span})" for k in PHASE_KINDS))
    return lines


def incident_markdown(review: IncidentReview, zone: tzinfo) -> list[str]:
    state = review.state
    origin = from_iso(review.origin or state.opened_at or "2000-01-01T00:00:00Z")

    def when(iso: str | None) -> str:
        return format_clock(iso, origin, zone) if iso else "—"

    lines = [
        f"## {_name(review)}",
        "",
        f"{state.severity.value}, opened {_local(state.opened_at, zone)}"
        if state.opened_at
        else state.severity.value,
        "",
        "| Phase | From | To | Duration | Note |",
        "|---|---|---|---|---|",
    ]
    for p in review.phases:
        start = f"{p.start.name} {when(p.start.at)}" if p.start else "—"
        duration = format_duration(p.seconds) if p.seconds is not None else "—"
        lines.append(
            f"| {p.kind.name} | {start} | {p.end.name} {when(p.end.at)} | {duration} "
            f"| {_cell(p.note or '')} |"
        )
    lines.append("")
    correct = review.correct or f"none ({review.correct_note})"
    lines.append(f"- **Correct hypothesis:** {_cell(correct)}")
    found = review.figures.get("time_to_correct_hypothesis")
    if found is not None:
        why = f" ({found.note})" if found.note else ""
        value = format_duration(found.value) if found.value is not None else "—"
        lines.append(f"- **{found.label}:** {value}{why}")  # the report's one duration form
    if review.correct_to_resolved is not None:
        to_resolved = format_duration(review.correct_to_resolved)
    else:
        to_resolved = f"— ({review.correct_note})"
    lines.append(f"- **Correct hypothesis → resolved:** {to_resolved}")
    if review.slowest is None:
        lines.append("- **Slowest phase:** — (no phase could be measured)")
    else:
        slow = review.slowest
        lines.append(
            f"- **Slowest phase:** {slow.kind.name} ({format_duration(slow.seconds or 0)})"
        )
    if review.gap is not None:
        gap = review.gap
        lines.append(
            f"- **Longest gap in it:** {when(gap.start)} → {when(gap.end)} "
            f"({format_duration(gap.seconds)}): {_cell(gap.cause.text)}"
        )
    lines.append("")
    return lines


def set_markdown(review: SetReview, zone: tzinfo) -> list[str]:
    n = len(review.incidents)
    lines = ["## Across these incidents", ""]
    if not review.repeats:
        lines.append(
            f"No bottleneck repeats across these {n} incidents."
            if n > 1
            else "One incident: nothing repeats yet."
        )
    for repeat in review.repeats:
        ids = ", ".join(i[:SHORT_ID] for i in repeat.incidents)
        lines.append(
            f"- **Repeats:** {repeat.label}: {len(repeat.incidents)} of {_count(n)} ({ids})"
        )
    counted = [f"{CAUSE_LABELS[key]} {count}" for key, count in review.causes.most_common()]
    if counted:
        lines += ["", f"Longest gaps by cause: {', '.join(counted)}."]
    lines += ["", "| Phase | Median | IQR | n |", "|---|---|---|---|"]
    for m in review.medians:
        median = format_duration(m.median) if m.median is not None else "—"
        iqr = (
            f"{format_duration(m.q1)} – {format_duration(m.q3)}"
            if m.q1 is not None and m.q3 is not None
            else "—"
        )
        lines.append(f"| {m.kind.name} ({m.kind.span}) | {median} | {iqr} | {m.n} |")
    lines.append("")
    return lines


def review_markdown(review: SetReview, zone: tzinfo) -> str:
    lines = [f"# Process review: {_count(len(review.incidents))}", ""]
    if not review.incidents:
        return "\n".join([*lines, "No incidents to review."]) + "\n"
    lines += ["```text", *text_bars(review), "```", ""]
    for r in review.incidents:
        lines += incident_markdown(r, zone)
    lines += set_markdown(review, zone)
    return "\n".join(lines)


def review_details_markdown(review: SetReview, zone: tzinfo, *, summary_first: bool = False) -> str:
    """The review without its title and bars (drawn elsewhere): each incident's table and
    what repeats with the median per phase (first on a screen, where it is read first)."""
    if not review.incidents:
        return "No incidents to review.\n"
    lines = []
    for r in review.incidents:
        lines += incident_markdown(r, zone)
    summary = set_markdown(review, zone)
    return "\n".join([*summary, *lines] if summary_first else [*lines, *summary])


_BAR_STYLE = """
.bars { margin: 1rem 0; } .bar-row { display: flex; align-items: center; margin: 0.2rem 0; }
.bar-label { width: 16rem; font-size: 0.85rem; overflow: hidden; white-space: nowrap;
             text-overflow: ellipsis; } .bar { position: relative; flex: 1; height: 1.1rem;
             background: #f2f2f5; } .seg { position: absolute; top: 0; bottom: 0; }
.axis { display: flex; justify-content: space-between; margin-left: 16rem;
        font-size: 0.8rem; color: #55555a; } .legend span { margin-right: 1rem; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; }
"""


def review_html(review: SetReview, zone: tzinfo) -> str:
    """One page with no external resources: bars in inline CSS (widths in %), tables."""
    scale = bar_scale(review.incidents)
    rows = []
    for r in review.incidents:
        segments = "".join(
            f'<div class="seg" title="{escape(_phase_name(key))}" style="left:{offset:.2f}%;'
            f'width:{length:.2f}%;background:{PHASE_COLOURS[key]}"></div>'
            for key, offset, length in bar_segments(r, scale, 100.0)
        )
        rows.append(
            f'<div class="bar-row"><div class="bar-label">{escape(_name(r))}</div>'
            f'<div class="bar">{segments}</div></div>'
        )
    legend = "".join(
        f'<span><span class="swatch" style="background:{PHASE_COLOURS[k.key]}"></span>'
        f"{escape(k.name)} ({escape(k.span)})</span>"
        for k in PHASE_KINDS
    )
    bars = (
        f'<div class="bars">{"".join(rows)}<div class="axis"><span>0</span>'
        f"<span>{escape(format_duration(scale))}</span></div>"
        f'<p class="legend">{legend}</p></div>\n'
    )
    title = f"Process review: {_count(len(review.incidents))}"
    body = f"<h1>{escape(title)}</h1>\n{bars if review.incidents else ''}"
    body += markdown_body(review_details_markdown(review, zone))
    return html_page(title, body, extra_style=_BAR_STYLE)


def _count(n: int) -> str:
    return "1 incident" if n == 1 else f"{n} incidents"


def _local(iso: str, zone: tzinfo) -> str:
    """'2026-11-28 15:00 CET': the date, the time and the zone it is read in."""
    moment = from_iso(iso).astimezone(zone)
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".rstrip()


def _phase_name(key: str) -> str:
    return next(k.name for k in PHASE_KINDS if k.key == key)


def _cell(text: str) -> str:
    """Text inside a table row: a pipe would end the cell."""
    return text.replace("|", "\\|").replace("\n", " ")
