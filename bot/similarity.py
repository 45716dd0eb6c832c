"""How alike two texts look to the model: the held-out guard's measure.

A held-out case that differs from a training line only by accents, case or
punctuation is the same input to the classifier, so the guard reads text the
way the trained pipeline does. Nothing is re-implemented: the tokenizer and the
character n-gram featurizer are Rasa's components, built from config.yml.
Importing this module loads Rasa (and TensorFlow, about 5 s): import it only
where the guard runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from sklearn.preprocessing import normalize

# A held-out case at least this close to a training example measures recall, not
# understanding.
NEAR_DUPLICATE = 0.90


def _component(step: dict) -> object:
    """A pipeline step of config.yml as Rasa builds it; untrained, so no storage."""
    name = step["name"]
    component = DefaultV1Recipe._from_registry(name).clazz
    config = {**component.get_default_config(), **{k: v for k, v in step.items() if k != "name"}}
    context = ExecutionContext(GraphSchema({}), node_name=name)
    return component.create(config, None, None, context)


class ModelView:
    """The text of a message as the char_wb featurizer of the project's pipeline sees it."""

    def __init__(self, project: Path) -> None:
        pipeline = yaml.safe_load((project / "config.yml").read_text(encoding="utf-8"))["pipeline"]
        components = [_component(step) for step in pipeline]
        self.tokenizer = next(c for c in components if isinstance(c, Tokenizer))
        self.featurizer = next(
            c
            for c in components
            if isinstance(c, CountVectorsFeaturizer) and c.analyzer == "char_wb"
        )
        # The very vectorizer the featurizer fits at training (same n-gram range,
        # accents and case), fitted here on the texts compared.
        self.vectorizer = self.featurizer._create_independent_vocab_vectorizers(
            self.featurizer._config
        )[TEXT]

    def _tokens_text(self, text: str) -> str:
        """What the featurizer hands to the vectorizer: its processed tokens, joined."""
        message = Message(data={TEXT: text})
        self.tokenizer.process([message])
        return " ".join(self.featurizer._get_processed_message_tokens_by_attribute(message))

    def normalise(self, text: str) -> str:
        """The text whose character n-grams the model counts (no accents, lower case,
        punctuation split off as the tokenizer does, numbers as __number__)."""
        return self.vectorizer.build_preprocessor()(self._tokens_text(text))

    def similarities(self, texts: Sequence[str], others: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each text (rows) to each other (columns), over the
        n-grams each contains. Presence, not counts: counted, the letters and spaces
        any two French sentences share outweigh the rest, and two thirds of the held-out
        cases scored 0.90 or more against some training line, often of another
        topic; by presence, only rewordings of the same question do."""
        counts = self.vectorizer.fit_transform([self._tokens_text(t) for t in [*texts, *others]])
        unit = normalize((counts > 0).astype(float))
        return (unit[: len(texts)] @ unit[len(texts) :].T).toarray()

    def near_duplicates(
        self, texts: Sequence[str], others: Sequence[str]
    ) -> List[Tuple[int, int, float]]:
        """(i, j, similarity) for each text i whose closest other j is a near-duplicate."""
        if not texts or not others:
            return []
        scores = self.similarities(texts, others)
        best = scores.argmax(axis=1)
        return [
            (i, int(j), float(scores[i, j]))
            for i, j in enumerate(best)
            if scores[i, j] >= NEAR_DUPLICATE
        ]
