"""Conversations with the real servers through the REST channel, as the widget has them."""

from __future__ import annotations

import re
from typing import List
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from bot.channel import ENGLISH_NOTE
from bot.settings import DEFAULT_CONTACT_EMAIL
from tests.assistant import Assistant, new_sender


def texts(reply: List[dict]) -> str:
    return "\n".join(message.get("text", "") for message in reply)


def buttons(reply: List[dict]) -> List[dict]:
    return [button for message in reply for button in message.get("buttons", [])]


def mailto_in(reply: List[dict]) -> str:
    links = re.findall(r"\((mailto:[^)]+)\)", texts(reply))
    assert len(links) == 1, texts(reply)
    return links[0]


def test_greeting_says_it_is_automated_and_offers_the_three_areas(assistant: Assistant) -> None:
    reply = assistant.send("bonjour", new_sender())
    assert "assistant automatisé" in texts(reply)
    assert [b["payload"] for b in buttons(reply)] == [
        "/education_access",
        "/employment_access",
        "/discrimination_prevention",
    ]


def test_a_button_payload_leads_to_the_scheme_answer(assistant: Assistant) -> None:
    sender = new_sender()
    menu = assistant.send("/education_access", sender)
    assert "/open_school" in [b["payload"] for b in buttons(menu)]
    assert "comité de pilotage École ouverte" in texts(assistant.send("/open_school", sender))


def test_follow_up_questions_refer_to_the_last_scheme(assistant: Assistant) -> None:
    sender = new_sender()
    assert "DIRECCTE" in texts(assistant.send("c'est quoi le parrainage ?", sender))
    reply = assistant.send("comment je m'inscris ?", sender)
    assert "La page ne précise pas" in texts(reply)
    assert "« Parrainage »" in texts(reply)
    address, query = urlsplit(mailto_in(reply)).path, parse_qs(urlsplit(mailto_in(reply)).query)
    assert address == DEFAULT_CONTACT_EMAIL
    assert query["body"][0].count("comment je m'inscris ?") == 1

    assert (
        "internats d'excellence" in texts(assistant.send("et pour les internats ?", sender)).lower()
    )
    reply = assistant.send("et qui je contacte ?", sender)
    assert DEFAULT_CONTACT_EMAIL in texts(reply)
    assert "internats" in unquote(mailto_in(reply)).lower()


def test_a_request_for_a_person_or_a_phone_number_gets_the_email(assistant: Assistant) -> None:
    reply = assistant.send("je voudrais le numéro de téléphone de quelqu'un", new_sender())
    assert DEFAULT_CONTACT_EMAIL in texts(reply)
    assert "pas de numéro de téléphone" in texts(reply)


def test_unclear_message_gets_a_clarification_then_the_email(assistant: Assistant) -> None:
    sender = new_sender()
    # "/nlu_fallback" is what the NLU yields below its confidence threshold.
    first = assistant.send("/nlu_fallback", sender)
    assert "Je ne suis pas sûr" in texts(first)
    assert len(buttons(first)) == 3 and buttons(first)[-1]["payload"] == "/other_topic"
    second = assistant.send("/nlu_fallback", sender)
    assert DEFAULT_CONTACT_EMAIL in texts(second)


def test_vague_messages_fall_below_the_nlu_threshold(assistant: Assistant) -> None:
    # Vague on purpose: no topic of the page scores above the FallbackClassifier's
    # threshold (config.yml) for these, so the real NLU must ask for clarification.
    sender = new_sender()
    first = assistant.send("pour mon fils", sender)
    assert "Je ne suis pas sûr" in texts(first)
    assert [b["payload"] for b in buttons(first)][-1] == "/other_topic"
    assert DEFAULT_CONTACT_EMAIL in texts(assistant.send("et alors", sender))


def test_other_topic_button_escalates(assistant: Assistant) -> None:
    sender = new_sender()
    assistant.send("/nlu_fallback", sender)
    reply = assistant.send("/other_topic", sender)
    assert "Je n'ai pas trouvé de réponse" in texts(reply)
    assert DEFAULT_CONTACT_EMAIL in texts(reply)


def test_person_in_danger_gets_emergency_numbers_first(assistant: Assistant) -> None:
    reply = assistant.send("au secours il va me frapper", new_sender())
    assert "17" in reply[0]["text"] and "112" in reply[0]["text"]


def test_victim_gets_empathy_the_defender_of_rights_and_the_team(assistant: Assistant) -> None:
    reply = assistant.send("on m'a refusé un appartement à cause de mes origines", new_sender())
    assert "désolé" in reply[0]["text"]
    assert "3928" in texts(reply) and "antidiscriminations.fr" in texts(reply)
    assert DEFAULT_CONTACT_EMAIL in texts(reply)


def test_out_of_scope_question_is_declined_politely_with_the_email(assistant: Assistant) -> None:
    reply = assistant.send("comment renouveler mon passeport ?", new_sender())
    assert "Je ne peux vous renseigner que sur" in texts(reply)
    assert DEFAULT_CONTACT_EMAIL in texts(reply)


def test_unreadable_messages_get_a_request_to_rephrase(assistant: Assistant) -> None:
    for message in ("😀😀😀", "?", "qsdfghjklm"):
        assert "reformuler" in texts(assistant.send(message, new_sender())), message


def test_english_message_gets_the_topic_and_one_english_line(assistant: Assistant) -> None:
    reply = assistant.send("what are the second chance schools?", new_sender())
    assert reply[0]["text"] == ENGLISH_NOTE
    assert "écoles de la deuxième chance" in texts(reply[1:])
    assert texts(reply).count(ENGLISH_NOTE) == 1


def test_bot_is_honest_about_being_a_program(assistant: Assistant) -> None:
    assert "assistant automatisé" in texts(assistant.send("je parle à un humain ?", new_sender()))


def test_every_message_gets_a_reply(assistant: Assistant) -> None:
    for message in ("merci", "au revoir", "ok", "hmm", "la météo demain ?"):
        assert texts(assistant.send(message, new_sender())).strip(), message


def test_admin_http_api_is_not_exposed(assistant: Assistant) -> None:
    for path in ("/status", "/version", "/model", "/conversations/x/tracker"):
        assert requests.get(assistant.base_url + path, timeout=5).status_code in (404, 405), path


def test_cors_allows_only_the_configured_site(assistant: Assistant) -> None:
    allowed = f"http://localhost:{assistant.web_port}"
    for origin, expected in ((allowed, allowed), ("http://evil.example", None)):
        reply = requests.options(
            assistant.rest_url,
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            timeout=5,
        )
        assert reply.headers.get("Access-Control-Allow-Origin") == expected, origin
