"""Reading what the person asked from the conversation so far."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

from rasa_sdk import Tracker

from bot.topics import Topic, load_topics

# Messages that are not a question worth forwarding to the team.
NOT_A_QUESTION = frozenset({"ask_contact", "other_topic", "nonsense", "send_to_team"})


def _user_events_newest_first(tracker: Tracker) -> Iterator[Dict[str, Any]]:
    """The person's messages, newest first, without their answers inside a form
    (an e-mail address or a "oui" is neither a question nor a topic)."""
    said: List[Dict[str, Any]] = []
    active_loop = None
    for event in tracker.events:
        if event.get("event") == "active_loop":
            active_loop = event.get("name")
        elif event.get("event") == "user" and not active_loop:
            said.append(event)
    return reversed(said)


def _intent_of(event: Dict[str, Any]) -> Optional[str]:
    return (event.get("parse_data") or {}).get("intent", {}).get("name")


def last_topic(tracker: Tracker) -> Optional[Topic]:
    """The scheme the person last asked about, for follow-ups such as "comment je m'inscris ?"."""
    topics = load_topics()
    for event in _user_events_newest_first(tracker):
        topic = topics.get(_intent_of(event) or "")
        if topic is not None and topic.is_scheme:
            return topic
    return None


def _typed_newest_first(tracker: Tracker) -> Iterator[Dict[str, Any]]:
    for event in _user_events_newest_first(tracker):
        text = (event.get("text") or "").strip()
        if text and not text.startswith("/"):
            yield {**event, "text": text}


def real_question(tracker: Tracker) -> Optional[str]:
    """The person's last real question: typed text, not a button, a greeting or "who to call?"."""
    topics = load_topics()
    for event in _typed_newest_first(tracker):
        intent = _intent_of(event) or ""
        topic = topics.get(intent)
        if intent not in NOT_A_QUESTION and not (topic and topic.area == "conversation"):
            return event["text"]
    return None


def last_question(tracker: Tracker) -> str:
    """The last real question or, failing that, the last typed message (for mailto links)."""
    latest = next(_typed_newest_first(tracker), {}).get("text", "")
    return real_question(tracker) or latest


def previous_bot_action(tracker: Tracker) -> Optional[str]:
    """The last action the bot ran before the latest user message, if any."""
    seen_latest_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest_user:
                return None
            seen_latest_user = True
        elif seen_latest_user and event.get("event") == "action":
            name = event.get("name")
            if name not in ("action_listen", None):
                return name
    return None
