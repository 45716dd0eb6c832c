"""Request checks of the public channel, without a server."""

from __future__ import annotations

import json

import pytest

from bot.guard import (
    EMPTY_MESSAGE,
    INVALID_REQUEST,
    RateLimiter,
    Refusal,
    clean_text,
    parse_request,
)


def request(**payload: object) -> bytes:
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00invalid utf-8",
        b"[]",
        b'"just a string"',
        request(message="bonjour"),
        request(sender="", message="bonjour"),
        request(sender="x" * 129, message="bonjour"),
        request(sender=42, message="bonjour"),
        request(sender="a\nb", message="bonjour"),
        request(sender=" padded ", message="bonjour"),
        request(sender="me", message=None),
        request(sender="me", message=["bonjour"]),
        request(sender="me"),
    ],
)
def test_malformed_requests_are_refused_with_400(body: bytes) -> None:
    refusal = parse_request(body, max_chars=1000)
    assert isinstance(refusal, Refusal)
    assert (refusal.status, refusal.text) == (400, INVALID_REQUEST)


@pytest.mark.parametrize("message", ["", "   ", "\n\t", "\x00\x07", "\u202e"])
def test_empty_messages_get_a_polite_reply(message: str) -> None:
    refusal = parse_request(request(sender="me", message=message), max_chars=1000)
    assert refusal == Refusal(200, EMPTY_MESSAGE, "me")


def test_too_long_messages_get_a_polite_reply_naming_the_limit() -> None:
    refusal = parse_request(request(sender="me", message="a" * 11), max_chars=10)
    assert isinstance(refusal, Refusal) and refusal.status == 200
    assert "10 caractères au maximum" in refusal.text


def test_accepted_request_keeps_only_sender_and_cleaned_message() -> None:
    body = request(sender="me", message=" école\x00 ouverte\n? ", input_channel="spoofed")
    assert parse_request(body, max_chars=1000) == {"sender": "me", "message": "école ouverte ?"}


def test_clean_text_keeps_letters_emoji_and_right_to_left_text() -> None:
    assert clean_text("مرحبا 😀 cafe\u0301") == "مرحبا 😀 café"
    assert clean_text("a\u202eb\u2066c") == "abc"


def test_rate_limiter_is_a_sliding_window_per_key() -> None:
    limiter = RateLimiter(limit=2, window_s=60)
    assert limiter.allow("a", now=1) and limiter.allow("a", now=2)
    assert not limiter.allow("a", now=3)
    assert limiter.allow("b", now=3)
    assert limiter.allow("a", now=61.5)
    assert not limiter.allow("a", now=61.6)


def test_rate_limiter_memory_is_bounded() -> None:
    limiter = RateLimiter(limit=1)
    limiter.MAX_KEYS = 3
    for key in "abcde":
        limiter.allow(key, now=1)
    assert list(limiter._hits) == ["c", "d", "e"]


def test_button_payloads_pass_and_other_slash_text_is_plain_text() -> None:
    def message(text: str) -> object:
        return parse_request(request(sender="me", message=text), max_chars=1000)

    assert message("/greet") == {"sender": "me", "message": "/greet"}
    assert message("/{Ep") == {"sender": "me", "message": "{Ep"}
    assert message("//etc/passwd") == {"sender": "me", "message": "etc/passwd"}
    assert message("/") == Refusal(200, EMPTY_MESSAGE, "me")
