"""action_send_to_team: the one e-mail to the team, once the person agreed."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import mailto_link
from actions.history import last_question, last_topic
from actions.transcript import transcript
from bot.mail import Handoff, handoff_message
from bot.outbox import Outbox, deliver
from bot.settings import load_settings


class ActionSendToTeam(Action):
    def name(self) -> str:
        return "action_send_to_team"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        settings = load_settings()
        question = tracker.get_slot("handoff_question") or last_question(tracker)
        topic = last_topic(tracker)
        # Every outcome but "sent" and "queued" offers the person's own e-mail instead.
        mailto = SlotSet("mailto", mailto_link(settings.contact_email, question, topic))
        email = tracker.get_slot("handoff_email")
        if not email:
            return [mailto, SlotSet("handoff_result", "no_email")]
        if tracker.get_slot("handoff_consent") is not True:
            return [mailto, SlotSet("handoff_result", "declined")]
        handoff = Handoff(
            question=question,
            reply_to=email,
            transcript=transcript(tracker),
            topic_label=topic.label if topic else None,
            conversation_id=tracker.sender_id,
        )
        message = handoff_message(handoff, team=settings.contact_email, sender=settings.smtp.sender)
        outbox = Outbox(settings.outbox_dir)
        # smtplib blocks: keep the action server answering other conversations meanwhile.
        result = await asyncio.get_running_loop().run_in_executor(
            None, deliver, message, settings.smtp, outbox
        )
        return [mailto, SlotSet("handoff_result", result)]
