"""Variations of config.yml that the benchmark also measures (docs/benchmarks.md).

Each is config.yml with one choice changed, so they follow config.yml when it
changes. They answer the questions of choosing a pipeline by numbers: is a
neural classifier or a dialogue model worth its cost here, what do the
character n-grams and accent stripping bring, and what did issue 11's choices
(TF-IDF weighting, C, the fallback threshold) change?
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import yaml

Config = Dict[str, list]

DIET = {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True}
TED = {"name": "TEDPolicy", "max_history": 5, "epochs": 100, "constrain_similarities": True}


def _is_classifier(component: dict) -> bool:
    return component["name"].endswith("LogisticRegressionClassifier")


def _rasa_featurizers(config: Config) -> None:
    """Neural components read the per-word features that the project's featurizer skips;
    Rasa's featurizer gives raw counts (no `tfidf` option)."""
    for component in config["pipeline"]:
        if component["name"].endswith("SentenceCountVectorsFeaturizer"):
            component["name"] = "CountVectorsFeaturizer"
            component.pop("tfidf", None)


def diet_classifier(config: Config) -> None:
    _rasa_featurizers(config)
    config["pipeline"] = [DIET if _is_classifier(c) else c for c in config["pipeline"]]


def dialogue_models(config: Config) -> None:
    _rasa_featurizers(config)
    config["policies"] = [{"name": "MemoizationPolicy"}, *config["policies"], TED]


def words_only(config: Config) -> None:
    config["pipeline"] = [c for c in config["pipeline"] if c.get("analyzer") != "char_wb"]


def accents_kept(config: Config) -> None:
    for component in config["pipeline"]:
        component.pop("strip_accents", None)


def fallback_at_04(config: Config) -> None:
    for component in config["pipeline"]:
        if component["name"] == "FallbackClassifier":
            component["threshold"] = 0.4


def before_issue_11(config: Config) -> None:
    """Raw counts, Rasa's C (1.0) and the 0.4 threshold: the pipeline issue 11 started from.
    (Raw counts with C 30 are not measured: the regression then takes minutes to fit.)"""
    fallback_at_04(config)
    for component in config["pipeline"]:
        component.pop("tfidf", None)
        if _is_classifier(component):
            component.pop("C", None)


ALTERNATIVES: Tuple[Tuple[str, Callable[[Config], None]], ...] = (
    ("DIETClassifier instead of the logistic regression", diet_classifier),
    ("plus MemoizationPolicy and TEDPolicy", dialogue_models),
    ("words only, no character n-grams", words_only),
    ("accents kept (no strip_accents)", accents_kept),
    ("FallbackClassifier threshold 0.4", fallback_at_04),
    ("raw counts, C 1, threshold 0.4 (before issue 11)", before_issue_11),
)


def write_alternatives(config: Path, out_dir: Path) -> List[Tuple[str, Path]]:
    """Writes each alternative of `config` into `out_dir`; returns (description, path)."""
    base = yaml.safe_load(config.read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for number, (description, change) in enumerate(ALTERNATIVES):
        alternative = copy.deepcopy(base)
        change(alternative)
        path = out_dir / f"alternative-{number}.yml"
        path.write_text(yaml.safe_dump(alternative, allow_unicode=True), encoding="utf-8")
        written.append((description, path))
    return written
