"""Responses that can always name the team's contact, even without the action server.

The domain's responses use {contact_email}, {mailto} and {topic_hint}; the
hand-off's prompts show sealed slot values (bot/sealing.py) opened. The
address comes from the settings here, in the Rasa server itself: staff change it
without retraining, and when the action server is down the escalation answers
still carry it (with a plain mailto link instead of the pre-filled one).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot.sealing import opened
from bot.settings import load_settings


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
