"""`bot report`: what people asked over a period, in the terminal and as an HTML page."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.settings import PROJECT_DIR, load_settings
from bot.staff.conversations import Period, Turn, add_period_arguments, load_turns, period_of
from bot.staff.table import format_table, percent
from bot.topics import load_topics

NAME = "report"
REPORTS_DIR = PROJECT_DIR / "reports" / "equipe"  # git-ignored with reports/
TOP_TOPICS = 10
NOT_UNDERSTOOD = "Message non compris"


@dataclass(frozen=True)
class Stats:
    """Counts over a set of messages: a day, or the whole period."""

    conversations: int
    messages: int
    fallbacks: int
    escalations: int

    @classmethod
    def of(cls, turns: List[Turn]) -> Stats:
        return cls(
            conversations=len({t.sender for t in turns}),
            messages=len(turns),
            fallbacks=sum(t.fell_back for t in turns),
            escalations=sum(t.escalated for t in turns),
        )

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / self.messages if self.messages else 0.0

    @property
    def escalation_rate(self) -> float:
        return self.escalations / self.messages if self.messages else 0.0


@dataclass(frozen=True)
class Report:
    period: Period
    total: Stats
    days: List[Tuple[date, Stats]]
    topics: List[Tuple[str, int]]


def topic_label(turn: Turn) -> Optional[str]:
    """The topic a message asked about; None for answers inside the e-mail form."""
    if turn.in_form:
        return None
    if turn.intent == "nlu_fallback":
        return NOT_UNDERSTOOD
    topic = load_topics().get(turn.intent)
    return topic.label if topic else turn.intent


def build(turns: List[Turn], period: Period) -> Report:
    by_day: Dict[date, List[Turn]] = {}
    for turn in turns:
        by_day.setdefault(turn.when.date(), []).append(turn)
    topics = Counter(label for label in map(topic_label, turns) if label)
    return Report(
        period=period,
        total=Stats.of(turns),
        days=[(day, Stats.of(day_turns)) for day, day_turns in sorted(by_day.items())],
        topics=topics.most_common(TOP_TOPICS),
    )


DAY_HEADERS = ("Jour", "Conversations", "Messages", "Non compris", "Vers l'équipe")


def day_rows(report: Report) -> List[List[object]]:
    return [
        [
            day.strftime("%d/%m/%Y"),
            s.conversations,
            s.messages,
            percent(s.fallback_rate),
            percent(s.escalation_rate),
        ]
        for day, s in report.days
    ]


def terminal_text(report: Report) -> str:
    total = report.total
    lines = [
        f"Activité de l'assistant {report.period.describe()}",
        f"  Conversations : {total.conversations}",
        f"  Messages reçus : {total.messages}",
        f"  Messages non compris : {total.fallbacks} ({percent(total.fallback_rate)})",
        f"  Renvoyés vers l'équipe : {total.escalations} ({percent(total.escalation_rate)})",
        "",
        format_table(DAY_HEADERS, day_rows(report)),
        "",
        "Sujets les plus demandés :",
        format_table(["Sujet", "Messages"], [[label, n] for label, n in report.topics]),
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from bot.staff.report_html import html_page

    period = period_of(args)
    report = build(load_turns(load_settings(), period), period)
    print(terminal_text(report))
    path = (
        Path(args.output)
        if args.output
        else REPORTS_DIR / f"rapport-{datetime.now():%Y%m%d-%H%M%S}.html"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_page(report), encoding="utf-8")
    print(f"\nRapport avec graphiques : {path}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        NAME,
        help="statistiques des conversations sur une période (tableau et page HTML)",
        description="Compte, pour une période, les conversations et les messages, les sujets "
        "les plus demandés, la part des messages non compris et de ceux renvoyés vers "
        "l'équipe, jour par jour. Affiche un tableau et écrit une page HTML avec des "
        f"graphiques dans {REPORTS_DIR.relative_to(PROJECT_DIR)}/ (ou --output).",
    )
    add_period_arguments(parser)
    parser.add_argument("--output", metavar="FICHIER", help="où écrire la page HTML")
