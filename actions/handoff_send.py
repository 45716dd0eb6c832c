"""action_send_to_team: the one e-mail to the team, once the person agreed.

Anyone who reaches the action server can send it any tracker: everything that
goes into the e-mail is checked again here, whatever the earlier steps did,
and a conversation, or the whole deployment in a day, can only send a few.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import mailto_link
from actions.history import last_question, last_topic
from actions.transcript import transcript
from bot.guard import clean_text, valid_sender
from bot.mail import Handoff, handoff_message, is_valid_email
from bot.outbox import Outbox, deliver
from bot.sealing import opened
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)

HANDOFFS_PER_CONVERSATION = 3
# The most recent messages only; the longest answer of the domain is under 600 characters,
# a person's message at most MAX_MESSAGE_CHARS (1,000).
MAX_TRANSCRIPT_LINES = 60
MAX_LINE_CHARS = 1200
# Outcomes whose answers say that nothing was sent and give the mailto: link:
# what the tracker holds cannot be sent, or the hand-off limits are reached.
REFUSED = "declined"
LIMITED = "limited"


def _slot_text(tracker: Tracker, name: str, secret: str) -> str:
    """A slot's text, opened if sealed (actions/handoff_form.py); "" if not text, or not ours."""
    value = opened(tracker.get_slot(name), secret)
    return value if isinstance(value, str) else ""


def _shortened(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 1] + "…"


def capped_transcript(lines: List[str]) -> List[str]:
    """The latest MAX_TRANSCRIPT_LINES, each on one line of at most MAX_LINE_CHARS."""
    kept = [_shortened(clean_text(line)) for line in lines[-MAX_TRANSCRIPT_LINES:]]
    dropped = len(lines) - len(kept)
    return [f"(… {dropped} message(s) plus ancien(s) non repris)", *kept] if dropped else kept


def refusal(
    tracker: Tracker, question: str, reply_to: str, settings: Settings, outbox: Outbox
) -> Optional[str]:
    """Why nothing may be sent (a `handoff_result`), or None."""
    if not is_valid_email(reply_to):
        return "no_email"
    if tracker.get_slot("handoff_consent") is not True:
        return "declined"
    if not question or len(question) > settings.max_message_chars:
        return REFUSED
    if not valid_sender(tracker.sender_id):
        return REFUSED
    if outbox.count_from(tracker.sender_id) >= HANDOFFS_PER_CONVERSATION:
        logger.warning("Escalation e-mail refused: this conversation already sent the most.")
        return LIMITED
    per_day = settings.handoffs_per_day
    today = datetime.combine(datetime.now().date(), time.min).timestamp()
    if outbox.count_since(today) >= per_day:
        logger.warning("Escalation e-mail refused: HANDOFFS_PER_DAY (%d) reached today.", per_day)
        return LIMITED
    return None


class ActionSendToTeam(Action):
    def name(self) -> str:
        return "action_send_to_team"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        settings = load_settings()
        secret = settings.action_token
        question = clean_text(
            _slot_text(tracker, "handoff_question", secret) or last_question(tracker)
        )
        reply_to = _slot_text(tracker, "handoff_email", secret)
        # From the topic catalogue only (bot/topics.yml), never from the tracker's text.
        topic = last_topic(tracker)
        # Every outcome but "sent" and "queued" offers the person's own e-mail instead.
        mailto = SlotSet("mailto", mailto_link(settings.contact_email, question, topic))
        outbox = Outbox(settings.outbox_dir)
        refused = refusal(tracker, question, reply_to, settings, outbox)
        if refused:
            return [mailto, SlotSet("handoff_result", refused)]
        handoff = Handoff(
            question=question,
            reply_to=reply_to,
            transcript=capped_transcript(transcript(tracker)),
            topic_label=topic.label if topic else None,
            conversation_id=tracker.sender_id,
        )
        message = handoff_message(handoff, team=settings.contact_email, sender=settings.smtp.sender)
        # Counted and stored with no `await` in between: concurrent hand-offs on this
        # action server cannot both pass the limits.
        path = outbox.store(message)
        # smtplib blocks: keep the action server answering other conversations meanwhile.
        result = await asyncio.get_running_loop().run_in_executor(
            None, deliver, path, settings.smtp, outbox
        )
        return [mailto, SlotSet("handoff_result", result)]
