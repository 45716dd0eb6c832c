"""Sending a question to the team by e-mail, through the REST channel of the real
servers, to a real SMTP server (aiosmtpd) started by the tests."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Iterator, List
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from bot.mail import CONVERSATION_HEADER, WARNING_LINE
from bot.settings import DEFAULT_CONTACT_EMAIL
from tests.assistant import PROJECT_DIR, Assistant, free_port, new_sender
from tests.test_conversations_rest import buttons, mailto_in, texts

REPLY_TO = "camille.durand@exemple.fr"


class Inbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: List[Envelope] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> List[EmailMessage]:
        return [message_from_bytes(e.original_content, policy=default) for e in self.envelopes]


@pytest.fixture(scope="module")
def smtp_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def mailing_assistant(
    tmp_path_factory: pytest.TempPathFactory, smtp_port: int
) -> Iterator[Assistant]:
    """The assistant with real sending on: SMTP on localhost, no TLS, no login."""
    running = Assistant(
        Path(tmp_path_factory.mktemp("mailing")),
        env_overrides={
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_SECURITY": "none",
            "SMTP_DRY_RUN": "0",
            "SMTP_TIMEOUT": "5",
        },
    ).start()
    yield running
    running.stop()


@contextmanager
def smtp_server(port: int) -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture()
def inbox(smtp_port: int) -> Iterator[Inbox]:
    with smtp_server(smtp_port) as handler:
        yield handler


def outbox(assistant: Assistant) -> Path:
    return assistant.workdir / "outbox"


def start_sending(assistant: Assistant, sender: str) -> None:
    """A scheme question, a follow-up the page cannot answer, then the offered button."""
    assistant.send("c'est quoi les cordées de la réussite ?", sender)
    escalation = assistant.send("comment s'inscrire ?", sender)
    assert "/send_to_team" in [b["payload"] for b in buttons(escalation)]
    proposal = assistant.send("/send_to_team", sender)
    assert "« comment s'inscrire ? »" in texts(proposal)
    assert [b["payload"] for b in buttons(proposal)] == ["/affirm", "/cancel"]


def reach_consent(assistant: Assistant, sender: str) -> None:
    start_sending(assistant, sender)
    for answer in ["/affirm", REPLY_TO]:
        assistant.send(answer, sender)


def bot_outbox_send(assistant: Assistant) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "outbox", "--send"],
        cwd=PROJECT_DIR,
        env=assistant.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_consent_flow_sends_one_well_formed_email(
    mailing_assistant: Assistant, inbox: Inbox
) -> None:
    sender = new_sender()
    start_sending(mailing_assistant, sender)
    question = "Où et quand s'inscrire aux cordées de la réussite pour ma fille en 3ᵉ ?"
    asked = mailing_assistant.send(question, sender)  # a new wording replaces the draft
    assert "adresse e-mail" in texts(asked)
    consent = mailing_assistant.send(f"mon adresse : {REPLY_TO}", sender)
    assert question in texts(consent) and REPLY_TO in texts(consent)
    assert DEFAULT_CONTACT_EMAIL in texts(consent)
    assert [b["payload"] for b in buttons(consent)] == ["/affirm", "/deny"]
    done = mailing_assistant.send("/affirm", sender)
    assert "C'est envoyé" in texts(done)

    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0].rcpt_tos == [DEFAULT_CONTACT_EMAIL]
    message = inbox.messages()[0]
    assert message["To"] == DEFAULT_CONTACT_EMAIL
    assert message["Reply-To"] == REPLY_TO
    assert message["Subject"] == (
        "Question d'une personne sur « Cordées de la réussite » (assistant en ligne)"
    )
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message[CONVERSATION_HEADER] == sender
    body = message.get_content().replace("\r\n", "\n")  # SMTP line ends
    assert body.startswith(WARNING_LINE + "\n")
    assert f"Question :\n{question}\n" in body
    assert f"Adresse de réponse : {REPLY_TO}" in body
    assert f"Référence de la conversation : {sender}" in body
    transcript = body.split("Transcription de la conversation :\n", 1)[1]
    assert "Personne : c'est quoi les cordées de la réussite ?" in transcript
    assert "Assistant : Les cordées de la réussite font partie" in transcript
    assert "Personne : [bouton] Envoyer ma question à l'équipe" in transcript
    # Sent: nothing waits in the outbox, a copy is kept in sent/.
    assert list(outbox(mailing_assistant).glob("*.eml")) == []
    assert len(list((outbox(mailing_assistant) / "sent").glob("*.eml"))) >= 1


@pytest.mark.parametrize("steps_before", [0, 1, 2])
def test_annuler_leaves_at_any_step(
    mailing_assistant: Assistant, inbox: Inbox, steps_before: int
) -> None:
    sender = new_sender()
    start_sending(mailing_assistant, sender)
    for answer in ["/affirm", REPLY_TO][:steps_before]:
        mailing_assistant.send(answer, sender)
    reply = mailing_assistant.send("annuler", sender)
    assert "C'est annulé : je n'enverrai rien à l'équipe." in texts(reply)
    # The sending is over: a question gets its usual answer again.
    assert "DIRECCTE" in texts(mailing_assistant.send("c'est quoi le parrainage ?", sender))
    assert inbox.envelopes == []


def test_two_invalid_addresses_give_the_mailto_link(
    mailing_assistant: Assistant, inbox: Inbox
) -> None:
    sender = new_sender()
    start_sending(mailing_assistant, sender)
    mailing_assistant.send("/affirm", sender)
    retry = mailing_assistant.send("camille.durand.exemple.fr", sender)
    assert "ne semble pas valide" in texts(retry)
    reply = mailing_assistant.send("camille@exemple", sender)
    assert "je n'envoie donc rien" in texts(reply)
    link = urlsplit(mailto_in(reply))
    assert link.path == DEFAULT_CONTACT_EMAIL
    assert "comment s'inscrire ?" in parse_qs(link.query)["body"][0]
    assert inbox.envelopes == []


def test_refused_consent_sends_nothing(mailing_assistant: Assistant, inbox: Inbox) -> None:
    sender = new_sender()
    reach_consent(mailing_assistant, sender)
    reply = mailing_assistant.send("non", sender)
    assert "je n'envoie rien" in texts(reply)
    assert mailto_in(reply).startswith(f"mailto:{DEFAULT_CONTACT_EMAIL}")
    assert inbox.envelopes == []


def test_smtp_failure_keeps_the_email_and_bot_outbox_sends_it(
    mailing_assistant: Assistant, smtp_port: int
) -> None:
    # No server listens on the SMTP port yet: sending fails.
    pending_before = set(outbox(mailing_assistant).glob("*.eml"))
    sender = new_sender()
    reach_consent(mailing_assistant, sender)
    reply = mailing_assistant.send("oui j'accepte", sender)
    assert "l'envoi n'a pas fonctionné" in texts(reply)
    assert mailto_in(reply).startswith(f"mailto:{DEFAULT_CONTACT_EMAIL}")
    kept = set(outbox(mailing_assistant).glob("*.eml")) - pending_before
    assert len(kept) == 1

    with smtp_server(smtp_port) as handler:
        retry = bot_outbox_send(mailing_assistant)
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert "1 envoyé(s)" in retry.stdout
    assert len(handler.messages()) == 1
    assert handler.messages()[0]["Reply-To"] == REPLY_TO
    assert list(outbox(mailing_assistant).glob("*.eml")) == []
    assert (outbox(mailing_assistant) / "sent" / next(iter(kept)).name).exists()


def test_default_dry_run_keeps_the_email_in_the_outbox_and_logs_no_text(
    assistant: Assistant,
) -> None:
    sender = new_sender()
    reach_consent(assistant, sender)
    reply = assistant.send("/affirm", sender)
    assert "Votre message est enregistré" in texts(reply)
    kept = list(outbox(assistant).glob("*.eml"))
    assert len(kept) == 1
    # What `bot run` wrote is for its user only: the e-mail, and the conversations.
    assert kept[0].stat().st_mode & 0o777 == 0o600
    assert outbox(assistant).stat().st_mode & 0o777 == 0o700
    databases = list(assistant.workdir.glob("tracker.db*"))  # with its -wal and -shm
    assert databases and all(d.stat().st_mode & 0o777 == 0o600 for d in databases)
    assert f"kept in the outbox (dry run): {kept[0]}" in assistant.log()
    assert "comment s'inscrire ?" not in assistant.log()
    # `bot outbox` lists it, and refuses to send it in dry run.
    listing = bot_outbox_send(assistant)
    assert listing.returncode == 1
    assert kept[0].name in listing.stdout and "Mode essai" in listing.stdout
