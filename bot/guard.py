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
from typing import Any, Collection, Deque, Dict, List, Union

MAX_SENDER_CHARS = 128
SENDER = re.compile(rf"[A-Za-z0-9_.:\-]{{1,{MAX_SENDER_CHARS}}}")
# What the widget's buttons send: "/intent_name".
BUTTON_PAYLOAD = re.compile(r"/[a-z_]+")
# Dropped from messages: controls (Cc), format characters (Cf: bidirectional
# overrides that make a transcript read differently from what was sent, zero-width
# characters that hide personal data from the masker) and lone surrogates (Cs),
# which cannot be encoded and broke the hand-off e-mail.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
# Line breaks and every other kind of space become a plain space.
_AS_SPACE_CATEGORIES = frozenset({"Zl", "Zp", "Zs"})


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


def _cleaned(char: str) -> str:
    if char in "\n\r\t":
        return " "
    category = unicodedata.category(char)
    if category in _AS_SPACE_CATEGORIES:
        return " "
    return "" if category in _DROPPED_CATEGORIES else char


def clean_text(text: str) -> str:
    """NFC text without control, format or surrogate characters; any space is a space."""
    # Cleaned before composing, so that a dropped character between a letter and
    # its accent does not keep them apart.
    return unicodedata.normalize("NFC", "".join(map(_cleaned, text))).strip()


def valid_sender(sender: Any) -> bool:
    """A conversation id as the widget makes them (a UUID): ASCII letters, digits and
    `_ . : -`. Ids are stored and logged as they are: no spaces, no line breaks,
    no `@` (an e-mail address used as an id would escape the masking)."""
    return isinstance(sender, str) and SENDER.fullmatch(sender) is not None


def parse_request(body: bytes, max_chars: int) -> Union[Refusal, Dict[str, str]]:
    """The cleaned {"sender", "message"} of a REST request, or why it is refused."""
    try:
        payload = json.loads(body.decode("utf-8"))
    # RecursionError: a few kB of nested brackets.
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Refusal(400, INVALID_REQUEST)
    if not isinstance(payload, dict) or not valid_sender(payload.get("sender")):
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


def client_address(peer: str, forwarded_for: str, trusted_proxies: Collection[str]) -> str:
    """The visitor's address: the peer's, or what a trusted proxy says it is.

    A proxy appends the address it received the request from to X-Forwarded-For,
    so the right-most entry that is not one of our proxies is the visitor; what
    is left of it was written by the visitor and proves nothing. From anyone
    but a trusted proxy the header is ignored: a visitor could forge it.
    """
    if peer not in trusted_proxies:
        return peer
    for entry in reversed(forwarded_for.split(",")):
        address = entry.strip()
        if address and address not in trusted_proxies:
            return address
    return peer


class RateLimiter:
    """At most `limit` hits per key in any `window_s` seconds (sliding window, in memory).

    Per process: with several Rasa processes behind a load balancer each counts
    its own share, which the load balancer's own limits complement.
    """

    MAX_KEYS = 100_000  # oldest keys are forgotten first; bounds memory under floods

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        # Least recently hit first, so that expired keys are found at the front.
        self._hits: OrderedDict[str, Deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._hits)

    def allow(self, key: str, now: float = 0.0) -> bool:
        now = now or time.monotonic()
        self._forget_before(now - self.window_s)
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

    def _forget_before(self, cutoff: float) -> None:
        """Drops the keys with no hit since `cutoff`: they no longer limit anything."""
        while self._hits:
            oldest = next(iter(self._hits.values()))
            if oldest and oldest[-1] > cutoff:
                return
            self._hits.popitem(last=False)
