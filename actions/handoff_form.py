"""Sending the question to the team, step by step (data/rules/handoff.yml).

action_handoff_start prepares the draft question; then handoff_form captures
each answer of the person and validate_handoff_form reads it as the current
step requires, sets `handoff_step` to the step that follows, and ends the form:
the rules say the matching prompt and start the form again for the next answer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions.history import real_question
from bot.mail import is_valid_email
from bot.sealing import seal
from bot.settings import load_settings

# "Oui" to the draft or to the consent question; "ok" and "d'accord" count too.
YES = frozenset({"affirm", "acknowledge"})
NO = frozenset({"deny"})
MIN_QUESTION_LETTERS = 3
# Slots of a previous sending that must not leak into a new one.
HANDOFF_SLOTS = ("handoff_question", "handoff_email", "handoff_consent", "handoff_result")
# Needed again at a later turn, so stored sealed rather than masked (bot/sealing.py).
SEALED_SLOTS = ("handoff_draft", "handoff_question", "handoff_email")


def sealed(slots: Dict[str, Any]) -> Dict[str, Any]:
    """`slots` with the personal values of SEALED_SLOTS sealed."""
    secret = load_settings().action_token
    return {
        name: seal(value, secret) if name in SEALED_SLOTS and isinstance(value, str) else value
        for name, value in slots.items()
    }


def find_email(text: str) -> Optional[str]:
    """The address in "mon mail : jean@exemple.fr." as well as in "jean@exemple.fr"."""
    words = [word.strip(".,;:!?()<>«»\"'") for word in text.split() if "@" in word]
    return words[0] if len(words) == 1 and is_valid_email(words[0]) else None


def is_question(text: str) -> bool:
    return not text.startswith("/") and sum(c.isalpha() for c in text) >= MIN_QUESTION_LETTERS


def read_answer(step: str, text: str, intent: str, draft: Optional[str]) -> Dict[str, Any]:
    """The slots that the person's answer at `step` sets, `handoff_step` always."""
    if step == "question_draft" and intent in YES and draft:
        return {"handoff_question": draft, "handoff_step": "email"}
    if step == "question_draft" and intent in NO:
        return {"handoff_step": "question_retry"}
    if step.startswith("question"):
        if is_question(text) and intent not in YES | NO:  # "oui" is not a question
            return {"handoff_question": text, "handoff_step": "email"}
        return {"handoff_step": "question_retry"}
    if step.startswith("email"):
        email = find_email(text)
        if email:
            return {"handoff_email": email, "handoff_step": "consent"}
        # Second miss: no address; action_send_to_team gives the mailto: link.
        return {"handoff_step": "email_retry" if step == "email" else "done"}
    if intent in YES or intent in NO:
        return {"handoff_consent": intent in YES, "handoff_step": "done"}
    return {"handoff_step": "consent_retry"}


class ActionHandoffStart(Action):
    def name(self) -> str:
        return "action_handoff_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        draft = real_question(tracker)
        slots = {
            **dict.fromkeys(HANDOFF_SLOTS),
            "handoff_draft": draft,
            "handoff_step": "question_draft" if draft else "question_new",
        }
        return [SlotSet(name, value) for name, value in sealed(slots).items()]


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

    async def validate_handoff_input(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> Dict[str, Any]:
        if slot_value is None or tracker.get_slot(REQUESTED_SLOT) != "handoff_input":
            # Called as the form starts again: the latest message was already read.
            return {"handoff_input": None}
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        answer = read_answer(
            tracker.get_slot("handoff_step") or "question_new",
            str(slot_value or "").strip(),
            intent,
            tracker.get_slot("handoff_draft"),
        )
        # Emptied so that the next step's answer fills it again.
        return {"handoff_input": None, **sealed(answer)}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        if any(e.get("event") == "slot" and e.get("name") == "handoff_step" for e in events):
            # An answer was read: the form stops, the rules prompt for the next one.
            events.append(SlotSet(REQUESTED_SLOT, None))
        return events
