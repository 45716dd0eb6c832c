"""The actions of the e-mail sending, on real trackers and the real domain.

action_send_to_team is also given forged trackers, as anyone reaching the action
server could send: it must check again everything it puts in the e-mail.
"""

from __future__ import annotations

import os
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any, List

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker

from actions import ActionHandoffStart, ActionSendToTeam
from actions.handoff_form import find_email, read_answer
from actions.handoff_send import HANDOFFS_PER_CONVERSATION, MAX_LINE_CHARS, MAX_TRANSCRIPT_LINES
from actions.history import last_question
from actions.transcript import transcript
from bot.mail import CONVERSATION_HEADER
from bot.outbox import Outbox, read_message
from bot.sealing import seal, unseal
from tests.test_actions import DOMAIN, answered, conversation, run, user

TOKEN = "jeton-de-test-du-serveur-d-actions-0123456789"
REPLY_TO = "camille@exemple.fr"


def test_the_draft_is_the_last_real_question_and_old_answers_are_cleared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACTION_SERVER_TOKEN", TOKEN)
    tracker = conversation(
        user("c'est quoi le parrainage ?", "sponsorship"),
        *answered("utter_sponsorship"),
        SlotSet("handoff_result", "sent"),
        user("/send_to_team", "send_to_team"),
    )
    slots = run(ActionHandoffStart(), tracker)
    assert unseal(slots["handoff_draft"], TOKEN) == "c'est quoi le parrainage ?"
    assert slots["handoff_step"] == "question_draft"
    assert slots["handoff_result"] is None and slots["handoff_question"] is None


def test_without_a_question_the_person_is_asked_to_write_one() -> None:
    tracker = conversation(user("bonjour", "greet"), user("envoyer à l'équipe", "send_to_team"))
    slots = run(ActionHandoffStart(), tracker)
    assert slots["handoff_draft"] is None and slots["handoff_step"] == "question_new"


@pytest.mark.parametrize(
    ("step", "text", "intent", "expected"),
    [
        (
            "question_draft",
            "/affirm",
            "affirm",
            {"handoff_question": "Q ?", "handoff_step": "email"},
        ),
        (
            "question_draft",
            "ok",
            "acknowledge",
            {"handoff_question": "Q ?", "handoff_step": "email"},
        ),
        ("question_draft", "non", "deny", {"handoff_step": "question_retry"}),
        (
            "question_draft",
            "Où aller ?",
            "nlu_fallback",
            {"handoff_question": "Où aller ?", "handoff_step": "email"},
        ),
        ("question_new", "?!", "nonsense", {"handoff_step": "question_retry"}),
        ("question_new", "oui", "acknowledge", {"handoff_step": "question_retry"}),
        (
            "email",
            "mon mail : a.b@exemple.fr.",
            "nlu_fallback",
            {"handoff_email": "a.b@exemple.fr", "handoff_step": "consent"},
        ),
        ("email", "a.b@exemple", "nlu_fallback", {"handoff_step": "email_retry"}),
        ("email_retry", "toujours pas", "deny", {"handoff_step": "done"}),
        ("consent", "/affirm", "affirm", {"handoff_consent": True, "handoff_step": "done"}),
        ("consent", "non merci", "deny", {"handoff_consent": False, "handoff_step": "done"}),
        ("consent_retry", "peut-être", "nlu_fallback", {"handoff_step": "consent_retry"}),
    ],
)
def test_each_answer_is_read_as_its_step_requires(
    step: str, text: str, intent: str, expected: dict
) -> None:
    assert read_answer(step, text, intent, draft="Q ?") == expected


def test_an_address_is_found_only_when_there_is_exactly_one() -> None:
    assert find_email("écrivez-moi à <camille@exemple.fr>") == "camille@exemple.fr"
    assert find_email("a@exemple.fr ou b@exemple.fr") is None
    assert find_email("camille arobase exemple point fr") is None


def test_answers_inside_the_form_are_not_taken_for_questions() -> None:
    tracker = conversation(
        user("comment je m'inscris ?", "ask_procedure"),
        *answered("utter_escalate_procedure"),
        ActionExecuted("handoff_form"),
        ActiveLoop("handoff_form"),
        user("camille@exemple.fr", "nlu_fallback"),
        ActiveLoop(None),
    )
    assert last_question(tracker) == "comment je m'inscris ?"


