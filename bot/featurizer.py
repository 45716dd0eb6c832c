"""Rasa's CountVectorsFeaturizer, giving a message's text its sentence features only.

Rasa's also computes a row of counts for each word of the text (sequence
features), used by neural components (DIET, TED) only. The project's
classifier reads the sentence features alone (bot/classifier.py), and the
sequence features were a twelfth of the server's CPU under load
(docs/benchmarks.md). Sentence features are Rasa's own, so predictions are
identical. The other attributes (intents, actions) are featurized as Rasa does.

With `tfidf: true` the text's counts are weighted as scikit-learn's
`TfidfVectorizer(sublinear_tf=True)` weighs them (1 + log of the count, times
the word's inverse document frequency in the training data, L2-normalised).
Raw counts let a long message, which people write when they describe their
situation, outweigh the words that name its topic (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfTransformer

Matrices = List[Optional[scipy.sparse.spmatrix]]
IDF_FILE = "idf.npy"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    idf: Optional[np.ndarray] = None  # the text's weights, with `tfidf: true` only

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {**CountVectorsFeaturizer.get_default_config(), "tfidf": False}

    def train(self, training_data: TrainingData, model: Any = None) -> Resource:
        resource = super().train(training_data, model)
        if self._config["tfidf"] and self.vectorizers.get(TEXT):
            tokens = self._get_all_attributes_processed_tokens(training_data)[TEXT]
            # Only the examples with a text: the others carry an intent or action name.
            counts = self.vectorizers[TEXT].transform([" ".join(t) for t in tokens if t])
            self.idf = TfidfTransformer(sublinear_tf=True).fit(counts).idf_
            self.persist()
        return resource

    def persist(self) -> None:
        super().persist()
        if self.idf is not None:
            with self._model_storage.write_to(self._resource) as model_dir:
                np.save(model_dir / IDF_FILE, self.idf, allow_pickle=False)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CountVectorsFeaturizer:
        featurizer = super().load(config, model_storage, resource, execution_context, **kwargs)
        if featurizer._config["tfidf"]:
            with model_storage.read_from(resource) as model_dir:
                if (model_dir / IDF_FILE).exists():  # absent when nothing was trained
                    featurizer.idf = np.load(model_dir / IDF_FILE, allow_pickle=False)
        return featurizer

    def _create_features(
        self, attribute: str, all_tokens: List[List[str]]
    ) -> Tuple[Matrices, Matrices]:
        sequence_features, sentence_features = self._sentence_counts(attribute, all_tokens)
        if attribute == TEXT and self.idf is not None:
            sentence_features = [
                None if counts is None else weighted(counts, self.idf)
                for counts in sentence_features
            ]
        return sequence_features, sentence_features

    def _sentence_counts(
        self, attribute: str, all_tokens: List[List[str]]
    ) -> Tuple[Matrices, Matrices]:
        """Rasa's features of the texts, sentence rows only."""
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


def weighted(counts: scipy.sparse.coo_matrix, idf: np.ndarray) -> scipy.sparse.coo_matrix:
    """One text's counts as TfidfTransformer(sublinear_tf=True) weighs them, idf given."""
    values = (1.0 + np.log(counts.data)) * idf[counts.col]
    norm = np.sqrt(np.dot(values, values))
    return scipy.sparse.coo_matrix(
        (values / norm if norm else values, (counts.row, counts.col)), shape=counts.shape
    )
