"""Masking personal data before it is stored.

Kinds masked: e-mail addresses, phone numbers (French, overseas included, and
any number written with a `+` country code), social security numbers (NIR),
IBANs and French RIBs, payment card numbers (Luhn-checked) and street
addresses. Each is replaced by a French placeholder, so a staff member reviewing
conversations still understands what was there.

Matching runs on a normalised copy of the text (NFKC, format characters such as
zero-width spaces removed, every kind of space made a plain space), so that odd
spellings do not hide a number; the replacement is made in the original text,
which is otherwise left exactly as it was. Text hidden in percent-encoding
(pre-filled `mailto:` links, URLs; `+` as a space in a link's query) is decoded
and masked; in a link it is encoded again, so that the link still works and
carries the placeholder. The team's own address (CONTACT_EMAIL) is not masked.

`mask_event` masks every string of a serialised Rasa event, for the tracker store.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Pattern, Tuple
from urllib.parse import quote, unquote, unquote_plus

from bot.settings import load_settings

Span = Tuple[int, int]
Finder = Callable[[str], Iterator[Span]]

# --- Normalisation -----------------------------------------------------------


def _cleaning_table() -> Dict[int, Optional[str]]:
    """Format characters (Cf) dropped; space, line and paragraph separators made spaces."""
    table: Dict[int, Optional[str]] = {}
    for code in (*range(0x20000), *range(0xE0000, 0xE0080)):
        category = unicodedata.category(chr(code))
        if category == "Cf":
            table[code] = None
        elif category in ("Zs", "Zl", "Zp") and code != 0x20:
            table[code] = " "
    return table


_CLEAN = _cleaning_table()
# A non-ASCII character, or any character with the combining accents that follow it
# (normalised together so that "e" + U+0301 becomes "é", a letter for \w).
_TO_NORMALISE = re.compile(r".[\u0300-\u036f]+|[^\x00-\x7f]", re.DOTALL)


def _normalise(text: str) -> Tuple[str, Optional[List[int]], Optional[List[int]]]:
    """The text to match on, and where each of its characters starts and ends in `text`.

    The position lists are None when nothing changed (ASCII text, most messages).
    """
    if text.isascii():
        return text, None, None
    pieces: List[str] = []
    starts: List[int] = []
    ends: List[int] = []
    done = 0
    for match in _TO_NORMALISE.finditer(text):
        segment = match.group()
        normal = unicodedata.normalize("NFKC", segment).translate(_CLEAN)
        if normal == segment:
            continue
        begin, end = match.span()
        pieces += [text[done:begin], normal]
        starts += [*range(done, begin), *[begin] * len(normal)]
        ends += [*range(done + 1, begin + 1), *[end] * len(normal)]
        done = end
    if not pieces:
        return text, None, None
    pieces.append(text[done:])
    starts += range(done, len(text))
    ends += range(done + 1, len(text) + 1)
    return "".join(pieces), starts, ends


# --- Patterns (on normalised text) -------------------------------------------

# Between two groups of digits: 1 to 3 spaces, or one of . - / (and dash variants)
# with an optional space on each side.
_GAP = r"(?: {1,3}| ?[./\-\u2010-\u2015\u2212] ?)"
_G = _GAP + "?"
_DAY_MONTH_YEAR = rf"\d\d{_GAP}\d\d{_GAP}(?:1[89]|20)\d\d(?!\d)"
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")

# An e-mail address is looked for around each at sign: its local part (RFC 5322
# atext, or quoted) backwards, its domain forwards.
_LOCAL_PART_REVERSED = re.compile(r" ?(?:\"[^\"\n]{1,64}\"|[\w!#$%&'*+/=?^`{|}~.\-]{1,64})")
_DOMAIN = re.compile(r" ?[\w\-]{1,63}(?:\.[\w\-]{1,63})+")
# Countries that use IBANs (ISO 13616 registry).
_IBAN_COUNTRIES = frozenset(
    re.findall(
        "[A-Z]{2}",
        "AD AE AL AT AZ BA BE BG BH BI BR BY CH CR CY CZ DE DJ DK DO EE EG ES FI FK FO FR GB GE GI "
        "GL GR GT HR HU IE IL IQ IS IT JO KW KZ LB LC LI LT LU LV LY MC MD ME MK MN MR MT MU NI NL "
        "NO OM PK PL PS PT QA RO RS RU SA SC SD SE SI SK SM SO ST SV TL TN TR UA VA VG XK YE",
    )
)
# A space after the country code only in capitals: "si 12…" is French for "if".
IBAN = re.compile(
    rf"(?<![A-Z0-9])(?:(?-i:[A-Z]{{2}}) ?|[A-Z]{{2}})\d\d(?:{_G}[A-Z0-9]){{11,30}}(?![A-Z0-9])",
    re.IGNORECASE,
)
# French RIB: code banque (5), code guichet (5), numéro de compte (11), clé (2).
RIB = re.compile(
    rf"(?<![A-Z0-9])\d{{5}}{_G}\d{{5}}{_G}[A-Z0-9]{{11}}{_G}\d\d(?![A-Z0-9])", re.IGNORECASE
)
# Sex (7 and 8: temporary numbers), year, month (or 20-99 for special cases),
# department and commune (2A/2B for Corsica; overseas: 3-digit department, 2-digit
# commune), order number, then the optional key.
NIR = re.compile(
    rf"(?<![\dA-Z])[1278]{_G}\d\d{_G}(?:0[1-9]|1[0-2]|[2-9]\d){_G}"
    rf"(?:9[78]\d{_G}\d\d|(?:\d\d|2[AB]){_G}\d{{3}}){_G}\d{{3}}(?:{_G}\d\d)?(?!\d)",
    re.IGNORECASE,
)
# Groups of digits with separators between them (cards are looked for inside).
_DIGIT_GROUPS = re.compile(rf"\d+(?:{_GAP}\d+)*")
_DIGITS = re.compile(r"\d+")
# France and overseas: Réunion/Mayotte, Mayotte (former), Guadeloupe, Guyane,
# Martinique, Saint-Pierre-et-Miquelon, Wallis-et-Futuna, Nouvelle-Calédonie,
# Polynésie; then 6 to 10 digits (after an optional "(0)").
_FRENCH_CODES = "33|262|269|590|594|596|508|681|687|689"
PHONE = re.compile(
    r"(?=[+0])(?:"
    rf"(?<![\w+])(?:\+|00) ?(?:{_FRENCH_CODES}){_G}(?:\(0\) ?)?\d(?:{_G}\d){{5,9}}(?!\d)"
    # Any other country code: "+" and at least 10 digits in all.
    rf"|(?<![\w+])\+\d(?:{_G}\d){{9,14}}(?!\d)"
    # National: 0 and 9 digits, grouped any way, but not the end of a date (01/02/2010 12).
    rf"|(?<![\d+])(?<!\d[./\-])(?!{_DAY_MONTH_YEAR})0[1-9](?:{_G}\d){{8}}(?!\d))"
)
_STREET_TYPE = re.compile(
    r"\b(?:rue|avenue|av\.?|boulevard|bd|chemin|ch\.?|all[ée]e|impasse|place|pl\.?|route|rte|"
    r"quai|cours|square|sq\.?|lotissement|r[ée]sidence|faubourg|passage|esplanade|voie)\b",
    re.IGNORECASE,
)
STREET_ADDRESS = re.compile(
    r"\b\d{1,4}\s*(?:bis|ter|b|t)?\s*,?\s*" + _STREET_TYPE.pattern + r""
    r"(?:\s+(?:d[eu']|des|la|le|les|l')?\s*[\w'\-]+){1,5}"
    r"(?:\s*,?\s*\d{5}(?:\s+[A-ZÀ-Ý][\w'\-]+)?)?",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1)
def _public_addresses() -> FrozenSet[str]:
    """The team's address is no one's personal data: links to it must keep working."""
    return frozenset({load_settings().contact_email.lower()})


def _emails(text: str) -> Iterator[Span]:
    at = text.find("@")
    while at != -1:
        local = _LOCAL_PART_REVERSED.match(text[max(0, at - 66) : at][::-1])
        domain = _DOMAIN.match(text, at + 1)
        if local and domain:
            start, end = at - local.end(), domain.end()
            if text[start:end].replace(" ", "").lower() not in _public_addresses():
                yield start, end
            at = end
        at = text.find("@", at + 1)


def _matches(pattern: Pattern[str]) -> Finder:
    def find(text: str) -> Iterator[Span]:
        return (match.span() for match in pattern.finditer(text))

    return find


_TRAILING_WORDS = re.compile(rf"(?:{_GAP}[^\W\d_]+)+$")


def _ibans(text: str) -> Iterator[Span]:
    for match in IBAN.finditer(text):
        # Words that follow the number and fitted the pattern are not part of it.
        trailing = _TRAILING_WORDS.search(match.group())
        end = match.start() + trailing.start() if trailing else match.end()
        digits = sum(char.isdigit() for char in text[match.start() + 2 : end])
        if match.group()[:2].upper() in _IBAN_COUNTRIES and digits >= 12:
            yield match.start(), end


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _cards(text: str) -> Iterator[Span]:
    """The longest runs of whole groups with 13 to 19 digits passing the Luhn check."""
    for run in _DIGIT_GROUPS.finditer(text):
        groups = [(group.span(), group.group()) for group in _DIGITS.finditer(run.group())]
        first = 0
        while first < len(groups):
            found = None
            digits = ""
            for last in range(first, len(groups)):
                digits += groups[last][1]
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and _luhn_valid(digits):
                    found = last
            if found is None:
                first += 1
                continue
            yield run.start() + groups[first][0][0], run.start() + groups[found][0][1]
            first = found + 1


def _street_addresses(text: str) -> Iterator[Span]:
    if _STREET_TYPE.search(text):
        yield from (match.span() for match in STREET_ADDRESS.finditer(text))


@dataclass(frozen=True)
class _Kind:
    placeholder: str
    min_digits: int  # fewer digits in the whole text: not worth looking
    find: Finder


# E-mail addresses are looked for first, in the text as typed: "%" may be part of one.
_EMAILS = [_Kind("[adresse e-mail]", 0, _emails)]
# Then, once percent-encoded text is masked, the rest. Order matters: each kind is
# looked for where the previous ones found nothing, the most specific numbers first.
_OTHER_KINDS = [
    _Kind("[IBAN]", 12, _ibans),
    _Kind("[RIB]", 12, _matches(RIB)),
    _Kind("[numéro de sécurité sociale]", 12, _matches(NIR)),
    # Before cards: 0033 and 9 digits can pass the Luhn check; no card starts with 0.
    _Kind("[numéro de téléphone]", 8, _matches(PHONE)),
    _Kind("[numéro de carte]", 13, _cards),
    _Kind("[adresse postale]", 1, _street_addresses),
]
_DIGIT = re.compile(r"\d")
# Stands for what a kind found, for the next kinds: neither a digit, a letter,
# a space nor a separator, so nothing matches across it.
_FOUND = "\x00"


def _find(text: str, kinds: List[_Kind]) -> List[Tuple[int, int, str]]:
    found: List[Tuple[int, int, str]] = []
    digits = len(_DIGIT.findall(text))
    for kind in kinds:
        if digits < kind.min_digits:
            continue
        for start, end in list(kind.find(text)):
            text = text[:start] + _FOUND * (end - start) + text[end:]
            found.append((start, end, kind.placeholder))
    return sorted(found)


def _mask_plain(text: str, kinds: List[_Kind], hide_escapes: bool) -> str:
    normal, starts, ends = _normalise(text)
    if hide_escapes and "%" in normal:
        # Percent-escapes are left to _mask_token: no number may begin or end inside one.
        normal = _ESCAPE.sub(lambda escape: _FOUND * 3, normal)
    pieces: List[str] = []
    done = 0
    for start, end, placeholder in _find(normal, kinds):
        if starts is not None and ends is not None:
            start, end = starts[start], ends[end - 1]
        pieces += [text[done : max(start, done)], placeholder]
        done = max(end, done)
    return "".join(pieces) + text[done:] if pieces else text


# --- Percent-encoded text ----------------------------------------------------

_TOKEN = re.compile(r"\S+")
_LINK = re.compile(r"mailto:|https?://", re.IGNORECASE)
# What separates the parts of a URL; inside a part, these are percent-encoded.
_URL_DELIMITERS = re.compile(r"([?&=#/;:,()<>\[\]'\"])")


def _mask_token(match: re.Match) -> str:
    token = match.group()
    link = _LINK.search(token)
    if not _ESCAPE.search(token) and not ("+" in token and link):
        return token
    parts = _URL_DELIMITERS.split(token)
    in_query = False
    for index, part in enumerate(parts):
        if index % 2:  # a delimiter
            in_query = in_query or part == "?"
        elif "%" in part or (in_query and "+" in part):
            # In a query string, "+" stands for a space.
            decoded = unquote_plus(part) if in_query else unquote(part)
            masked = mask(decoded)
            if masked != decoded:
                # Encoded again in a link, which must keep working; elsewhere, readable.
                parts[index] = quote(masked, safe="") if link else masked
    return "".join(parts)


_AT_SIGN = re.compile("[@\uff20\ufe6b]")
# Digits and at signs, and what normalises to them.
_SIGNS = re.compile(r"[\d@\uff20\ufe6b\u00b2\u00b3\u00b9\u2070-\u2089\u2460-\u24ff]")


def _may_hold_data(text: str) -> bool:
    """False when nothing can be found: most strings of an event (names, ids, answers)."""
    signs = _SIGNS.findall(text)
    if not signs:
        return False
    if len(signs) >= 8 or "%" in text or not text.isascii():
        return True
    # Fewer digits than the shortest number: only an address may be there.
    return "@" in signs or bool(_STREET_TYPE.search(text))


def mask(text: str) -> str:
    """The text with every personal datum replaced by a placeholder."""
    if not _may_hold_data(text):
        return text
    if _AT_SIGN.search(text):
        text = _mask_plain(text, _EMAILS, hide_escapes=False)
    if "%" in text or "+" in text:
        text = _TOKEN.sub(_mask_token, text)
    return _mask_plain(text, _OTHER_KINDS, hide_escapes=True)


# --- Rasa events -------------------------------------------------------------

# Set by Rasa, never by the person: an event's type, time and message id (hex,
# which could pass for an IBAN).
_TECHNICAL_KEYS = frozenset({"event", "message_id", "timestamp"})


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {
            key: item if key in _TECHNICAL_KEYS else _mask_value(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_mask_value(item) for item in value]
    return value


def mask_event(data: Dict[str, Any]) -> Dict[str, Any]:
    """A serialised Rasa event (`Event.as_dict()`) with every string value masked.

    User text and parse data, bot texts, buttons and custom payloads, slot values
    (lists and dicts too), metadata: all of it. Keys are the events' structure
    and stay as they are.
    """
    return _mask_value(data)
