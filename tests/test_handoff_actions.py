"""The actions of the e-mail sending, on real trackers and the real domain."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet

from actions import ActionHandoffStart, ActionSendToTeam
from actions.handoff_form import find_email, read_answer
from actions.history import last_question
from actions.transcript import transcript
from tests.test_actions import answered, conversation, run, user


def test_the_draft_is_the_last_real_question_and_old_answers_are_cleared() -> None:
    tracker = conversation(
        user("c'est quoi le parrainage ?", "sponsorship"),
        *answered("utter_sponsorship"),
        SlotSet("handoff_result", "sent"),
        user("/send_to_team", "send_to_team"),
    )
    slots = run(ActionHandoffStart(), tracker)
    assert slots["handoff_draft"] == "c'est quoi le parrainage ?"
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
def test_only_consent_with_an_address_sends(
    slots: dict, result: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path))
    monkeypatch.delenv("SMTP_DRY_RUN", raising=False)
    tracker = conversation(
        user("comment je m'inscris ?", "ask_procedure"),
        *(SlotSet(name, value) for name, value in slots.items()),
    )
    outcome = run(ActionSendToTeam(), tracker)
    assert outcome["handoff_result"] == result
    assert outcome["mailto"].startswith("mailto:")
    assert len(list(tmp_path.glob("*.eml"))) == (result == "queued")
