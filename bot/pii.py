"""Masking personal data in what people type, before it is stored.

Kinds masked: e-mail addresses, French phone numbers, social security numbers
(NIR), IBANs, payment card numbers (Luhn-checked) and street addresses. Each is
replaced by a French placeholder, so a staff member reviewing conversations
still understands what was there.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Pattern, Tuple

_SEP = r"[ .\-]?"

EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
# Sex, year, month (or 20-99 for special cases), department (2A/2B for Corsica), then the rest.
NIR = re.compile(
    r"\b[12]"
    + _SEP
    + r"\d{2}"
    + _SEP
    + r"(?:0[1-9]|1[0-2]|[2-9]\d)"
    + _SEP
    + r"(?:\d{2}|2[AB])"
    + _SEP
    + r"\d{3}"
    + _SEP
    + r"\d{3}(?:"
    + _SEP
    + r"\d{2})?\b",
    re.IGNORECASE,
)
PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)33"
    + _SEP
    + r"\(?0?\)?"
    + _SEP
    + r"[1-9]|0[1-9])(?:"
    + _SEP
    + r"\d{2}){4}(?!\d)"
)
CARD = re.compile(r"(?<!\d)\d(?:[ \-]?\d){12,18}(?!\d)")
_STREET_TYPES = (
    r"rue|avenue|av\.?|boulevard|bd|chemin|ch\.?|all[ée]e|impasse|place|pl\.?|route|rte|"
    r"quai|cours|square|sq\.?|lotissement|r[ée]sidence|faubourg|passage|esplanade|voie"
)
STREET_ADDRESS = re.compile(
    r"\b\d{1,4}\s*(?:bis|ter|b|t)?\s*,?\s*(?:" + _STREET_TYPES + r")\b"
    r"(?:\s+(?:d[eu']|des|la|le|les|l')?\s*[\w'\-]+){1,5}"
    r"(?:\s*,?\s*\d{5}(?:\s+[A-ZÀ-Ý][\w'\-]+)?)?",
    re.IGNORECASE | re.UNICODE,
)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[numéro de carte]" if _luhn_valid(digits) else match.group()


# Order matters: the longest, most specific numbers first.
_RULES: List[Tuple[Pattern[str], Callable[[re.Match], str]]] = [
    (EMAIL, lambda m: "[adresse e-mail]"),
    (IBAN, lambda m: "[IBAN]"),
    (NIR, lambda m: "[numéro de sécurité sociale]"),
    (CARD, _card),
    (PHONE, lambda m: "[numéro de téléphone]"),
    (STREET_ADDRESS, lambda m: "[adresse postale]"),
]


def mask(text: str) -> str:
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    return text


def mask_user_event(data: Dict[str, Any]) -> Dict[str, Any]:
    """A serialised user event with its text masked (text and parse_data.text)."""
    masked = dict(data)
    if isinstance(masked.get("text"), str):
        masked["text"] = mask(masked["text"])
    parse_data = masked.get("parse_data")
    if isinstance(parse_data, dict) and isinstance(parse_data.get("text"), str):
        masked["parse_data"] = {**parse_data, "text": mask(parse_data["text"])}
    return masked
