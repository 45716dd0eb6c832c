"""Faults survived by the real servers: action server down, Rasa server killed, bursts."""

from __future__ import annotations

import os
import signal
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

from bot.settings import DEFAULT_CONTACT_EMAIL
from tests.assistant import Assistant, new_sender


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
        for message in ("comment je m'inscris ?", "je veux parler à quelqu'un", "pour mon fils"):
            reply = text_of(running.send(message, sender))
            assert DEFAULT_CONTACT_EMAIL in reply, message
            assert "None" not in reply and "{" not in reply, message

        running.wait_for_log("The action server is back")
        reply = text_of(running.send("comment je m'inscris ?", sender))
        assert "?subject=" in reply  # the pre-filled link is back
    finally:
        running.stop()


def test_rasa_server_killed_then_restarted_goes_on_where_it_was(tmp_path: Path) -> None:
    running = Assistant(tmp_path, env_overrides={"RESTART_DELAY_S": "0"}).start()
    try:
        sender = new_sender()
        assert "DIRECCTE" in text_of(running.send("le parrainage", sender))
        os.kill(running.server_pids()["Rasa server"], signal.SIGKILL)
        running.wait_for_log("The Rasa server is back")
        assert "« Parrainage »" in text_of(running.send("comment je m'inscris ?", sender))
        user_turns = _user_texts(running.tracker_db, sender)
        assert user_turns == ["le parrainage", "comment je m'inscris ?"]
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
    assert sorted(_user_texts(assistant.tracker_db, sender)) == sorted(messages)
    # Each message was handled to its end before the next began (no interleaving).
    kinds = _event_kinds(assistant.tracker_db, sender)
    turns = "".join("U" if k == "user" else "L" if k == "listen" else "a" for k in kinds)
    assert turns.count("U") == len(messages)
    assert all(turn.startswith("U") and turn.endswith("L") for turn in _turns(turns))


def _rows(db: Path, sender: str) -> List[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT type_name, action_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()


def _user_texts(db: Path, sender: str) -> List[str]:
    import json

    return [json.loads(data)["text"] for kind, _, data in _rows(db, sender) if kind == "user"]


def _event_kinds(db: Path, sender: str) -> List[str]:
    kinds = []
    for kind, action, _ in _rows(db, sender):
        if kind == "user":
            kinds.append("user")
        elif kind == "action":
            kinds.append("listen" if action == "action_listen" else "action")
    return kinds


def _turns(kinds: str) -> List[str]:
    """Splits "LUaaLUaL" into user turns ["UaaL", "UaL"] (session start dropped)."""
    return ["U" + part for part in kinds.split("U")[1:]]
