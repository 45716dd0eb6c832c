"""action_clarify: what to do with a message the NLU is unsure about.

Sets the slot `misunderstood`, which the rules of data/rules/fallback.yml follow:
- unreadable: no words to work with (emoji, one character, keyboard mash);
- twice: the previous turn was already a clarification, so escalate;
- once: offer the two most likely topics as buttons.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import contact_slots
from actions.history import previous_bot_action
from bot.topics import load_topics

MIN_LETTERS = 2


def is_unreadable(text: str, top_intent: str) -> bool:
    return sum(char.isalpha() for char in text) < MIN_LETTERS or top_intent == "nonsense"


def likely_topics(tracker: Tracker, count: int = 2) -> List[str]:
    """The most likely scheme topics of the latest message, best first."""
    topics = load_topics()
    ranking = tracker.latest_message.get("intent_ranking") or []
    names = [entry.get("name") for entry in ranking]
    schemes = [name for name in names if name in topics and topics[name].is_scheme]
    # Pad with the area menus so that there are always `count` buttons.
    for menu in ("education_access", "employment_access", "discrimination_prevention"):
        if len(schemes) >= count:
            break
        if menu not in schemes:
            schemes.append(menu)
    return schemes[:count]


class ActionClarify(Action):
    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        ranking = tracker.latest_message.get("intent_ranking") or [{}]
        top_intent = next(
            (entry.get("name") for entry in ranking if entry.get("name") != "nlu_fallback"), ""
        )
        if is_unreadable(text, top_intent):
            return [SlotSet("misunderstood", "unreadable")]
        if previous_bot_action(tracker) == "utter_clarify":
            return [SlotSet("misunderstood", "twice"), *contact_slots(tracker)]
        topics = load_topics()
        first, second = likely_topics(tracker)
        return [
            SlotSet("misunderstood", "once"),
            SlotSet("clarify_intent_1", first),
            SlotSet("clarify_label_1", topics[first].label),
            SlotSet("clarify_intent_2", second),
            SlotSet("clarify_label_2", topics[second].label),
        ]
