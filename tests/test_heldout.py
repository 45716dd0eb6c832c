"""Both held-out sets, sent through the real REST channel, must mostly get the right answer.

The floors are where the model of this commit stands (docs/heldout.md), so that
a change of data or pipeline that loses ground fails `make test`; issue 11's
targets (97 % each, no topic below 85 %) are higher and not all met yet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.heldout import HELDOUT_SETS, evaluate, load_cases, report, score, topic_scores
from bot.settings import PROJECT_DIR
from tests.assistant import Assistant

# Per set: the least overall score, and the least score of any one topic.
FLOORS = {
    "tests/heldout.yml": (0.97, 0.75),
    "tests/heldout-situations.yml": (0.95, 0.75),
}


@pytest.mark.parametrize("cases_file", HELDOUT_SETS)
def test_heldout_score(assistant: Assistant, cases_file: str) -> None:
    results = evaluate(assistant.rest_url, load_cases(PROJECT_DIR / cases_file))
    reports = PROJECT_DIR / "reports"
    reports.mkdir(exist_ok=True)
    (reports / f"{Path(cases_file).stem}.md").write_text(report(results), encoding="utf-8")
    least, least_per_topic = FLOORS[cases_file]
    assert score(results) >= least, report(results)
    weakest = {t: s for t, s in topic_scores(results).items() if s < least_per_topic}
    assert weakest == {}, report(results)
