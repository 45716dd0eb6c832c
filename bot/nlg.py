"""Responses that can always name the team's contact, even without the action server.

The domain's responses use {contact_email}, {mailto} and {topic_hint}; the
hand-off's prompts show sealed slot values (bot/sealing.py) opened. The
address comes from the settings here, in the Rasa server itself: staff change it
without retraining, and when the action server is down the escalation answers
still carry it (with a plain mailto link instead of the pre-filled one).

A scheme's answer to a message that asks how to join or apply
(bot/procedure.py) is followed, in the same reply, by the answer to « comment
je m'inscris ? » (`utter_escalate_procedure`): the page gives no procedure, the
team does.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.procedure import asks_how_to_join
from bot.sealing import opened
from bot.settings import load_settings
from bot.topics import load_topics, topic_hint

PROCEDURE_ANSWER = "utter_escalate_procedure"


def contact_defaults(contact_email: str) -> Dict[str, str]:
    return {"contact_email": contact_email, "mailto": f"mailto:{contact_email}", "topic_hint": ""}


class SettingsResponses(TemplatedNaturalLanguageGenerator):
    """The domain's responses, with the settings' contact under the slot values."""

    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)
        settings = load_settings()
        self.defaults = contact_defaults(settings.contact_email)
        self.secret = settings.action_token
        # A victim's answer is followed by the team's address already (data/rules).
        self.schemes = {
            f"utter_{t.intent}": t
            for t in load_topics().values()
            if t.is_scheme and t.intent != "discrimination_victim"
        }

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[Dict[str, Any]]:
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        scheme = self.schemes.get(utter_action)
        if response and scheme and asks_how_to_join(tracker.latest_message.text or ""):
            # The settings' plain mailto: a pre-filled one in the slots may be older.
            slots = {"topic_hint": topic_hint(scheme)}
            note = self.generate_from_slots(PROCEDURE_ANSWER, slots, output_channel, **kwargs)
            if note:
                response = {
                    **response,
                    "text": f"{response['text']}\n\n{note['text']}",
                    "buttons": response.get("buttons") or note.get("buttons", []),
                }
        return response

    def generate_from_slots(
        self,
        utter_action: str,
        filled_slots: Dict[str, Any],
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[Dict[str, Any]]:
        filled = {k: opened(v, self.secret) for k, v in filled_slots.items() if v is not None}
        slots = {**self.defaults, **filled}
        return super().generate_from_slots(utter_action, slots, output_channel, **kwargs)
