"""The speed-ups of the Rasa server change nothing that Rasa decides (bot/speedups.py,
bot/classifier.py, bot/featurizer.py, the turn-taking of bot/channel.py).

Each is compared with Rasa's own code on the trained model and real messages.
"""

from __future__ import annotations

import asyncio
import json
import random
from types import MethodType
from typing import Any, List, Tuple

import numpy as np
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from sklearn.feature_extraction.text import TfidfVectorizer

from bot import speedups
from bot.channel import in_turn
from bot.classifier import ArrayLogisticRegressionClassifier
from bot.featurizer import SentenceCountVectorsFeaturizer
from bot.heldout import load_cases
from bot.model import model_path
from bot.settings import PROJECT_DIR, load_settings

TURNS = 120
MISUNDERSTOOD = ("once", "twice", "unreadable", None)
MAX_ACTIONS = 5  # per turn: the custom actions do not run here, a form could go on


def _decision(prediction: PolicyPrediction) -> Tuple[Any, ...]:
    return (
        prediction.probabilities,
        prediction.events,
        prediction.optional_events,
        prediction.is_end_to_end_prediction,
        prediction.is_no_user_prediction,
        prediction.hide_rule_turn,
    )


@pytest.fixture(scope="module")
def agent() -> Agent:
    model = model_path(load_settings())
    assert model.exists(), "the test session trains first (make test: bot train)"
    return Agent.load(str(model))


def _component(agent: Agent, kind: type) -> Any:
    nodes = agent.processor.graph_runner._instantiated_nodes.values()  # type: ignore[union-attr]
    return next(node._component for node in nodes if isinstance(node._component, kind))


def _texts() -> List[str]:
    return [case["text"] for case in load_cases()]


