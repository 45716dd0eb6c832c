"""Telling an English message from a French one, cheaply and without a model."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zàâäçéèêëîïôöùûüÿœ']+")

# Frequent words that are English and not French (and the other way round).
_ENGLISH = frozenset(
    [
        "the",
        "what",
        "is",
        "are",
        "how",
        "who",
        "can",
        "could",
        "you",
        "does",
        "my",
        "to",
        "for",
        "about",
        "with",
        "hello",
        "hi",
        "thanks",
        "thank",
        "please",
        "where",
        "when",
        "which",
        "help",
        "want",
        "need",
        "talk",
        "someone",
        "i",
        "i'm",
        "school",
        "schools",
        "job",
        "jobs",
        "work",
        "of",
        "and",
        "this",
        "it",
        "get",
        "there",
        "your",
        "have",
        "has",
        "do",
        "bye",
        "goodbye",
        "yes",
        "anyone",
        "speak",
        "human",
        "robot",
        "english",
    ]
)
_FRENCH = frozenset(
    [
        "le",
        "la",
        "les",
        "de",
        "des",
        "du",
        "un",
        "une",
        "et",
        "est",
        "je",
        "vous",
        "pour",
        "que",
        "qui",
        "quoi",
        "comment",
        "bonjour",
        "merci",
        "oui",
        "non",
        "au",
        "aux",
        "sur",
        "dans",
        "avec",
        "mon",
        "ma",
        "mes",
        "ce",
        "cette",
        "c'est",
        "j'ai",
        "pas",
        "ne",
        "il",
        "elle",
        "on",
        "nous",
        "votre",
        "vos",
        "quel",
        "quelle",
    ]
)

# Share of the words that must be English-only for the message to count as English.
MIN_ENGLISH_SHARE = 0.3


def looks_english(text: str) -> bool:
    if text.startswith("/"):  # a button's payload ("/send_to_team"), not words
        return False
    words = _WORD.findall(text.lower())
    if not words:
        return False
    english = sum(word in _ENGLISH for word in words)
    french = sum(word in _FRENCH for word in words)
    return english > french and english / len(words) >= MIN_ENGLISH_SHARE


def looks_french(text: str) -> bool:
    """For texts the assistant says (bot validate): French words outnumber English ones."""
    words = _WORD.findall(text.lower())
    french = sum(word in _FRENCH for word in words)
    return french > 0 and french >= sum(word in _ENGLISH for word in words)
