"""The custom actions, run on real trackers built from Rasa events and on the real domain."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import ActionClarify, ActionEscalate
from bot.nlg import SettingsResponses, contact_defaults
from bot.settings import DEFAULT_CONTACT_EMAIL, PROJECT_DIR
from bot.topics import load_topics

DOMAIN = Domain.load(str(PROJECT_DIR / "domain.yml"))
# (text, intent, ranking of (intent, confidence)); the bot's answer follows each turn.
Turn = Tuple[str, str, Sequence[Tuple[str, float]]]


def user(text: str, intent: str, ranking: Sequence[Tuple[str, float]] = ()) -> UserUttered:
    ranking = ranking or [(intent, 0.9)]
    return UserUttered(
        text,
        intent={"name": intent, "confidence": ranking[0][1]},
        parse_data={
            "text": text,
            "intent": {"name": intent, "confidence": ranking[0][1]},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
            "entities": [],
        },
    )


def conversation(*events: Event) -> Tracker:
    """A real Rasa tracker, serialised as the action server receives it."""
    tracker = DialogueStateTracker.from_events("test-user", list(events), slots=DOMAIN.slots)
    return Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))


def run(action: Any, tracker: Tracker) -> Dict[str, Any]:
    events = asyncio.run(action.run(CollectingDispatcher(), tracker, DOMAIN.as_dict()))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def answered(utter: str) -> List[Event]:
    return [ActionExecuted(utter), ActionExecuted("action_listen")]


def mailto_parts(link: str) -> Tuple[str, Dict[str, List[str]]]:
    parts = urlsplit(link)
    assert parts.scheme == "mailto"
    return parts.path, parse_qs(parts.query)


def test_escalation_gives_the_settings_address_and_the_last_question(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONTACT_EMAIL", "equipe@example.org")
    tracker = conversation(
        ActionExecuted("action_listen"),
        user("c'est quoi l'école ouverte ?", "open_school"),
        *answered("utter_open_school"),
        user("et qui je contacte ?", "ask_contact"),
    )
    slots = run(ActionEscalate(), tracker)
    address, fields = mailto_parts(slots["mailto"])
    assert address == "equipe@example.org"
    assert fields["subject"] == ["Question sur « École ouverte »"]
    assert "Ma question : c'est quoi l'école ouverte ?" in fields["body"][0]
    assert slots["topic_hint"] == " pour « École ouverte »"


def test_default_address_is_the_one_on_the_source_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTACT_EMAIL", raising=False)
    # docs/page-source.txt: the project's copy of the source page.
    page = (PROJECT_DIR / "docs" / "page-source.txt").read_text(encoding="utf-8")
    assert DEFAULT_CONTACT_EMAIL in page
    slots = run(ActionEscalate(), conversation(user("contact", "ask_contact")))
    assert mailto_parts(slots["mailto"])[0] == DEFAULT_CONTACT_EMAIL


def test_follow_up_on_procedure_names_the_scheme_and_forwards_the_question() -> None:
    tracker = conversation(
        user("les cordées de la réussite", "cordees"),
        *answered("utter_cordees"),
        user("/thank", "thank"),
        *answered("utter_thank"),
        user("comment je m'inscris ?", "ask_procedure"),
    )
    slots = run(ActionEscalate(), tracker)
    assert slots["topic_hint"] == " pour « Cordées de la réussite »"
    _, fields = mailto_parts(slots["mailto"])
    assert "Ma question : comment je m'inscris ?" in fields["body"][0]


def test_without_a_scheme_the_escalation_stays_generic() -> None:
    slots = run(ActionEscalate(), conversation(user("je veux parler à quelqu'un", "ask_contact")))
    assert slots["topic_hint"] == ""
    _, fields = mailto_parts(slots["mailto"])
    assert fields["subject"] == ["Question posée à l'assistant"]
    assert "je veux parler à quelqu'un" in fields["body"][0]


def test_mailto_survives_markdown_and_special_characters() -> None:
    question = "quand (date) & où ? 100% [urgent]"
    slots = run(ActionEscalate(), conversation(user(question, "ask_procedure")))
    assert not re.search(r"[()\[\] ]", slots["mailto"])
    assert question in mailto_parts(slots["mailto"])[1]["body"][0]


UNSURE = [("nlu_fallback", 0.25), ("cordees", 0.2), ("sponsorship", 0.15), ("greet", 0.1)]


def test_first_miss_offers_the_two_likeliest_schemes() -> None:
    slots = run(
        ActionClarify(),
        conversation(user("je cherche un truc pour mon fils", "nlu_fallback", UNSURE)),
    )
    assert slots["misunderstood"] == "once"
    assert (slots["clarify_intent_1"], slots["clarify_intent_2"]) == ("cordees", "sponsorship")
    assert slots["clarify_label_1"] == load_topics()["cordees"].label


def test_clarification_skips_small_talk_and_pads_with_area_menus() -> None:
    ranking = [("nlu_fallback", 0.2), ("greet", 0.19), ("vvv", 0.1), ("thank", 0.05)]
    slots = run(ActionClarify(), conversation(user("euh bon ben", "nlu_fallback", ranking)))
    assert (slots["clarify_intent_1"], slots["clarify_intent_2"]) == ("vvv", "education_access")


def test_second_miss_in_a_row_escalates() -> None:
    tracker = conversation(
        user("je cherche un truc pour mon fils", "nlu_fallback", UNSURE),
        ActionExecuted("action_clarify"),
        SlotSet("misunderstood", "once"),
        *answered("utter_clarify"),
        user("bah pour l'aider quoi", "nlu_fallback", UNSURE),
    )
    slots = run(ActionClarify(), tracker)
    assert slots["misunderstood"] == "twice"
    assert "bah pour l'aider quoi" in mailto_parts(slots["mailto"])[1]["body"][0]


def test_a_miss_after_an_answer_is_a_first_miss_again() -> None:
    tracker = conversation(
        user("x y z", "nlu_fallback", UNSURE),
        ActionExecuted("action_clarify"),
        *answered("utter_clarify"),
        user("/cordees", "cordees"),
        *answered("utter_cordees"),
        user("et sinon pour la suite", "nlu_fallback", UNSURE),
    )
    assert run(ActionClarify(), tracker)["misunderstood"] == "once"


@pytest.mark.parametrize("text", ["😀😀😀", "?", "x", "!!"])
def test_unreadable_messages_get_a_request_to_rephrase(text: str) -> None:
    assert (
        run(ActionClarify(), conversation(user(text, "nlu_fallback", UNSURE)))["misunderstood"]
        == "unreadable"
    )


def _placeholders(utter: str) -> set:
    texts = yaml.safe_dump(DOMAIN.responses[utter])
    return set(re.findall(r"\{(\w+)\}", texts))


ESCALATIONS = (
    "utter_escalate_contact",
    "utter_escalate_procedure",
    "utter_escalate_unknown",
    "utter_escalate_more",
)


def test_responses_after_the_actions_only_use_slots_the_actions_or_settings_set() -> None:
    escalate = run(ActionEscalate(), conversation(user("contact", "ask_contact")))
    from_settings = set(contact_defaults("x@example.org"))
    for utter in ESCALATIONS:
        assert _placeholders(utter) <= set(escalate) | from_settings, utter
    clarify = run(ActionClarify(), conversation(user("hum pour voir", "nlu_fallback", UNSURE)))
    assert _placeholders("utter_clarify") <= set(clarify)


def test_without_the_action_server_escalations_still_give_the_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONTACT_EMAIL", "equipe@example.org")
    nlg = SettingsResponses(domain=DOMAIN)
    no_slots = {slot.name: None for slot in DOMAIN.slots}
    for utter in ESCALATIONS:
        text = nlg.generate_from_slots(utter, no_slots, "rest")["text"]
        assert "[equipe@example.org](mailto:equipe@example.org)" in text, utter
        assert "None" not in text and "{" not in text, utter


def test_slots_set_by_the_action_win_over_the_settings_defaults() -> None:
    nlg = SettingsResponses(domain=DOMAIN)
    text = nlg.generate_from_slots(
        "utter_escalate_procedure",
        {"mailto": "mailto:a@b.fr?subject=x", "topic_hint": " pour « VVV »"},
        "rest",
    )["text"]
    assert "(mailto:a@b.fr?subject=x)" in text and "dates pour « VVV »." in text


def _latest_intent(tracker: Tracker) -> Optional[str]:
    return tracker.latest_message["intent"].get("name")


def test_trackers_here_are_what_the_action_server_receives() -> None:
    tracker = conversation(user("bonjour", "greet"))
    assert _latest_intent(tracker) == "greet"
    assert tracker.latest_message["intent_ranking"][0]["name"] == "greet"
