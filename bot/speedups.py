"""Changes to Rasa 3.6's per-message work, installed in the Rasa server process
by bot/rasa_main.py.

Each was measured (docs/benchmarks.md) and none changes what Rasa answers
(tests/test_speedups.py compares each with Rasa's own code):

- Rasa checks every reply of the action server with `jsonschema.validate`,
  which first checks Rasa's reply schema against the JSON Schema meta-schema:
  about 35 ms of CPU per custom action call, more than the rest of the message.
  The validator is now built once; replies are checked against the same schema
  and the same error is raised.
- At each prediction the RulePolicy turns the whole session into dialogue
  states, formats them and copies them for a debug log, although a rule only
  compares its own few states with the conversation's last ones: at turn 200
  that was most of a message's cost. The policy now predicts on a copy of the
  tracker with the slots of the whole conversation but only its last turns,
  more than its longest rule, so the rule matching is the same. While a loop
  (form) is active, or within the turns it ran, the whole session is used, as
  Rasa does: loops undo some of their turns.
- For each prediction the RulePolicy checks every rule against the last
  dialogue states, one by one. The rules fixed at training, the rules that fit
  the same states are the same: they are remembered for the last few thousand
  combinations of states seen.
- Before each action Rasa copies the tracker by replaying every event of the
  session into a new one; the state is now copied instead. And the applied
  events (without reverted turns), which Rasa works out from all events several
  times per message, are carried on from the last time over the new events
  only, unless a new loop (form) appeared among them.
- Rasa checks at every message whether the domain is empty by turning it, and
  an empty one, into dictionaries: the answer is kept, a loaded domain does not
  change.
- Rasa runs its graph of components through dask three times per message; dask's
  scheduling was a tenth of the server's CPU under load. The same nodes are now
  called in dependency order.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, Optional, Set

from jsonschema import validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    ConversationPaused,
    ConversationResumed,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

# States kept beyond the longest rule: the first state of the copy lacks its
# previous action and user message, so it must never be one a rule looks at.
_MARGIN_STATES = 2
# Events whose effect outlives their turn. By name: isinstance on Rasa's event
# classes (abstract base classes) cost more than the rest of recent_turns.
_LASTING = frozenset(
    e.type_name for e in (SlotSet, AllSlotsReset, ConversationPaused, ConversationResumed)
)
# Combinations of dialogue states whose fitting rules are remembered (per lookup).
REMEMBERED_STATES = 4096
# Rasa's own methods, kept by install() when it replaces them.
_rasa_own: Dict[str, Any] = {}


@functools.lru_cache(maxsize=1)
def _reply_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    return validators.validator_for(schema)(schema)


def validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once."""
    error = best_match(_reply_validator().iter_errors(result))  # as jsonschema.validate
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your "
            "response from the Action endpoint is valid. For more information about "
            f"the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def recent_turns(tracker: DialogueStateTracker, max_states: int) -> DialogueStateTracker:
    """A copy of `tracker` with its lasting state but only its last `max_states` states."""
    events = tracker.applied_events()
    actions = [i for i, event in enumerate(events) if isinstance(event, ActionExecuted)]
    if len(actions) < max_states:
        return tracker
    start = actions[-max_states]
    if tracker.active_loop_name or any(isinstance(e, ActiveLoop) for e in events[start:]):
        return tracker  # loops undo some of their own turns: Rasa's way, on all of them
    recent = tracker.init_copy()
    for event in events[:start]:
        if event.type_name in _LASTING:
            recent.update(event)
    for event in events[start:]:
        recent.update(event)
    return recent


