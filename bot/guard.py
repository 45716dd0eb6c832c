"""Checks a REST request before Rasa sees it: shape, size, characters, rate.

Every refusal is a short French message in the REST channel's reply format, so
the widget shows it like any answer; nothing reaches Rasa that could crash it or
merge strangers into one conversation (Rasa files a missing sender as "default").
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Deque, Dict, List, Union

MAX_SENDER_CHARS = 128
# What the widget's buttons send: "/intent_name".
BUTTON_PAYLOAD = re.compile(r"/[a-z_]+")
# Bidirectional overrides can make a transcript read differently from what was sent.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


@dataclass(frozen=True)
class Refusal:
    status: int
    text: str
    sender: str = ""

    def body(self) -> List[Dict[str, str]]:
        message = {"text": self.text}
        if self.sender:
            message["recipient_id"] = self.sender
        return [message]


INVALID_REQUEST = (
    "Requête invalide : envoyez un objet JSON avec « sender » (identifiant de "
    "conversation) et « message » (texte)."
)
EMPTY_MESSAGE = "Votre message est vide. Quelle est votre question ?"
TOO_MANY_MESSAGES = (
    "Vous avez envoyé beaucoup de messages en peu de temps. Merci de patienter "
    "une minute avant de poser votre question."
)


def too_long(max_chars: int) -> str:
    return (
        f"Votre message est trop long : {max_chars} caractères au maximum. "
        "Pouvez-vous poser votre question en plus court ?"
    )


def clean_text(text: str) -> str:
    """NFC text without control characters (line breaks and tabs become spaces)."""
    text = unicodedata.normalize("NFC", text)
    kept = (
        " " if char in "\n\r\t" else char
        for char in text
        if char in "\n\r\t" or (unicodedata.category(char) != "Cc" and char not in _BIDI_CONTROLS)
    )
    return "".join(kept).strip()


def _valid_sender(sender: Any) -> bool:
    return (
        isinstance(sender, str)
        and 0 < len(sender) <= MAX_SENDER_CHARS
        and sender.isprintable()
        and sender.strip() == sender
    )


def parse_request(body: bytes, max_chars: int) -> Union[Refusal, Dict[str, str]]:
    """The cleaned {"sender", "message"} of a REST request, or why it is refused."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Refusal(400, INVALID_REQUEST)
    if not isinstance(payload, dict) or not _valid_sender(payload.get("sender")):
        return Refusal(400, INVALID_REQUEST)
    sender, message = payload["sender"], payload.get("message")
    if not isinstance(message, str):
        return Refusal(400, INVALID_REQUEST, sender)
    if len(message) > max_chars:
        return Refusal(200, too_long(max_chars), sender)
    message = clean_text(message)
    if message.startswith("/") and not BUTTON_PAYLOAD.fullmatch(message):
        # Rasa would try to read it as an intent and log the text: it is just text.
        message = message.lstrip("/").strip()
    if not message:
        return Refusal(200, EMPTY_MESSAGE, sender)
    return {"sender": sender, "message": message}


class RateLimiter:
    """At most `limit` hits per key in any `window_s` seconds (sliding window, in memory).

    Per process: with several Rasa processes behind a load balancer each counts
    its own share, which the load balancer's own limits complement.
    """

    MAX_KEYS = 100_000  # oldest keys are forgotten first; bounds memory under floods

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: OrderedDict[str, Deque[float]] = OrderedDict()

    def allow(self, key: str, now: float = 0.0) -> bool:
        now = now or time.monotonic()
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        allowed = len(hits) < self.limit
        if allowed:
            hits.append(now)
        self._hits[key] = hits
        if len(self._hits) > self.MAX_KEYS:
            self._hits.popitem(last=False)
        return allowed
