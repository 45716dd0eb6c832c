"""Rasa's CountVectorsFeaturizer, giving a message's text its sentence features only.

Rasa's also computes a row of counts for each word of the text (sequence
features), used by neural components (DIET, TED) only. The project's
classifier reads the sentence features alone (bot/classifier.py), and the
sequence features were a twelfth of the server's CPU under load
(docs/benchmarks.md). Sentence features are Rasa's own, so predictions are
identical. The other attributes (intents, actions) are featurized as Rasa does.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)

Matrices = List[Optional[scipy.sparse.spmatrix]]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    def _create_features(
        self, attribute: str, all_tokens: List[List[str]]
    ) -> Tuple[Matrices, Matrices]:
        vectorizer = self.vectorizers.get(attribute)
        if not vectorizer or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
            return super()._create_features(attribute, all_tokens)
        sentence_features: Matrices = []
        for tokens in all_tokens:
            if not tokens:
                sentence_features.append(None)
                continue
            counts = vectorizer.transform([" ".join(tokens)])  # as Rasa's
            counts.sort_indices()
            sentence_features.append(counts.tocoo())
        return [None] * len(all_tokens), sentence_features