def test_rule_policy_decides_on_recent_turns_as_on_the_whole_conversation(agent: Agent) -> None:
    policy = _component(agent, RulePolicy)
    domain = agent.domain
    tracker = DialogueStateTracker("long", domain.slots)
    for event in (ActionExecuted("action_session_start"), SessionStarted()):
        tracker.update(event)
    texts = _texts()
    compared = 0
    for turn in range(TURNS):
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        if turn % 7 == 3:  # not understood: the rules then depend on a slot set long ago
            tracker.update(UserUttered("bof", {"name": "nlu_fallback", "confidence": 0.3}))
        else:
            parse = asyncio.run(agent.parse_message(texts[turn * 7 % len(texts)]))
            tracker.update(UserUttered(parse["text"], parse["intent"], parse_data=parse), domain)
        if turn % 10 == 0:  # a slot set turns ago, beyond the recent turns, must still count
            tracker.update(SlotSet("misunderstood", MISUNDERSTOOD[turn // 10 % 4]))
        if turn % 25 in (5, 8):  # the e-mail form runs for three turns now and then
            tracker.update(ActiveLoop("handoff_form" if turn % 25 == 5 else None))
        for _ in range(MAX_ACTIONS):
            whole = RulePolicy.predict_action_probabilities(policy, tracker, domain)
            recent = speedups.predict_on_recent_turns(policy, tracker, domain)
            assert _decision(recent) == _decision(whole), f"turn {turn}"
            _assert_rules_fit_as_rasa_says(policy, tracker, domain)
            compared += 1
            action = domain.action_names_or_texts[whole.max_confidence_index]
            if action == ACTION_LISTEN_NAME:
                break
            tracker.update(ActionExecuted(action))
        _assert_copied_and_applied_as_rasa_does(tracker)
    needed = speedups.rule_states_needed(policy)
    assert len(speedups.recent_turns(tracker, needed).events) < len(tracker.events) / 10
    assert compared > 2 * TURNS


def _assert_rules_fit_as_rasa_says(
    policy: RulePolicy, tracker: DialogueStateTracker, domain: Domain
) -> None:
    states = policy._prediction_states(tracker, domain, rule_only_data=policy._get_rule_only_data())
    for lookup in (policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]):
        rasas = RulePolicy._get_possible_keys(policy, lookup, states)
        for _ in range(2):  # worked out, then remembered
            assert speedups.possible_keys_remembered(policy, lookup, states) == rasas


def test_remembered_rules_depend_on_every_state_not_only_the_last(agent: Agent) -> None:
    policy = _component(agent, RulePolicy)
    after_a = {"prev_action": {"action_name": "utter_a"}, "user": {"intent": "i"}}
    after_c = {"prev_action": {"action_name": "utter_c"}, "user": {"intent": "i"}}
    listening = {"prev_action": {"action_name": ACTION_LISTEN_NAME}, "user": {"intent": "j"}}
    two_turns, one_turn = json.dumps([after_a, listening]), json.dumps([listening])
    lookup = {two_turns: "utter_two", one_turn: "utter_one"}
    for states, fitting in (
        ([after_a, listening], {two_turns, one_turn}),
        ([after_c, listening], {one_turn}),
    ):
        assert RulePolicy._get_possible_keys(policy, lookup, states) == fitting
        for _ in range(2):  # worked out, then remembered
            assert speedups.possible_keys_remembered(policy, lookup, states) == fitting


def _state(tracker: DialogueStateTracker) -> Tuple[Any, ...]:
    return (
        tracker.current_state(EventVerbosity.ALL),
        tracker.current_slot_values(),
        tracker.active_loop,
        tracker.followup_action,
        tracker.is_paused(),
        tracker.latest_bot_utterance,
        (tracker.sender_source, tracker.model_id, tracker.assistant_id),
    )


def _assert_copied_and_applied_as_rasa_does(tracker: DialogueStateTracker) -> None:
    copied, rasas = speedups.copy_tracker(tracker), DialogueStateTracker.copy(tracker)
    assert _state(copied) == _state(rasas)
    copied.update(SlotSet("misunderstood", "twice"))  # a copy, not the same tracker
    assert tracker.get_slot("misunderstood") == rasas.get_slot("misunderstood")
    for _ in range(2):  # worked out, then remembered
        assert speedups.applied_events_once(tracker) == DialogueStateTracker.applied_events(tracker)
    assert speedups.applied_events_once(copied) == DialogueStateTracker.applied_events(copied)


def test_applied_events_carried_on_are_rasas_whatever_the_events() -> None:
    events = (
        lambda: ActionExecuted(ACTION_LISTEN_NAME),
        lambda: UserUttered("bonjour", {"name": "greet", "confidence": 1.0}),
        lambda: ActionExecuted("utter_greet"),
        lambda: ActionExecuted("handoff_form"),
        lambda: ActiveLoop("handoff_form"),
        lambda: ActiveLoop(None),
        lambda: ActionExecuted("other_form"),
        lambda: ActiveLoop("other_form"),
        lambda: SlotSet("misunderstood", "once"),
        ActionReverted,
        UserUtteranceReverted,
        Restarted,
        SessionStarted,
    )
    odds = [12, 12, 12, 6, 2, 2, 3, 1, 4, 1, 1, 1, 1]
    randomness = random.Random(7)
    for number in range(40):
        tracker = DialogueStateTracker(f"random-{number}", [])
        for _ in range(randomness.randrange(1, 120)):
            tracker.update(randomness.choices(events, odds)[0]())
            if randomness.random() < 0.5:  # asked after some events only, as Rasa does
                assert speedups.applied_events_once(tracker) == (
                    DialogueStateTracker.applied_events(tracker)
                )
        copied = speedups.copy_tracker(tracker)
        copied.update(ActionExecuted("handoff_form"))
        assert speedups.applied_events_once(copied) == DialogueStateTracker.applied_events(copied)
        assert speedups.applied_events_once(tracker) == DialogueStateTracker.applied_events(tracker)


def test_action_server_replies_are_checked_as_rasa_checks_them() -> None:
    valid = {"events": [{"event": "slot", "name": "misunderstood", "value": "once"}]}
    invalid = {"events": [{"event": 3}], "responses": "not a list"}
    action = RemoteAction("action_escalate", None)
    assert speedups.validate_action_result(action, valid) is True
    assert RemoteAction._validate_action_result(action, valid) is True
    errors = []
    for check in (speedups.validate_action_result, RemoteAction._validate_action_result):
        with pytest.raises(ValidationError) as raised:
            check(action, invalid)
        errors.append((raised.value.message, list(raised.value.path)))
    assert errors[0] == errors[1]


def test_the_graph_run_without_dask_gives_what_dask_gives(agent: Agent) -> None:
    processor = agent.processor
    assert processor is not None
    runner = processor.graph_runner
    tracker = DialogueStateTracker("graph", agent.domain.slots)
    for text in _texts()[::5]:
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        with_dask = asyncio.run(agent.parse_message(text))
        tracker.update(UserUttered(text, with_dask["intent"], parse_data=with_dask))
        predicted_with_dask = processor._predict_next_with_tracker(tracker)
        runner.run = MethodType(speedups.run_graph_in_order, runner)  # type: ignore[method-assign]
        try:
            assert asyncio.run(agent.parse_message(text)) == with_dask
            in_order = processor._predict_next_with_tracker(tracker)
        finally:
            del runner.run
        assert _decision(in_order) == _decision(predicted_with_dask)
        assert in_order.policy_name == predicted_with_dask.policy_name


def test_a_domain_is_empty_as_rasa_says() -> None:
    for domain in (Domain.empty(), Domain.load(str(PROJECT_DIR / "domain.yml"))):
        for _ in range(2):  # worked out, then remembered
            assert speedups.domain_is_empty_once(domain) == Domain.is_empty(domain)


@pytest.fixture(scope="module")
def featurized(agent: Agent) -> List[Message]:
    """The held-out messages as the classifier receives them."""
    classifier = _component(agent, ArrayLogisticRegressionClassifier)
    messages: List[Message] = []
    ours = classifier._create_X

    def keep(batch: List[Message]) -> Any:
        messages.extend(batch)
        return ours(batch)

    classifier._create_X = keep
    try:
        for text in _texts():
            asyncio.run(agent.parse_message(text))
    finally:
        del classifier._create_X
    assert len(messages) == len(_texts())
    return messages


def test_the_classifier_gets_the_features_rasa_would_give_it(
    agent: Agent, featurized: List[Message]
) -> None:
    classifier = _component(agent, ArrayLogisticRegressionClassifier)
    every_fifth = [[message] for message in featurized[::5]]
    for messages in [*every_fifth, featurized[:7]]:
        mine = classifier._create_X(messages)
        rasas = LogisticRegressionClassifier._create_X(classifier, messages)
        assert mine.format == "csr" and mine.shape == rasas.shape and mine.dtype == rasas.dtype
        assert (mine != rasas).nnz == 0
        assert np.array_equal(
            classifier.clf.predict_proba(mine), classifier.clf.predict_proba(rasas)
        )


def _featurizers(agent: Agent) -> List[SentenceCountVectorsFeaturizer]:
    nodes = agent.processor.graph_runner._instantiated_nodes.values()  # type: ignore[union-attr]
    featurizers = [n._component for n in nodes if isinstance(n._component, CountVectorsFeaturizer)]
    assert len(featurizers) == 2
    assert all(isinstance(f, SentenceCountVectorsFeaturizer) for f in featurizers)
    return featurizers


def test_the_featurizers_count_as_rasa_does_and_give_no_word_rows(
    agent: Agent, featurized: List[Message]
) -> None:
    for featurizer in _featurizers(agent):
        for message in featurized[::3]:
            tokens = featurizer._get_processed_message_tokens_by_attribute(message, TEXT)
            (mine,), (sentence,) = featurizer._sentence_counts(TEXT, [tokens])
            (_,), (rasas,) = CountVectorsFeaturizer._create_features(featurizer, TEXT, [tokens])
            assert mine is None and sentence.format == rasas.format == "coo"
            assert sentence.shape == rasas.shape and (sentence != rasas).nnz == 0
            assert sentence.dtype == rasas.dtype


def test_the_featurizers_weigh_counts_as_scikit_learns_tfidf_vectorizer(
    agent: Agent, featurized: List[Message]
) -> None:
    training = load_data(str(PROJECT_DIR / "data" / "nlu")).intent_examples
    _component(agent, WhitespaceTokenizer).process(training)
    for featurizer in _featurizers(agent):
        assert featurizer.idf is not None  # config.yml: tfidf: true
        texts = [
            " ".join(featurizer._get_processed_message_tokens_by_attribute(m, TEXT))
            for m in training
        ]
        # The same vocabulary and analyzer, weighted by scikit-learn itself.
        counter = featurizer.vectorizers[TEXT]
        reference = TfidfVectorizer(
            **{k: v for k, v in counter.get_params().items() if k != "dtype"},
            sublinear_tf=True,
        ).fit(texts)
        for message in featurized[::3]:
            tokens = featurizer._get_processed_message_tokens_by_attribute(message, TEXT)
            (_,), (mine,) = featurizer._create_features(TEXT, [tokens])
            expected = reference.transform([" ".join(tokens)])
            assert np.allclose(mine.toarray(), expected.toarray(), rtol=1e-6, atol=1e-9)


def test_messages_are_handled_a_few_at_a_time_first_come_first_served() -> None:
    started: List[int] = []
    finished: List[int] = []
    at_once: List[int] = []

    async def handle(message: Any) -> None:
        started.append(message)
        at_once.append(len(started) - len(finished))
        await asyncio.sleep(0.01)  # waits, as for the action server
        finished.append(message)

    async def flood() -> None:
        handle_in_turn = in_turn(handle, 4)
        await asyncio.gather(*(handle_in_turn(number) for number in range(30)))

    asyncio.run(flood())
    assert max(at_once) == 4
    assert started == list(range(30)) and sorted(finished) == started