def test_the_transcript_shows_buttons_by_their_title() -> None:
    tracker = conversation(
        user("comment je m'inscris ?", "ask_procedure"),
        BotUttered(
            "Écrivez à l'équipe.",
            data={
                "buttons": [{"title": "Envoyer ma question à l'équipe", "payload": "/send_to_team"}]
            },
        ),
        user("/send_to_team", "send_to_team"),
    )
    lines = transcript(tracker)
    assert lines[0].endswith("Personne : comment je m'inscris ?")
    assert lines[1].endswith("Assistant : Écrivez à l'équipe.")
    assert lines[2].endswith("Personne : [bouton] Envoyer ma question à l'équipe")


@pytest.fixture()
def outbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Outbox:
    """The folder where action_send_to_team stores its e-mails (dry run: nothing leaves)."""
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path))
    monkeypatch.setenv("ACTION_SERVER_TOKEN", TOKEN)
    monkeypatch.delenv("SMTP_DRY_RUN", raising=False)
    monkeypatch.delenv("HANDOFFS_PER_DAY", raising=False)
    return Outbox(tmp_path)


def stored(outbox: Outbox) -> List[EmailMessage]:
    return [read_message(path) for path in sorted(outbox.messages())]


def body(message: EmailMessage) -> str:
    return message.get_content().replace("\r\n", "\n")  # SMTP line ends


def agreed(
    *events: Event,
    sender: str = "test-user",
    question: Any = "Où s'inscrire ?",
    email: Any = REPLY_TO,
) -> Tracker:
    """A real tracker at the end of the form: question, address and consent given."""
    history = list(events) or [user("comment je m'inscris ?", "ask_procedure")]
    slots = {"handoff_question": question, "handoff_email": email, "handoff_consent": True}
    tracker = DialogueStateTracker.from_events(
        sender, [*history, *(SlotSet(k, v) for k, v in slots.items())], slots=DOMAIN.slots
    )
    return Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))


def send(tracker: Tracker) -> str:
    return run(ActionSendToTeam(), tracker)["handoff_result"]


@pytest.mark.parametrize(
    ("slots", "result"),
    [
        ({"handoff_question": "Q ?"}, "no_email"),
        (
            {"handoff_question": "Q ?", "handoff_email": "a@exemple.fr", "handoff_consent": False},
            "declined",
        ),
        (
            {"handoff_question": "Q ?", "handoff_email": "a@exemple.fr", "handoff_consent": True},
            "queued",
        ),
    ],
)
def test_only_consent_with_an_address_sends(slots: dict, result: str, outbox: Outbox) -> None:
    tracker = conversation(
        user("comment je m'inscris ?", "ask_procedure"),
        *(SlotSet(name, value) for name, value in slots.items()),
    )
    outcome = run(ActionSendToTeam(), tracker)
    assert outcome["handoff_result"] == result
    assert outcome["mailto"].startswith("mailto:")
    assert len(stored(outbox)) == (result == "queued")


@pytest.mark.parametrize(
    "email",
    [
        "a@exemple.fr, b@exemple.fr",  # a list of recipients for the team's answer
        "a@exemple.fr\r\nBcc: pirate@exemple.fr",  # header injection
        "a@exemple.fr\n",
        "Camille <a@exemple.fr>",
        "x" * 250 + "@exemple.fr",
        42,
        seal(REPLY_TO, "une-autre-cle-que-celle-du-serveur-0123456789"),
    ],
)
def test_a_forged_reply_address_sends_nothing(email: Any, outbox: Outbox) -> None:
    assert send(agreed(email=email)) == "no_email"
    assert stored(outbox) == []


def test_sealed_values_are_opened_with_the_server_token(outbox: Outbox) -> None:
    tracker = agreed(question=seal("Où s'inscrire ?", TOKEN), email=seal(REPLY_TO, TOKEN))
    assert send(tracker) == "queued"
    (message,) = stored(outbox)
    assert message["Reply-To"] == REPLY_TO
    assert "Question :\nOù s'inscrire ?\n" in body(message)


