"""Personal data is masked in what the tracker store writes (the masker itself:
tests/test_pii_masker.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.assistant import Assistant, new_sender
from tests.private_data import (
    HANDED_OFF,
    assert_mail_carries_what_was_agreed,
    assert_stored_without_personal_data,
)


def test_messages_are_masked_in_the_tracker_store(assistant: Assistant) -> None:
    sender = new_sender()
    reply = assistant.send("je suis au 06 12 34 56 78 ou a.b@exemple.fr, le parrainage ?", sender)
    assert reply and reply[0]["text"]
    with sqlite3.connect(assistant.tracker_db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchall()
    stored = [json.loads(data) for (data,) in rows]
    assert [event["text"] for event in stored] == [
        "je suis au [numéro de téléphone] ou [adresse e-mail], le parrainage ?"
    ]
    assert "06 12" not in json.dumps(stored) and "exemple.fr" not in json.dumps(stored)


def test_an_escalated_and_handed_off_conversation_is_stored_without_personal_data(
    assistant: Assistant,
) -> None:
    sender = new_sender()
    replies = [assistant.send(message, sender) for message in HANDED_OFF]
    assert "enregistré" in replies[-1][0]["text"], replies[-1]
    with sqlite3.connect(assistant.tracker_db) as connection:
        rows = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ?", (sender,)
        ).fetchall()
    assert_stored_without_personal_data(rows)
    assert_mail_carries_what_was_agreed(Path(assistant.env()["OUTBOX_DIR"]), sender)
