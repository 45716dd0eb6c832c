"""The public REST channel: Rasa's own, plus guarantees for the public.

- Requests are checked first (bot/guard.py): malformed ones get a 400, empty or
  too long messages and floods a polite French reply, before Rasa sees them.
- An English message gets one English line saying that the assistant answers
  in French, before the (French) answer.
- No message is ever left without a reply, even when something failed inside.
- At most MESSAGES_AT_ONCE messages are handled at a time, the others wait
  their turn, first come first served. A message that calls the action server
  waits for it several times, and without this each time went back behind
  every message received meanwhile: seconds under load (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.failures import failure_summary
from bot.guard import TOO_MANY_MESSAGES, RateLimiter, Refusal, client_address, parse_request
from bot.language import looks_english
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)

# Logged when a message could not be handled (the tests look for it).
HANDLING_FAILED = "Message handling failed"
ENGLISH_NOTE = "This assistant answers in French only; here is its answer."

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def last_resort_reply(contact_email: str) -> str:
    return (
        "Désolé, je ne peux pas vous répondre pour le moment. Vous pouvez écrire "
        f"aux agents du Pôle Cohésion sociale territoriale à l'adresse {contact_email}."
    )


def finish_reply(text: str, sender_id: str, messages: List[Dict[str, Any]]) -> None:
    """Adds the English note and makes sure the reply is never empty (in place)."""
    if not messages:
        messages.append(
            {"recipient_id": sender_id, "text": last_resort_reply(load_settings().contact_email)}
        )
    elif looks_english(text):
        messages.insert(0, {"recipient_id": sender_id, "text": ENGLISH_NOTE})


class RequestGuard:
    """Blueprint middleware: validation and rate limits of the webhook's POSTs.

    The visitor's address is counted first, before anything is parsed, so that
    malformed requests count too; then the conversation's own limit.
    """

    def __init__(self, settings: Settings) -> None:
        self.max_chars = settings.max_message_chars
        self.trusted_proxies = frozenset(settings.trusted_proxies)
        self.per_ip = RateLimiter(settings.rate_limit_per_ip)
        self.per_sender = RateLimiter(settings.rate_limit_per_sender)

    def visitor(self, request: Request) -> str:
        # request.ip is the TCP peer; Sanic's own proxy settings stay unset.
        forwarded_for = request.headers.get("x-forwarded-for", "")
        return client_address(request.ip, forwarded_for, self.trusted_proxies)

    async def __call__(self, request: Request) -> Optional[HTTPResponse]:
        if request.method != "POST":
            return None
        if self.per_ip.limit and not self.per_ip.allow(f"ip:{self.visitor(request)}"):
            return response.json(Refusal(429, TOO_MANY_MESSAGES).body(), status=429)
        parsed = parse_request(request.body, self.max_chars)
        if isinstance(parsed, Refusal):
            return response.json(parsed.body(), status=parsed.status)
        sender = parsed["sender"]
        if self.per_sender.limit and not self.per_sender.allow(f"sender:{sender}"):
            return response.json(Refusal(429, TOO_MANY_MESSAGES, sender).body(), status=429)
        # Rasa's handler reads request.json: give it the cleaned payload only.
        request.parsed_json = parsed
        return None


def in_turn(handle: OnNewMessage, at_once: int) -> OnNewMessage:
    """`handle`, running for at most `at_once` messages at a time, first come first served."""
    turns: List[asyncio.Semaphore] = []  # made in the server's event loop, on first use

    async def handle_in_turn(message: UserMessage) -> Any:
        if not turns:
            turns.append(asyncio.Semaphore(at_once))
        async with turns[0]:
            return await handle(message)

    return handle_in_turn


class PublicRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        # Keeps Rasa's REST address: /webhooks/rest/webhook.
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        settings = load_settings()
        handle_in_turn = in_turn(on_new_message, settings.messages_at_once)

        async def answer(message: UserMessage) -> None:
            collector = message.output_channel
            if not isinstance(collector, CollectingOutputChannel):  # ?stream=true
                await handle_in_turn(message)
                return
            try:
                await handle_in_turn(message)
            except Exception as error:  # the person must get a reply whatever failed
                logger.error("%s: %s", HANDLING_FAILED, failure_summary(error))
            finish_reply(message.text or "", message.sender_id, collector.messages)

        blueprint = super().blueprint(answer)
        # Decorator form: Sanic's blueprint registers only functions passed directly.
        blueprint.middleware("request")(RequestGuard(settings))
        return blueprint
