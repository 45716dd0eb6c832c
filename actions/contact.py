"""The team's contact: address from the settings and a pre-filled mailto link."""

from __future__ import annotations

from typing import Any, Dict, List, Optional
from urllib.parse import quote

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.history import last_question, last_topic
from bot.settings import load_settings
from bot.topics import Topic, topic_hint

# Keeps the mailto link within what mail clients accept.
MAX_QUESTION_CHARS = 500


def mailto_link(email: str, question: str, topic: Optional[Topic]) -> str:
    subject = f"Question sur « {topic.label} »" if topic else "Question posée à l'assistant"
    body = (
        "Bonjour,\n\n"
        f"Ma question : {question[:MAX_QUESTION_CHARS]}\n\n"
        "(Message préparé par l'assistant du site « Agir pour l'égalité des chances ».)"
    )
    return f"mailto:{email}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"


def contact_slots(tracker: Tracker) -> List[Dict[str, Any]]:
    """Slots used by the utter_escalate_* responses (the address itself: bot/nlg.py)."""
    email = load_settings().contact_email
    topic = last_topic(tracker)
    return [
        SlotSet("mailto", mailto_link(email, last_question(tracker), topic)),
        SlotSet("topic_hint", topic_hint(topic)),
    ]
