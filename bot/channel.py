"""The public REST channel: Rasa's own, plus two guarantees for the public.

- An English message gets one English line saying that the assistant answers
  in French, before the (French) answer.
- No message is ever left without a reply, even when something failed inside.
- A message over the length limit of the settings is refused politely.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.language import looks_english
from bot.settings import load_settings

logger = logging.getLogger(__name__)

ENGLISH_NOTE = "This assistant answers in French only; here is its answer."

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def last_resort_reply(contact_email: str) -> str:
    return (
        "Désolé, je ne peux pas vous répondre pour le moment. Vous pouvez écrire "
        f"aux agents du Pôle Cohésion sociale territoriale à l'adresse {contact_email}."
    )


def too_long_reply(max_chars: int) -> str:
    return (
        f"Votre message est trop long : {max_chars} caractères au maximum. "
        "Pouvez-vous poser votre question en plus court ?"
    )


def finish_reply(text: str, sender_id: str, messages: List[Dict[str, Any]]) -> None:
    """Adds the English note and makes sure the reply is never empty (in place)."""
    if not messages:
        messages.append(
            {"recipient_id": sender_id, "text": last_resort_reply(load_settings().contact_email)}
        )
    elif looks_english(text or ""):
        messages.insert(0, {"recipient_id": sender_id, "text": ENGLISH_NOTE})


class PublicRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        # Keeps Rasa's REST address: /webhooks/rest/webhook.
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        max_chars = load_settings().max_message_chars

        async def answer(message: UserMessage) -> None:
            collector = message.output_channel
            if not isinstance(collector, CollectingOutputChannel):  # ?stream=true
                await on_new_message(message)
                return
            text = message.text or ""
            if len(text) > max_chars:
                collector.messages.append(
                    {"recipient_id": message.sender_id, "text": too_long_reply(max_chars)}
                )
                return
            try:
                await on_new_message(message)
            except Exception:
                logger.exception("Message handling failed for a REST conversation.")
            finish_reply(text, message.sender_id, collector.messages)

        return super().blueprint(answer)
