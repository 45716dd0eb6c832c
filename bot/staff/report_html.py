"""The HTML page of `bot report`: one self-contained file, charts as inline SVG."""

from __future__ import annotations

from html import escape
from typing import Sequence

from bot.staff.charts import bar_chart, column_chart
from bot.staff.report import DAY_HEADERS, Report, day_rows
from bot.staff.table import percent

STYLE = """
body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1e1e1e; line-height: 1.5; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; list-style: none; }
.figures li { border: 1px solid #929292; padding: .75rem 1rem; min-width: 10rem; }
.figures strong { display: block; font-size: 1.8rem; }
table { border-collapse: collapse; margin: 1rem 0 2rem; }
th, td { border: 1px solid #929292; padding: .25rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_page(report: Report) -> str:
    total = report.total
    days = [d.strftime("%d/%m") for d, _ in report.days]
    stats = [s for _, s in report.days]
    figures = "".join(
        f"<li><strong>{escape(value)}</strong>{escape(label)}</li>"
        for value, label in [
            (str(total.conversations), "conversations"),
            (str(total.messages), "messages reçus"),
            (percent(total.fallback_rate), "non compris"),
            (percent(total.escalation_rate), "renvoyés vers l'équipe"),
        ]
    )
    volume = column_chart(
        "Conversations et messages par jour",
        days,
        {
            "Conversations": [s.conversations for s in stats],
            "Messages": [s.messages for s in stats],
        },
    )
    rates = column_chart(
        "Part des messages non compris et renvoyés vers l'équipe, par jour",
        days,
        {
            "Non compris": [s.fallback_rate for s in stats],
            "Vers l'équipe": [s.escalation_rate for s in stats],
        },
        percent=True,
    )
    topics = bar_chart(
        "Sujets les plus demandés", [t for t, _ in report.topics], [n for _, n in report.topics]
    )
    title = escape(f"Activité de l'assistant {report.period.describe()}")
    return f"""<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>{title}</title><style>{STYLE}</style></head>
<body>
<h1>{title}</h1>
<ul class="figures">{figures}</ul>
<h2>Conversations et messages par jour</h2>
{volume}
<h2>Messages non compris et renvoyés vers l'équipe</h2>
{rates}
<h2>Sujets les plus demandés</h2>
{topics}
<h2>Détail par jour</h2>
{_table(DAY_HEADERS, day_rows(report))}
<h2>Détail des sujets</h2>
{_table(["Sujet", "Messages"], report.topics)}
</body>
</html>
"""
