"""Conversations with the real servers through the REST channel, as the widget has them."""

from __future__ import annotations

import re
from typing import List
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
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


def test_messages_that_do_not_say_the_need_get_a_clarification(assistant: Assistant) -> None:
    # Not training lines: the real NLU must read them as vague (or below the
    # FallbackClassifier's threshold) rather than guess a topic.
    sender = new_sender()
    first = assistant.send("c'est au sujet de mon neveu", sender)
    assert "Je ne suis pas sûr" in texts(first)
    assert [b["payload"] for b in buttons(first)][-1] == "/other_topic"
    assert DEFAULT_CONTACT_EMAIL in texts(assistant.send("voilà voilà", sender))


@pytest.mark.parametrize(
    ("before", "message"),
    [
        ("/nlu_fallback", "/other_topic"),  # « Autre chose » under a clarification
        ("c'est quoi école ouverte ?", "ça ne répond pas à ma question"),
    ],
    ids=["other-topic-button", "typed-after-an-answer"],
)
def test_none_of_these_or_not_my_question_offers_the_team(
    assistant: Assistant, before: str, message: str
) -> None:
    sender = new_sender()
    assistant.send(before, sender)
    reply = assistant.send(message, sender)
    assert "Je n'ai pas trouvé de réponse" in texts(reply)
    assert DEFAULT_CONTACT_EMAIL in texts(reply)
    assert [b["payload"] for b in buttons(reply)] == ["/send_to_team"]


def test_person_in_danger_gets_emergency_numbers_first(assistant: Assistant) -> None:
    reply = assistant.send("au secours il va me frapper", new_sender())
    assert "17" in reply[0]["text"] and "112" in reply[0]["text"]


def test_victim_gets_empathy_the_defender_of_rights_and_the_team(assistant: Assistant) -> None:
    reply = assistant.send("on m'a refusé un appartement à cause de mes origines", new_sender())
    assert "désolé" in reply[0]["text"]
    assert "3928" in texts(reply) and "antidiscriminations.fr" in texts(reply)
    assert DEFAULT_CONTACT_EMAIL in texts(reply)


def test_after_telling_what_happened_asking_for_help_gets_the_help_contacts(
    assistant: Assistant,
) -> None:
    for follow_up in ("qu'est-ce que je peux faire ?", "vers qui je peux me tourner ?"):
        sender = new_sender()
        assistant.send("le propriétaire refuse de me louer car je suis noir", sender)
        reply = assistant.send(follow_up, sender)
        assert texts(reply).startswith("Pour être aidé"), follow_up
        assert "3928" in texts(reply) and DEFAULT_CONTACT_EMAIL in texts(reply)
        assert [b["payload"] for b in buttons(reply)] == ["/send_to_team"]
    # Out of that context, the same words ask what the assistant can do.
    alone = assistant.send("qu'est-ce que je peux faire ?", new_sender())
    assert texts(alone).startswith("Je peux vous renseigner")


def test_naming_a_scheme_and_asking_how_to_join_gets_its_answer_and_the_team(
    assistant: Assistant,
) -> None:
    reply = assistant.send("comment inscrire mon fils aux cordées de la réussite ?", new_sender())
    assert len(reply) == 1, reply
    scheme, procedure = reply[0]["text"].split("\n\n")
    assert scheme.startswith("Les cordées de la réussite")
    assert procedure.startswith("La page ne précise pas les démarches")
    assert "« Cordées de la réussite »" in procedure and DEFAULT_CONTACT_EMAIL in procedure
    assert [b["payload"] for b in buttons(reply)] == ["/send_to_team"]
    # Asking what the scheme is gets its answer alone.
    plain = assistant.send("c'est quoi les cordées de la réussite ?", new_sender())
    assert texts(plain).startswith("Les cordées de la réussite")
    assert DEFAULT_CONTACT_EMAIL not in texts(plain)


def test_what_can_you_talk_about_gets_the_menu(assistant: Assistant) -> None:
    reply = assistant.send("vous pouvez me parler de quoi au juste ?", new_sender())
    assert texts(reply).startswith("Je peux vous renseigner")
    assert [b["payload"] for b in buttons(reply)] == [
        "/education_access",
        "/employment_access",
        "/discrimination_prevention",
    ]


def test_an_everyday_question_sharing_a_word_with_a_scheme_is_out_of_scope(
    assistant: Assistant,
) -> None:
    reply = assistant.send("combien coûte un ticket de bus à Toulouse ?", new_sender())
    assert "Je ne peux vous renseigner que sur" in texts(reply)


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
