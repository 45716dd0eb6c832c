"""The outbox: every escalation e-mail is written there first, so none is lost.

var/outbox/*.eml are waiting (dry run, or the SMTP server failed); once an SMTP
server accepts one, it moves to var/outbox/sent/. `bot outbox --send` retries.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import List

from bot.settings import SmtpSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outbox:
    folder: Path

    @property
    def sent_folder(self) -> Path:
        return self.folder / "sent"

    def store(self, message: EmailMessage) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        path = self.folder / name
        # Written under a temporary name, then renamed: a reader never sees half a file.
        partial = path.with_suffix(".part")
        partial.write_bytes(message.as_bytes(policy=SMTP))
        partial.rename(path)
        return path

    def pending(self) -> List[Path]:
        return sorted(self.folder.glob("*.eml")) if self.folder.is_dir() else []

    def mark_sent(self, path: Path) -> Path:
        self.sent_folder.mkdir(parents=True, exist_ok=True)
        return path.rename(self.sent_folder / path.name)


def read_message(path: Path) -> EmailMessage:
    message = message_from_bytes(path.read_bytes(), policy=SMTP)
    assert isinstance(message, EmailMessage)
    return message


def smtp_send(message: EmailMessage, smtp: SmtpSettings) -> None:
    """Sends through the configured server; raises OSError, SMTPException or ValueError."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.user:
            client.login(smtp.user, smtp.password)
        client.send_message(message)


def deliver(message: EmailMessage, smtp: SmtpSettings, outbox: Outbox) -> str:
    """Stores the message, then sends it unless in dry run.

    Returns "sent" (a server took it), "queued" (dry run) or "failed" (kept to retry).
    """
    path = outbox.store(message)
    if smtp.dry_run:
        logger.info("Escalation e-mail kept in the outbox (dry run): %s", path)
        logger.debug("Message:\n%s", message)
        return "queued"
    return "sent" if send_stored(path, smtp, outbox) else "failed"


def send_stored(path: Path, smtp: SmtpSettings, outbox: Outbox) -> bool:
    """Sends one stored message; on success it moves to sent/, otherwise it stays."""
    try:
        smtp_send(read_message(path), smtp)
    # ValueError: smtplib cannot encode a non-ASCII login or address without SMTPUTF8.
    except (OSError, smtplib.SMTPException, ValueError) as error:
        logger.warning("Escalation e-mail not sent, kept in the outbox (%s): %s", error, path)
        return False
    logger.info("Escalation e-mail sent: %s", outbox.mark_sent(path))
    return True
