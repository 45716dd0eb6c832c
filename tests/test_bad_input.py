"""Hostile and broken input at the real REST channel: a 4xx or a polite reply, never a 5xx."""

from __future__ import annotations

import json
from pathlib import Path

import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.assistant import Assistant, assert_not_last_resort, new_sender

FUZZ_EXAMPLES = 300
_tried = {"count": 0}  # reported at the end of the run (tests/conftest.py)


def post_raw(assistant: Assistant, body: bytes) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    return requests.post(assistant.rest_url, data=body, headers=headers, timeout=30)


def assert_answers_normally(assistant: Assistant) -> None:
    reply = assistant.send("c'est quoi l'école ouverte ?", new_sender())
    assert "École ouverte" in reply[0]["text"]


def test_broken_requests_get_a_4xx_or_a_french_reply(assistant: Assistant) -> None:
    sender = new_sender()
    cases = {
        b"": 400,
        b"{": 400,
        b"\xc3\x28 invalid utf-8": 400,
        json.dumps({"message": "bonjour"}).encode(): 400,
        json.dumps({"sender": "s" * 1_000, "message": "bonjour"}).encode(): 400,
        json.dumps({"sender": sender, "message": 12}).encode(): 400,
        json.dumps({"sender": sender, "message": "   "}).encode(): 200,
        json.dumps({"sender": sender, "message": "x" * 1_001}).encode(): 200,
        # Over MAX_REQUEST_BYTES: refused from its Content-Length, before it is read.
        json.dumps({"sender": sender, "message": "x" * 100_000}).encode(): 413,
        b"[" * 4_000: 400,
        b'{"sender": "s", "message": ' + b"[" * 3_000 + b"]" * 3_000 + b"}": 400,
        json.dumps({"sender": sender, "message": "\x00\x01\x1b[31m"}).encode(): 200,
    }
    for body, status in cases.items():
        reply = post_raw(assistant, body)
        assert reply.status_code == status, body[:40]
        assert reply.json()[0]["text"], body[:40]
    assert_answers_normally(assistant)


def test_script_rtl_and_emoji_text_are_answered_as_text(assistant: Assistant) -> None:
    for message in ("<script>alert(1)</script>", "مرحبا، هل تتكلم العربية؟", "🎓🏫❓"):
        reply = assistant.send(message, new_sender())
        assert reply and all(m.get("text") for m in reply)
        assert all("<script>" not in m["text"] for m in reply)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)
bodies = st.one_of(
    st.binary(max_size=2000),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"sender": st.one_of(st.text(max_size=200), json_values), "message": json_values}
    ).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"sender": st.uuids().map(str), "message": st.text(max_size=3000)}).map(
        lambda v: json.dumps(v).encode()
    ),
)


def test_fuzzed_requests_never_get_a_5xx(assistant: Assistant) -> None:
    _tried["count"] = 0
    post_fuzzed_bodies(assistant)
    assert _tried["count"] >= FUZZ_EXAMPLES


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    # No shrinking: each try is an HTTP round trip, and the failing body is in the message.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def post_fuzzed_bodies(assistant: Assistant, body: bytes) -> None:
    _tried["count"] += 1
    reply = post_raw(assistant, body)
    assert reply.status_code < 500, body[:200]
    assert "Traceback" not in reply.text and 'File "' not in reply.text, body[:200]
    if reply.status_code == 200:
        assert all(m.get("text") or m.get("buttons") for m in reply.json())
        assert_not_last_resort(reply.json())


def test_server_still_answers_after_the_fuzzing(assistant: Assistant) -> None:
    assert_answers_normally(assistant)
    assistant.assert_no_handling_failure()


def test_logs_hold_no_message_text(assistant: Assistant) -> None:
    for marker in ("zqxmarker école ouverte", "/zqxpayload{", "zqxmarker 06 12 34 56 78"):
        assistant.send(marker, new_sender())
    assert "zqx" not in assistant.log()


def test_floods_get_a_polite_429_per_sender_and_per_ip(tmp_path: Path) -> None:
    limited = Assistant(
        tmp_path, env_overrides={"RATE_LIMIT_PER_SENDER": "3", "RATE_LIMIT_PER_IP": "6"}
    ).start()
    try:
        sender = new_sender()
        replies = [post_raw(limited, _msg(sender)) for _ in range(4)]
        assert [reply.status_code for reply in replies] == [200, 200, 200, 429]
        assert "patienter" in replies[-1].json()[0]["text"]
        # Malformed requests count towards the address's limit too: the 5th and 6th
        # requests of this address pass, the 7th is refused whatever its sender.
        assert post_raw(limited, b"{").status_code == 400
        assert post_raw(limited, _msg(new_sender())).status_code == 200
        assert post_raw(limited, _msg(new_sender())).status_code == 429
    finally:
        limited.stop()


def _msg(sender: str) -> bytes:
    return json.dumps({"sender": sender, "message": "bonjour"}).encode()
