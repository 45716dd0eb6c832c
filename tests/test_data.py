"""The training data, the domain and the held-out set agree with each other."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.heldout import HELDOUT_SETS, load_cases, step_intents
from bot.settings import PROJECT_DIR
from bot.staff.checks import MIN_CASES_PER_TOPIC, check_heldout, check_heldout_apart
from bot.staff.validate import rasa_problems
from bot.topics import load_topics

MIN_EXAMPLES = 15
MIN_HELDOUT = 150


def _domain() -> dict:
    return yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))


def _ruled_intents() -> set:
    intents = set()
    for path in (PROJECT_DIR / "data" / "rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            intents.update(i for step in rule["steps"] for i in step_intents(step))
    return intents


def test_rasa_data_validate_passes_without_any_warning() -> None:
    # Read from Rasa's output by `bot validate`: the exit code misses some warnings.
    assert rasa_problems(PROJECT_DIR) == []


def test_topics_domain_and_rules_cover_the_same_intents() -> None:
    topics = set(load_topics())
    assert topics == set(_domain()["intents"])
    assert topics == _ruled_intents() - {"nlu_fallback"}


def test_every_topic_has_enough_distinct_examples() -> None:
    data = load_data(str(PROJECT_DIR / "data" / "nlu"))
    counts = Counter(m.get("intent") for m in data.intent_examples)
    assert {i: n for i, n in counts.items() if n < MIN_EXAMPLES} == {}
    assert set(counts) == set(load_topics())
    by_text = Counter(m.get("text").strip().lower() for m in data.intent_examples)
    assert [t for t, n in by_text.items() if n > 1] == []


@pytest.mark.parametrize("cases_file", HELDOUT_SETS)
def test_each_heldout_set_is_large_and_has_enough_cases_of_every_topic(cases_file: str) -> None:
    cases = load_cases(PROJECT_DIR / cases_file)
    assert len(cases) >= MIN_HELDOUT
    counts = Counter(c["expect"] for c in cases)
    assert set(counts) == set(load_topics())
    assert {t: n for t, n in counts.items() if n < MIN_CASES_PER_TOPIC} == {}


def test_bot_validate_finds_every_topic_tested_enough() -> None:
    assert check_heldout(PROJECT_DIR) == []


def test_no_heldout_case_is_a_near_copy_of_a_training_example() -> None:
    # No case the model would read almost as a training example (bot/similarity.py).
    assert [str(p) for p in check_heldout_apart(PROJECT_DIR)] == []


def test_contact_address_in_answers_only_comes_from_the_settings() -> None:
    text = yaml.safe_dump(_domain()["responses"], allow_unicode=True)
    assert "@" not in text
