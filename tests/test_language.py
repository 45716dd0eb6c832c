import pytest

from bot.language import looks_english


@pytest.mark.parametrize(
    "text",
    [
        "what is école ouverte?",
        "Who can I contact about this?",
        "hello",
        "I want to talk to someone",
        "what are the second chance schools",
    ],
)
def test_english_messages_are_recognised(text: str) -> None:
    assert looks_english(text)


@pytest.mark.parametrize(
    "text",
    [
        "c'est quoi l'école ouverte ?",
        "bonjour",
        "ok merci bye",
        "je veux parler a quelqu'un",
        "internat excellence",
        "😀",
        "",
        "DIRECCTE",
        "le label diversité c'est pour qui",
    ],
)
def test_french_and_neutral_messages_are_not(text: str) -> None:
    assert not looks_english(text)
