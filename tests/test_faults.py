"""Faults survived by the real servers: action server down, Rasa server killed, bursts."""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import requests

from bot.sealing import is_sealed, unseal
from bot.settings import DEFAULT_CONTACT_EMAIL
from tests.assistant import LAST_RESORT, Assistant, new_sender

Event = Dict[str, Any]
# A conversation: each message with a text its answer must hold.
Script = List[Tuple[str, str]]

# After a scheme question: the hand-off form (slots, active_loop, a rejected form
# execution on « annuler »), and the clarification (slots set by the action server).
HANDOFF: Script = [
    ("c'est quoi le parrainage ?", "DIRECCTE"),
    ("comment je m'inscris ?", "« Parrainage »"),
    ("/send_to_team", "« comment je m'inscris ? »"),
    ("/affirm", "adresse e-mail"),
    ("ce n'est pas une adresse", "ne semble pas valide"),
    ("annuler", "annulé"),
]
CLARIFICATION: Script = [
    ("/nlu_fallback", "pas sûr d'avoir bien compris"),
    ("/other_topic", DEFAULT_CONTACT_EMAIL),
    ("c'est quoi l'école ouverte ?", "École ouverte"),
    ("/nlu_fallback", "pas sûr d'avoir bien compris"),
    ("/nlu_fallback", "%C3%89cole%20ouverte"),  # the address, with the scheme in the link
]
SCRIPTS = (HANDOFF, CLARIFICATION)
TALKERS = 6  # people talking at once when the Rasa server is killed
REPLIES_BEFORE_KILL = 30
# Known to the test, to open the sealed slot values (bot/sealing.py) it compares.
ACTION_TOKEN = secrets.token_urlsafe(32)


def text_of(reply: List[dict]) -> str:
    return "\n".join(m.get("text", "") for m in reply)


def test_without_the_action_server_every_message_still_gets_a_useful_reply(
    tmp_path: Path,
) -> None:
    running = Assistant(tmp_path, env_overrides={"RESTART_DELAY_S": "15"}).start()
    try:
        sender = new_sender()
        assert "DIRECCTE" in text_of(running.send("le parrainage c'est quoi", sender))
        os.kill(running.server_pids()["action server"], signal.SIGKILL)
        running.wait_for_log("the action server stopped")

        assert "École ouverte" in text_of(running.send("c'est quoi l'école ouverte ?", sender))
        for message in ("comment je m'inscris ?", "je veux parler à quelqu'un"):
            reply = text_of(running.send(message, sender))
            assert DEFAULT_CONTACT_EMAIL in reply, message
            assert "None" not in reply and "{" not in reply, message
        # A clarification needs the action server: the channel's reply with the address.
        assert text_of(running.send("pour mon fils", sender, last_resort_ok=True)) == LAST_RESORT

        running.wait_for_log("The action server is back")
        reply = text_of(running.send("comment je m'inscris ?", sender))
        assert "?subject=" in reply  # the pre-filled link is back
    finally:
        running.stop()


@dataclass
class Conversation:
    """One person following a script, and the answers received (HTTP 200)."""

    script: Script
    sender: str = field(default_factory=new_sender)
    # None: the turn is stored but its answer was lost with the server.
    replies: List[Optional[List[dict]]] = field(default_factory=list)
    cut: str = ""  # how the request in flight failed when the server died

    def talk(self, assistant: Assistant, stop: Optional[threading.Event] = None) -> bool:
        """Sends the rest of the script; False if the server went away or `stop` is set."""
        for message, expected in self.script[len(self.replies) :]:
            if stop is not None and stop.is_set():
                return False
            try:
                reply = assistant.send(message, self.sender)
            except requests.ConnectionError as error:
                self.cut = str(error)
                return False
            assert expected in text_of(reply), (message, reply)
            self.replies.append(reply)
        return True


def _talk_until_cut(
    assistant: Assistant, first: int, everyone: List[Conversation], stop: threading.Event
) -> None:
    """One conversation after another, until the server goes away."""
    n = first
    while not stop.is_set():
        conversation = Conversation(SCRIPTS[n % len(SCRIPTS)])
        everyone.append(conversation)
        if not conversation.talk(assistant, stop):
            return
        n += 1


def _wait_for_replies(everyone: List[Conversation], talkers: List[Future], count: int) -> None:
    deadline = time.monotonic() + 60
    while sum(len(c.replies) for c in list(everyone)) < count:
        for talker in talkers:
            if talker.done():
                talker.result()  # raises what went wrong in it
                raise AssertionError("a talker stopped while the server was up")
        assert time.monotonic() < deadline, "the load never reached the server"
        time.sleep(0.05)


