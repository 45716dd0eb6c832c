"""Rasa's LogisticRegressionClassifier, saved as plain arrays.

Rasa 3.6.21 saves this classifier with skops, whose loading first imports every
scikit-learn estimator to list the trusted types: about 5 s of every start and
tens of MB of memory (docs/benchmarks.md). A logistic regression is three
arrays; they are saved with numpy, without pickle, and loaded back as they were,
so predictions are identical. Training is Rasa's own.

A message without a letter or a digit (emoji, punctuation) gets confidence 0:
its only known feature is the character featurizer's padding, so the scores
would be the classes' prior; the fallback asks the person to rephrase.

At prediction, the message's features are put together as CSR matrices:
Rasa's generic way (scipy's `hstack` through COO matrices, twice) was a tenth
of the server's CPU under load. The matrix is the same.
"""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

FILE_NAME = "logistic_regression.npz"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ArrayLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Also takes `C`, the inverse of the regularisation (Rasa's is fixed at 1.0)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0}

    def __init__(
        self, config: Dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=self.config["C"])

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(
                model_dir / FILE_NAME,
                coef=self.clf.coef_,
                intercept=self.clf.intercept_,
                classes=np.asarray(self.clf.classes_, dtype=str),
            )

    def process(self, messages: List[Message]) -> List[Message]:
        super().process(messages)
        for message in messages:
            if not any(char.isalnum() for char in message.get(TEXT) or ""):
                ranking = message.get(INTENT_RANKING_KEY) or []
                message.set(INTENT, {**message.get(INTENT), PREDICTED_CONFIDENCE_KEY: 0.0})
                message.set(
                    INTENT_RANKING_KEY, [{**r, PREDICTED_CONFIDENCE_KEY: 0.0} for r in ranking]
                )
        return messages

    def _create_X(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        rows = [sentence_features(m) for m in messages]
        return rows[0] if len(rows) == 1 else scipy.sparse.vstack(rows, format="csr")

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ArrayLogisticRegressionClassifier:
        component = cls(config, execution_context.node_name, model_storage, resource)
        with model_storage.read_from(resource) as model_dir:
            arrays = np.load(model_dir / FILE_NAME, allow_pickle=False)
            # Column-major: scikit-learn multiplies the message's sparse features
            # by coef_.T, which scipy would otherwise copy whole at every message.
            component.clf.coef_ = np.asfortranarray(arrays["coef"])
            component.clf.intercept_ = arrays["intercept"]
            component.clf.classes_ = arrays["classes"]
        component.clf.n_features_in_ = component.clf.coef_.shape[1]
        return component


def sentence_features(message: Message) -> scipy.sparse.csr_matrix:
    """The message's sparse sentence features, then its dense ones, side by side, as Rasa's."""
    blocks = [
        f.features
        for f in message.features
        if f.attribute == TEXT and f.is_sparse() and f.type == FEATURE_TYPE_SENTENCE
    ]
    dense = message.get_dense_features(TEXT)[1]
    if dense is not None:
        blocks.append(scipy.sparse.csr_matrix(dense.features))
    if not blocks:
        return scipy.sparse.csr_matrix([])
    if any(block.shape[0] != 1 for block in blocks):
        together = scipy.sparse.hstack(blocks, format="csr")
    else:  # one row each, as sentence features are: laid end to end
        rows = [block.tocoo() for block in blocks]
        offsets = np.cumsum([0] + [row.shape[1] for row in rows[:-1]])
        columns = np.concatenate([row.col + offset for row, offset in zip(rows, offsets)])
        values = np.concatenate([row.data for row in rows])
        shape = (1, sum(row.shape[1] for row in rows))
        together = scipy.sparse.csr_matrix((values, columns, [0, len(columns)]), shape=shape)
        together.sum_duplicates()  # sorted and summed, as scipy's conversions leave them
    # Rasa's always holds an empty float block, which makes counts floats.
    return together.astype(np.result_type(together.dtype, np.float64), copy=False)
