"""Sealed slot values: what the hand-off needs from one turn to the next.

The question and the reply address that a person gives for the e-mail to the
team are needed again at the next turn, possibly on another Rasa server that
reloads the conversation from the database, where nothing personal may be
stored in clear. They are stored encrypted (Fernet: AES-128-CBC + HMAC) with a
key derived from ACTION_SERVER_TOKEN, which the action server (which seals
and opens them) and the Rasa servers (which show them in the hand-off's
prompts, bot/nlg.py) share. A value sealed under another key (the token
changed since) opens as None: the person then gets the mailto: link.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Optional

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "sealed:"
# Separates this key from any other use of the token.
_KEY_LABEL = b"egalite-des-chances/handoff-slots/v1:"


def _fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(_KEY_LABEL + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(value: str, secret: str) -> str:
    if is_sealed(value):
        return value
    return PREFIX + _fernet(secret).encrypt(value.encode()).decode()


def unseal(value: Any, secret: str) -> Optional[str]:
    """The clear text of a sealed value; None if it is not one, or not under this key."""
    if not is_sealed(value) or not secret:
        return None
    try:
        return _fernet(secret).decrypt(value[len(PREFIX) :].encode()).decode()
    except (InvalidToken, ValueError):
        return None


def opened(value: Any, secret: str) -> Any:
    """A slot's value as it may be used: sealed ones opened ("" if they cannot be), others as is."""
    return unseal(value, secret) or "" if is_sealed(value) else value
