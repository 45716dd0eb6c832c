"""The held-out set, sent through the real REST channel, must mostly get the right answer."""

from __future__ import annotations

from bot.heldout import evaluate, report, score
from bot.settings import PROJECT_DIR
from tests.assistant import Assistant

MIN_SCORE = 0.90


def test_heldout_score(assistant: Assistant) -> None:
    results = evaluate(assistant.rest_url)
    reports = PROJECT_DIR / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "heldout.md").write_text(report(results), encoding="utf-8")
    assert score(results) >= MIN_SCORE, report(results)
