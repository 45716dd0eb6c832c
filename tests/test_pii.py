"""What the masking of personal data catches, and what it leaves alone."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.pii import mask
from tests.assistant import Assistant, new_sender


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("écrivez-moi à jean.dupont+asso@exemple-mail.fr svp", "[adresse e-mail]"),
        ("mon numéro c'est le 06 12 34 56 78", "[numéro de téléphone]"),
        ("appelez le 0612345678", "[numéro de téléphone]"),
        ("tel: +33 6 12 34 56 78", "[numéro de téléphone]"),
        ("tel 0033 (0)4.67.12.34.56", "[numéro de téléphone]"),
        ("mon numéro de sécu 1 85 05 78 006 084 36", "[numéro de sécurité sociale]"),
        ("nir 2850578006084", "[numéro de sécurité sociale]"),
        ("corse 1 85 05 2A 006 084 36", "[numéro de sécurité sociale]"),
        ("iban FR76 3000 6000 0112 3456 7890 189", "[IBAN]"),
        ("carte 4111 1111 1111 1111", "[numéro de carte]"),
        ("j'habite 12 rue des Lilas, 34000 Montpellier", "[adresse postale]"),
        ("au 3 bis avenue Jean Jaurès", "[adresse postale]"),
        ("5, impasse du Moulin", "[adresse postale]"),
    ],
)
def test_personal_data_is_replaced(text: str, placeholder: str) -> None:
    masked = mask(text)
    assert placeholder in masked, masked
    assert not any(ch.isdigit() for ch in masked.split(placeholder)[0][-3:]), masked


@pytest.mark.parametrize(
    "text",
    [
        "c'est quoi l'école ouverte ?",
        "appelez le 3928 ou le 17",
        "les 18 critères de la loi",
        "article du 14/04/2010",
        "mon fils a 15 ans et il est en 3e",
        "4111 1111 1111 1112",  # not a valid card number (Luhn)
        "les plans du Gard et des Pyrénées-Orientales",
        "j'ai un rendez-vous à la place de la mairie",
    ],
)
def test_ordinary_questions_are_left_alone(text: str) -> None:
    assert mask(text) == text


def test_several_kinds_in_one_message() -> None:
    masked = mask("Je suis Mme X, 06 11 22 33 44, x@y.fr, 8 rue Haute 30000 Nîmes")
    assert masked == ("Je suis Mme X, [numéro de téléphone], [adresse e-mail], [adresse postale]")


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
