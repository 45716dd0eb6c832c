"""The held-out guard's measure (bot/similarity.py), on the real training data and
the pipeline of config.yml."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.similarity import NEAR_DUPLICATE, ModelView
from bot.staff.checks import read_examples
from tests.assistant import PROJECT_DIR
from tests.project_copy import copy_project

TRAINING_LINE = "c'est quoi les cordées de la réussite ?"  # data/nlu/education.yml


@pytest.fixture(scope="module")
def view() -> ModelView:
    return ModelView(PROJECT_DIR)


@pytest.fixture(scope="module")
def training() -> list:
    return [example.text for example in read_examples(PROJECT_DIR)[0]]


def test_text_is_normalised_as_the_featurizer_reads_it(view: ModelView) -> None:
    assert view.normalise("L'École OUVERTE,  c'est quoi ?!") == "l ecole ouverte c est quoi"
    assert view.normalise("j'ai 19 ans") == "j ai __number__ ans"


@pytest.mark.parametrize(
    "variant",
    [
        "C'EST QUOI LES CORDEES DE LA REUSSITE",  # case and accents
        "c est quoi les cordées de la réussite !!!",  # apostrophe and punctuation
        "les cordées de la réussite, c'est quoi ?",  # the same words in another order
    ],
)
def test_a_variant_of_a_training_line_is_a_near_duplicate(
    view: ModelView, training: list, variant: str
) -> None:
    assert TRAINING_LINE in training
    [(_, closest, score)] = view.near_duplicates([variant], training)
    assert training[closest] == TRAINING_LINE
    assert score >= NEAR_DUPLICATE


@pytest.mark.parametrize(
    "sentence",
    [
        "pouvez-vous me dire comment mon fils de quatrième peut rejoindre une cordée ?",
        # Counted rather than present, the letters of this distress call made it
        # 0.91 similar to a long question about parents at school.
        "au secours mon mari me frappe et il est a cote de moi",
    ],
)
def test_a_different_sentence_is_not_a_near_duplicate(
    view: ModelView, training: list, sentence: str
) -> None:
    assert view.near_duplicates([sentence], training) == []


def test_the_ngram_range_comes_from_config_yml(tmp_path: Path) -> None:
    assert ModelView(PROJECT_DIR).vectorizer.ngram_range == (1, 4)
    project = copy_project(tmp_path)
    config = project / "config.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("max_ngram: 4", "max_ngram: 2"),
        encoding="utf-8",
    )
    assert ModelView(project).vectorizer.ngram_range == (1, 2)
