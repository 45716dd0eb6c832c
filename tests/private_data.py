"""A conversation full of personal data, and the checks that none of it is stored."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List, Tuple
from urllib.parse import unquote

from bot.outbox import read_message

# Personal data a person in distress may type, in the spellings people use.
PRIVATE = {
    "phone": "06 12 34 56 78",
    "email": "marie.curie@exemple.fr",
    "nir": "2 85 05 78 006 084 36",
}
HANDED_OFF = [
    (
        "on m'a refusé un appartement à cause de mes origines, appelez-moi au "
        f"{PRIVATE['phone']} ou {PRIVATE['email']}, mon numéro de sécu {PRIVATE['nir']}"
    ),
    "je voudrais parler à quelqu'un",
    "/send_to_team",
    # The draft offered is the stored (masked) question: the person writes another.
    "/deny",
    f"Pouvez-vous me rappeler au {PRIVATE['phone']} ?",
    f"mon adresse : {PRIVATE['email']}",
    "/affirm",
]


def traces(text: str) -> List[str]:
    """Where a private value shows in `text`, plain or URL-encoded, in any spacing."""
    decoded = unquote(unquote(text))
    squeezed = re.sub(r"[\s.%+\-]", "", decoded)
    found = []
    for kind, value in PRIVATE.items():
        digits_or_text = re.sub(r"[\s.%+\-]", "", value)
        if value in decoded or digits_or_text in squeezed:
            found.append(kind)
    return found


def assert_stored_without_personal_data(rows: Iterable[Tuple[str, str]]) -> None:
    """`rows` of (type_name, data) of one conversation: every event type, no trace."""
    rows = list(rows)
    assert {"user", "bot", "slot", "action", "active_loop"} <= {kind for kind, _ in rows}
    leaks = {(kind, trace) for kind, data in rows for trace in traces(data)}
    assert leaks == set(), leaks


def assert_mail_carries_what_was_agreed(outbox: Path, sender: str) -> None:
    """Only the e-mail to the team carries what the person agreed to send, kept
    sealed from one turn to the next; the earlier messages stay masked in it."""
    (mail,) = [read_message(p) for p in outbox.glob("*.eml") if sender in p.read_text()]
    body = mail.get_body().get_content().replace("\r\n", "\n")
    assert f"Question :\nPouvez-vous me rappeler au {PRIVATE['phone']} ?" in body
    assert mail["Reply-To"] == PRIVATE["email"]
    assert PRIVATE["nir"] not in body