def rule_states_needed(policy: RulePolicy) -> int:
    """States a prediction looks at: those of the policy's longest rule, and the margin."""
    keys = [*policy.lookup.get(RULES, {}), *policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
    return max((len(policy._rule_key_to_state(key)) for key in keys), default=0) + _MARGIN_STATES


def predict_on_recent_turns(
    self: RulePolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    rule_only_data: Optional[Dict[str, Any]] = None,
    **kwargs: Any,
) -> PolicyPrediction:
    """RulePolicy.predict_action_probabilities on the conversation's recent turns."""
    if "_states_needed" not in self.__dict__:  # the rules are fixed once trained
        self._states_needed = rule_states_needed(self)
    recent = recent_turns(tracker, self._states_needed)
    rasa_prediction = _rasas(self, "predict_action_probabilities")
    return rasa_prediction(self, recent, domain, rule_only_data, **kwargs)


def possible_keys_remembered(
    self: RulePolicy, lookup: Dict[str, str], states: List[Dict[str, Any]]
) -> Set[str]:
    """RulePolicy._get_possible_keys, remembered for the same rules and states."""
    try:
        key = (id(lookup), len(lookup), tuple(_frozen(state) for state in states))
    except TypeError:  # an unhashable value in a state: work it out, as Rasa does
        return _rasas(self, "_get_possible_keys")(self, lookup, states)
    remembered: OrderedDict = self.__dict__.setdefault("_possible_keys", OrderedDict())
    if key in remembered:
        remembered.move_to_end(key)
    else:
        remembered[key] = frozenset(_rasas(self, "_get_possible_keys")(self, lookup, states))
        if len(remembered) > REMEMBERED_STATES:
            remembered.popitem(last=False)
    return set(remembered[key])


def _frozen(value: Any) -> Any:
    """`value` as a hashable key, dictionaries in any order alike."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    hash(value)  # TypeError for lists and other unhashable values
    return value


def copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
    """DialogueStateTracker.copy with the state copied instead of replayed from every event."""
    copied = copy.copy(self)
    copied.events = self._create_events(self.events)
    known: Optional[_Applied] = self.__dict__.get("_applied")
    if known is not None and known.still_prefix_of(self.events):
        copied._applied = known.for_copy(copied.events)
    copied.slots = type(self.slots)((name, copy.copy(slot)) for name, slot in self.slots.items())
    copied.latest_action = copy.copy(self.latest_action)
    copied.active_loop = copy.copy(self.active_loop)
    # What Rasa's copy (a new tracker replaying the events) does not carry over.
    copied.sender_source = copied.model_id = copied.assistant_id = None
    return copied


def applied_events_once(self: DialogueStateTracker) -> List[Event]:
    """DialogueStateTracker.applied_events, carried on from the last call over new events only."""
    events = self.events
    known: Optional[_Applied] = self.__dict__.get("_applied")
    if known is None or not known.still_prefix_of(events):
        known = _Applied(events, _loop_names(events))
        self._applied = known
    new_events = list(itertools.islice(events, known.length, None))
    if _loop_names(new_events) - known.loop_names:
        # A new loop changes how earlier events apply (Rasa looks at every one): start over.
        known = self._applied = _Applied(events, _loop_names(events))
        new_events = list(events)
    _apply(self, known.applied, new_events, known.loop_names)
    known.length, known.last = len(events), events[-1] if events else None
    return list(known.applied)


class _Applied:
    """What applied_events worked out from the first `length` events of a tracker."""

    def __init__(self, events: Any, loop_names: Set[str]) -> None:
        self.events, self.loop_names = events, loop_names
        self.applied: List[Event] = []
        self.length, self.last = 0, None

    def for_copy(self, events: Any) -> _Applied:
        copied = _Applied(events, set(self.loop_names))
        copied.applied, copied.length, copied.last = list(self.applied), self.length, self.last
        return copied

    def still_prefix_of(self, events: Any) -> bool:
        # The objects themselves, not their ids: an id can be reused once freed.
        return (
            events is self.events
            and len(events) >= self.length
            and (self.length == 0 or events[self.length - 1] is self.last)
        )


def _loop_names(events: Iterable[Event]) -> Set[str]:

    return {e.name for e in events if isinstance(e, ActiveLoop) and e.name}


def _apply(
    tracker: DialogueStateTracker, applied: List[Event], new: List[Event], loop_names: Set[str]
) -> None:
    """Rasa's DialogueStateTracker.applied_events loop, from `applied` on, in place."""
    for event in new:
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


def domain_is_empty_once(self: Domain) -> bool:
    """Domain.is_empty, worked out once per domain."""
    if "_is_empty" not in self.__dict__:
        self._is_empty = _rasas(self, "is_empty")(self)
    return self._is_empty


def run_graph_in_order(
    self: Any, inputs: Optional[Dict[str, Any]] = None, targets: Optional[List[str]] = None
) -> Dict[str, Any]:
    """DaskGraphRunner.run without dask: the same nodes, called in dependency order."""
    # Like dask's, every value is a (node name, output) pair, inputs included.
    values = {name: (name, value) for name, value in (inputs or {}).items()}

    def value_of(name: str) -> Any:
        if name not in values:
            needs = self._graph_schema.nodes[name].needs.values()
            values[name] = self._instantiated_nodes[name](*(value_of(need) for need in needs))
        return values[name]

    try:
        return dict(value_of(target) for target in targets or self._graph_schema.target_names)
    except RuntimeError as error:  # as Rasa's runner does
        raise GraphRunError("Error running runner.") from error


def install() -> None:
    """Replaces Rasa's methods with the ones above, keeping Rasa's own in `_rasa_own`."""
    if _rasa_own:
        return  # installed already
    replacements = (
        (RemoteAction, "_validate_action_result", validate_action_result),
        (DaskGraphRunner, "run", run_graph_in_order),
        (RulePolicy, "predict_action_probabilities", predict_on_recent_turns),
        (RulePolicy, "_get_possible_keys", possible_keys_remembered),
        (DialogueStateTracker, "copy", copy_tracker),
        (DialogueStateTracker, "applied_events", applied_events_once),
        (Domain, "is_empty", domain_is_empty_once),
    )
    for owner, name, replacement in replacements:
        _rasa_own[name] = getattr(owner, name)
        setattr(owner, name, replacement)


def _rasas(instance: Any, name: str) -> Any:
    """Rasa's own method `name` of `instance`, whether install() replaced it or not."""
    return _rasa_own.get(name, getattr(type(instance), name))
