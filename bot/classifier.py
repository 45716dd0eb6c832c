"""Rasa's LogisticRegressionClassifier, saved as plain arrays.

Rasa 3.6.21 saves this classifier with skops, whose loading first imports every
scikit-learn estimator to list the trusted types: about 5 s of every start and
tens of MB of memory (docs/benchmarks.md). A logistic regression is three
arrays; they are saved with numpy, without pickle, and loaded back as they were,
so predictions are identical. Training is Rasa's own.
"""

from __future__ import annotations

from typing import Any, Dict

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

FILE_NAME = "logistic_regression.npz"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ArrayLogisticRegressionClassifier(LogisticRegressionClassifier):
    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(
                model_dir / FILE_NAME,
                coef=self.clf.coef_,
                intercept=self.clf.intercept_,
                classes=np.asarray(self.clf.classes_, dtype=str),
            )

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
            component.clf.coef_ = arrays["coef"]
            component.clf.intercept_ = arrays["intercept"]
            component.clf.classes_ = arrays["classes"]
        component.clf.n_features_in_ = component.clf.coef_.shape[1]
        return component
