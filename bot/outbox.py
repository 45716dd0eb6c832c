"""The outbox: every escalation e-mail is written there first, so none is lost.

var/outbox/*.eml are waiting (dry run, or the SMTP server failed); once an SMTP
server accepts one, it moves to var/outbox/sent/. `bot outbox --send` retries.
Every file is readable by the assistant's user only, and deleted once older than
the retention period (bot/retention.py), whether sent or not.
"""

from __future__ import annotations

import hashlib
import logging
import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Iterator, List

from bot.mail import CONVERSATION_HEADER
from bot.settings import SmtpSettings

logger = logging.getLogger(__name__)

# A person's address and question: for the assistant's user only, whatever the umask.
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def conversation_key(conversation_id: str) -> str:
    """The conversation in a file's name, whatever characters its id holds: counting
    by name took 16 ms for 1,500 files, against 2 s reading their headers."""
    return hashlib.sha256(conversation_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class Outbox:
    folder: Path

    @property
    def sent_folder(self) -> Path:
        return self.folder / "sent"

    def store(self, message: EmailMessage) -> Path:
        self.folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        key = conversation_key(str(message.get(CONVERSATION_HEADER, "")))
        name = f"{datetime.now():%Y%m%d-%H%M%S}-{key}-{uuid.uuid4().hex[:8]}.eml"
        path = self.folder / name
        # Written under a temporary name, then renamed: a reader never sees half a file.
        partial = path.with_suffix(".part")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(descriptor, "wb") as file:
            file.write(message.as_bytes(policy=SMTP))
        partial.rename(path)
        return path

    def pending(self) -> List[Path]:
        return sorted(self.folder.glob("*.eml"))

    def messages(self) -> Iterator[Path]:
        """Every e-mail stored, waiting or sent."""
        yield from self.folder.glob("*.eml")
        yield from self.sent_folder.glob("*.eml")

    def mark_sent(self, path: Path) -> Path:
        self.sent_folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
        return path.rename(self.sent_folder / path.name)

    def count_since(self, since: float) -> int:
        """E-mails stored since this time (a timestamp), waiting or sent."""
        return sum(1 for path in self.messages() if _mtime(path) >= since)

    def count_from(self, conversation_id: str) -> int:
        """E-mails stored for this conversation, waiting or sent."""
        key = f"-{conversation_key(conversation_id)}-"
        return sum(1 for path in self.messages() if key in path.name)

    def purge(self, cutoff: float) -> int:
        """Deletes every file older than `cutoff` (a timestamp): waiting, half-written, sent."""
        deleted = 0
        for path in [*self.messages(), *self.folder.glob("*.part")]:
            if _mtime(path) < cutoff:
                path.unlink(missing_ok=True)
                deleted += 1
        return deleted


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # moved to sent/ or deleted meanwhile: counted there, or gone
        return float("nan")


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


def deliver(path: Path, smtp: SmtpSettings, outbox: Outbox) -> str:
    """Sends a message stored in the outbox, unless in dry run.

    Returns "sent" (a server took it), "queued" (dry run) or "failed" (kept to retry).
    """
    if smtp.dry_run:
        logger.info("Escalation e-mail kept in the outbox (dry run): %s", path)
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