def test_rasa_server_killed_under_load_keeps_every_answered_turn_and_goes_on(
    tmp_path: Path,
) -> None:
    """SIGKILL while several conversations are being handled; `bot run` restarts the server.

    In the SQLite store afterwards: no half turn, every answer received stored,
    and each conversation, carried on, holds the same events as one never cut.
    """
    running = Assistant(
        tmp_path, env_overrides={"RESTART_DELAY_S": "0", "ACTION_SERVER_TOKEN": ACTION_TOKEN}
    ).start()
    everyone: List[Conversation] = []
    stop = threading.Event()
    try:
        rasa_pid = running.server_pids()["Rasa server"]
        with ThreadPoolExecutor(TALKERS) as pool:
            try:
                talkers = [
                    pool.submit(_talk_until_cut, running, n, everyone, stop) for n in range(TALKERS)
                ]
                _wait_for_replies(everyone, talkers, REPLIES_BEFORE_KILL)
                time.sleep(random.uniform(0, 0.1))  # anywhere in a turn
                os.kill(rasa_pid, signal.SIGKILL)
                for talker in talkers:
                    talker.result(timeout=60)
            finally:
                stop.set()
        cut = [c for c in everyone if c.cut]
        assert len(cut) == TALKERS
        # At least one request had reached the server when it died.
        assert any("Connection aborted" in c.cut for c in cut), [c.cut for c in cut]
        running.wait_for_log("The Rasa server is back", timeout_s=60)

        for conversation in everyone:
            turns = _turns(_stored_events(running.tracker_db, conversation.sender))
            assert all(_complete(turn) for turn in turns[:-1]), "a half turn in the middle"
            answered = len(conversation.replies)
            assert answered <= len(turns) <= answered + bool(conversation.cut)
            conversation.replies += [None] * (len(turns) - answered)
            assert conversation.talk(running), conversation.cut  # goes on where it was
        # The same scripts on a server never killed: the reference conversations.
        references = {id(script): Conversation(script) for script in SCRIPTS}
        for reference in references.values():
            assert reference.talk(running)

        expected = {
            key: _signatures(_stored_events(running.tracker_db, reference.sender))
            for key, reference in references.items()
        }
        kinds = {json.loads(sig)["event"] for signatures in expected.values() for sig in signatures}
        assert kinds >= {"session_started", "user", "bot", "action", "slot", "active_loop"}
        for conversation in [*everyone, *references.values()]:
            events = _stored_events(running.tracker_db, conversation.sender)
            # Every event (session start, user, bot, action, slot, active loop) as if
            # the server had never died: nothing lost, nothing twice, nothing half done.
            assert _signatures(events) == expected[id(conversation.script)]
            # Every answer received is the one stored for its turn.
            for reply, turn in zip(conversation.replies, _turns(events)):
                if reply is not None:
                    assert _bot_messages(turn) == _received(reply)
        running.assert_no_handling_failure()
    finally:
        running.stop()


def test_simultaneous_messages_of_one_sender_are_all_processed_one_after_the_other(
    assistant: Assistant,
) -> None:
    sender = new_sender()
    messages = [
        "c'est quoi l'école ouverte ?",
        "le parrainage",
        "les cordées de la réussite",
        "la charte de la diversité",
        "le centre de ressources",
        "c'est quoi l'acsé",
    ]
    with ThreadPoolExecutor(len(messages)) as pool:
        replies = list(pool.map(lambda m: assistant.send(m, sender), messages))
    assert all(text_of(reply) for reply in replies)
    turns = _turns(_stored_events(assistant.tracker_db, sender))
    assert sorted(turn[0]["text"] for turn in turns) == sorted(messages)
    # Each message was handled to its end before the next began (no interleaving).
    assert all(_complete(turn) for turn in turns)


def _stored_events(db: Path, sender: str) -> List[Event]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def _turns(events: List[Event]) -> List[List[Event]]:
    """The events from each user message to the next (the session start left out)."""
    starts = [i for i, event in enumerate(events) if event["event"] == "user"]
    return [events[start:end] for start, end in zip(starts, [*starts[1:], len(events)])]


def _complete(turn: List[Event]) -> bool:
    """A turn handled to its end: the assistant listens again."""
    return turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen"


def _signatures(events: List[Event]) -> List[str]:
    """What two runs of one script must share: all but times, ids, scores and ciphers."""
    volatile = ("timestamp", "metadata", "message_id", "parse_data", "confidence")
    signatures = []
    for event in events:
        kept = {key: value for key, value in event.items() if key not in volatile}
        if is_sealed(event.get("value")):  # encrypted anew each time: compare the clear text
            kept["value"] = {"sealed": unseal(event["value"], ACTION_TOKEN)}
        if event["event"] == "user":
            kept["intent"] = event["parse_data"]["intent"]["name"]
        signatures.append(json.dumps(kept, sort_keys=True, ensure_ascii=False))
    return signatures


def _bot_messages(turn: List[Event]) -> List[tuple]:
    return [(e.get("text"), e["data"].get("buttons")) for e in turn if e["event"] == "bot"]


def _received(reply: List[dict]) -> List[tuple]:
    return [(message.get("text"), message.get("buttons")) for message in reply]
