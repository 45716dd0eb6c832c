"""E-mail addresses and the escalation message sent to the team."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import List, Optional

# Deliberately simple: ASCII, one @, a dotted domain ending in letters. Accented
# addresses are refused: few servers accept them, and the person gets the
# mailto: link after two tries anyway.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}")
MAX_EMAIL_CHARS = 254
# Which conversation an e-mail comes from; the outbox names its file after it (bot/outbox.py).
CONVERSATION_HEADER = "X-Conversation-Ref"
# The team must know that nobody vouches for what follows.
WARNING_LINE = (
    "Attention : ce message a été écrit par un visiteur non authentifié du site internet "
    "public ; les liens qu'il contient n'ont pas été vérifiés."
)


def is_valid_email(text: str) -> bool:
    # fullmatch: `$` would let a trailing line feed through, into the Reply-To header.
    return len(text) <= MAX_EMAIL_CHARS and bool(_EMAIL.fullmatch(text))


@dataclass(frozen=True)
class Handoff:
    """What a person agreed to send to the team."""

    question: str
    reply_to: str
    transcript: List[str]
    topic_label: Optional[str]
    conversation_id: str


def handoff_message(handoff: Handoff, team: str, sender: str) -> EmailMessage:
    """One e-mail to the team: answering it replies to the person (Reply-To)."""
    message = EmailMessage(policy=SMTP)
    about = f" sur « {handoff.topic_label} »" if handoff.topic_label else ""
    message["Subject"] = f"Question d'une personne{about} (assistant en ligne)"
    message["From"] = sender
    message["To"] = team
    message["Reply-To"] = handoff.reply_to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message[CONVERSATION_HEADER] = handoff.conversation_id
    message.set_content(
        "\n".join(
            [
                WARNING_LINE,
                "",
                "Bonjour,",
                "",
                "Une personne a transmis sa question à l'équipe depuis l'assistant en ligne "
                "« Agir pour l'égalité des chances », et a accepté cet envoi.",
                "",
                "Question :",
                handoff.question,
                "",
                f"Adresse de réponse : {handoff.reply_to}",
                "(Répondre à ce message lui écrit directement.)",
                "",
                f"Référence de la conversation : {handoff.conversation_id}",
                "",
                "Transcription de la conversation :",
                *handoff.transcript,
            ]
        )
        + "\n",
        charset="utf-8",
    )
    return message
