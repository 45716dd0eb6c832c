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
    client_address,
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
        request(sender="\ud800", message="bonjour"),
        request(sender="marie.curie@exemple.fr", message="bonjour"),
        request(sender="café", message="bonjour"),
        request(sender="a b", message="bonjour"),
        b"[" * 4000,
        b'{"sender": "me", "message": ' + b"[" * 3000 + b"]" * 3000 + b"}",
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


def test_surrogates_format_characters_and_odd_spaces_are_dropped_or_plain() -> None:
    body = b'{"sender": "me", "message": "06\\u00a012\\u200b34 \\ud800ok\\u2028fin\\u2029."}'
    assert parse_request(body, max_chars=1000) == {"sender": "me", "message": "06 1234 ok fin ."}


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "visitor"),
    [
        # Straight from a visitor: a forged header changes nothing.
        ("203.0.113.7", "198.51.100.1", [], "203.0.113.7"),
        ("203.0.113.7", "198.51.100.1", ["127.0.0.1"], "203.0.113.7"),
        # Through our proxy: the address it saw, not what the visitor wrote before it.
        ("127.0.0.1", "198.51.100.1", ["127.0.0.1"], "198.51.100.1"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", ["127.0.0.1"], "198.51.100.1"),
        # Two of our proxies in a row.
        ("10.0.0.2", "198.51.100.1, 10.0.0.1", ["10.0.0.1", "10.0.0.2"], "198.51.100.1"),
        # Our proxy without the header: the proxy itself.
        ("127.0.0.1", "", ["127.0.0.1"], "127.0.0.1"),
    ],
)
def test_client_address_believes_only_trusted_proxies(
    peer: str, forwarded_for: str, trusted: list, visitor: str
) -> None:
    assert client_address(peer, forwarded_for, trusted) == visitor


def test_rate_limiter_forgets_keys_with_no_hit_in_the_window() -> None:
    limiter = RateLimiter(limit=5, window_s=60)
    for number in range(1000):
        limiter.allow(f"visitor-{number}", now=1 + number / 100)
    assert len(limiter) == 1000
    limiter.allow("late", now=200)
    assert len(limiter) == 1


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