def test_a_question_longer_than_any_message_sends_nothing(outbox: Outbox) -> None:
    assert send(agreed(question="é" * 1001)) == "declined"
    assert stored(outbox) == []
    assert send(agreed(question="é" * 1000)) == "queued"


def test_line_breaks_cannot_forge_lines_of_the_email(outbox: Outbox) -> None:
    forged = "Q ?\r\n\r\nAdresse de réponse : pirate@exemple.fr"
    history = [user(forged, "nlu_fallback"), user("x\nAssistant : faux", "nlu_fallback")]
    assert send(agreed(*history, question=forged)) == "queued"
    text = body(stored(outbox)[0])
    assert "\nAdresse de réponse : pirate@exemple.fr" not in text
    assert "\nAssistant : faux" not in text
    lines = text.splitlines()
    question = lines[lines.index("Question :") + 1]  # all on one line
    assert question.startswith("Q ?") and question.endswith("pirate@exemple.fr")


def test_a_huge_transcript_keeps_the_latest_messages_shortened(outbox: Outbox) -> None:
    history = [user(f"message {i} " + "x" * 5000, "nlu_fallback") for i in range(300)]
    assert send(agreed(*history)) == "queued"
    text = body(stored(outbox)[0])
    lines = text.split("Transcription de la conversation :\n", 1)[1].splitlines()
    assert lines[0] == f"(… {300 - MAX_TRANSCRIPT_LINES} message(s) plus ancien(s) non repris)"
    assert len(lines) == MAX_TRANSCRIPT_LINES + 1
    assert "Personne : message 299 x" in lines[-1]
    assert max(len(line) for line in lines) == MAX_LINE_CHARS
    assert len(text) < (MAX_TRANSCRIPT_LINES + 20) * MAX_LINE_CHARS


def test_the_subject_names_only_a_topic_of_the_catalogue(outbox: Outbox) -> None:
    forged = user("bonjour", "cordees\r\nBcc: pirate@exemple.fr")
    assert send(agreed(forged, sender="forged")) == "queued"
    assert send(agreed(user("le parrainage ?", "sponsorship"), sender="known")) == "queued"
    by_sender = {message[CONVERSATION_HEADER]: message for message in stored(outbox)}
    forged_message, known = by_sender["forged"], by_sender["known"]
    assert forged_message["Subject"] == "Question d'une personne (assistant en ligne)"
    assert forged_message["Bcc"] is None
    assert known["Subject"] == "Question d'une personne sur « Parrainage » (assistant en ligne)"


@pytest.mark.parametrize("sender", ["a\r\nBcc: pirate@exemple.fr", "a" * 129, ""])
def test_a_forged_conversation_id_sends_nothing(sender: str, outbox: Outbox) -> None:
    assert send(agreed(sender=sender)) == "declined"
    assert stored(outbox) == []


def test_a_conversation_sends_at_most_a_few_emails(outbox: Outbox) -> None:
    results = [send(agreed(sender="bavard")) for _ in range(HANDOFFS_PER_CONVERSATION + 1)]
    assert results == ["queued"] * HANDOFFS_PER_CONVERSATION + ["limited"]
    outbox.mark_sent(next(outbox.messages()))  # sent ones count too
    assert send(agreed(sender="bavard")) == "limited"
    assert send(agreed(sender="autre")) == "queued"
    assert [m[CONVERSATION_HEADER] for m in stored(outbox)].count("bavard") == 3


def test_the_deployment_sends_at_most_handoffs_per_day(
    outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDOFFS_PER_DAY", "2")
    assert send(agreed(sender="hier")) == "queued"
    yesterday = time.time() - 86400
    for path in outbox.messages():
        os.utime(path, (yesterday, yesterday))
    assert send(agreed(sender="un")) == "queued"
    outbox.mark_sent(max(outbox.messages(), key=lambda p: p.stat().st_mtime))
    assert send(agreed(sender="deux")) == "queued"
    assert send(agreed(sender="trois")) == "limited"
    assert len(stored(outbox)) == 3
