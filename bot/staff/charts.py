"""Small inline SVG charts for the HTML report: no script, no network, print-friendly."""

from __future__ import annotations

from html import escape
from typing import Dict, List, Sequence

from bot.staff.table import percent as as_percent

COLOURS = ("#000091", "#e1000f", "#18753c", "#b34000")  # dark enough on white (3:1+)
WIDTH, HEIGHT, MARGIN = 720, 260, 40
MAX_BAR = 48


def _fmt(value: float, percent: bool) -> str:
    return as_percent(value) if percent else f"{value:g}"


def column_chart(
    title: str, labels: Sequence[str], series: Dict[str, Sequence[float]], percent: bool = False
) -> str:
    """Grouped columns, one group per label (a day), one column per series."""
    top = max([v for values in series.values() for v in values] + [0.01 if percent else 1])
    group_width = (WIDTH - 2 * MARGIN) / max(len(labels), 1)
    bar_width = min(group_width * 0.8 / max(len(series), 1), MAX_BAR)
    padding = (group_width - bar_width * len(series)) / 2  # centres each group
    plot_height = HEIGHT - 2 * MARGIN
    parts: List[str] = []
    for s, (name, values) in enumerate(series.items()):
        for i, value in enumerate(values):
            h = plot_height * value / top
            x = MARGIN + i * group_width + padding + s * bar_width
            y = HEIGHT - MARGIN - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(labels[i])} — '
                f"{escape(name)} : {_fmt(value, percent)}</title></rect>"
            )
            parts.append(
                f'<text x="{x + bar_width / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                f'font-size="11">{_fmt(value, percent)}</text>'
            )
    step = max(1, len(labels) // 12)  # at most about twelve dates under the axis
    parts += [
        f'<text x="{MARGIN + (i + 0.5) * group_width:.1f}" y="{HEIGHT - MARGIN + 16}" '
        f'text-anchor="middle" font-size="11">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % step == 0
    ]
    legend = "".join(
        f'<rect x="{MARGIN + i * 200}" y="8" width="12" height="12" '
        f'fill="{COLOURS[i % len(COLOURS)]}"/><text x="{MARGIN + i * 200 + 18}" y="19" '
        f'font-size="13">{escape(name)}</text>'
        for i, name in enumerate(series)
    )
    axis = (
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEIGHT - MARGIN}" stroke="#333"/>'
    )
    return _svg(title, legend + axis + "".join(parts), HEIGHT)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    """Horizontal bars, longest first, e.g. the topics asked most."""
    row, label_width = 24, 260
    height = MARGIN + row * len(labels)
    top = max([*values, 1])
    parts = []
    for i, (label, value) in enumerate(zip(labels, values)):
        y = 10 + i * row
        w = (WIDTH - label_width - 60) * value / top
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{row - 6}" '
            f'fill="{COLOURS[0]}"><title>{escape(label)} : {value:g}</title></rect>'
            f'<text x="{label_width + w + 6:.1f}" y="{y + 15}" font-size="13">{value:g}</text>'
        )
    return _svg(title, "".join(parts), height)


def _svg(title: str, body: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<g font-family="sans-serif" fill="#1e1e1e">{body}</g></svg>'
    )
