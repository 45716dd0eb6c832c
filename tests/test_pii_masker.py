"""What the masking of personal data catches, in every spelling, and what it leaves alone.

Examples first, then properties: hypothesis writes each kind of personal datum
in random spellings (separators, non-breaking and zero-width spaces, full-width
digits, upper and lower case), inside random French text and inside the
pre-filled mailto: link the assistant stores, and checks that none survives.
"""

from __future__ import annotations

import re
import timeit
import unicodedata
from typing import Callable, List, Tuple
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.contact import mailto_link
from bot.pii import mask, mask_event
from bot.settings import load_settings

PHONE = "[numéro de téléphone]"
EMAIL = "[adresse e-mail]"
NIR = "[numéro de sécurité sociale]"
IBAN = "[IBAN]"
RIB = "[RIB]"
CARD = "[numéro de carte]"
ADDRESS = "[adresse postale]"


def fullwidth(text: str) -> str:
    """ASCII letters, digits and signs as their full-width forms (U+FF01-U+FF5E)."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("écrivez-moi à jean.dupont+asso@exemple-mail.fr svp", EMAIL),
        ("o'brien&fils%paris@exemple.fr", EMAIL),
        ("mon adresse : " + fullwidth("jean@exemple.fr"), EMAIL),
        ("mon numéro c'est le 06 12 34 56 78", PHONE),
        ("appelez le 0612345678", PHONE),
        ("tel: +33 6 12 34 56 78", PHONE),
        ("tel 0033 (0)4.67.12.34.56", PHONE),
        ("06\u00a012\u00a034\u00a056\u00a078", PHONE),
        ("06\u202f12\u202f34\u202f56\u202f78", PHONE),
        ("06\u200b12\u200b34\u200b56\u200b78", PHONE),
        ("06  12  34  56  78", PHONE),
        ("06/12/34/56/78", PHONE),
        (fullwidth("06 12 34 56 78"), PHONE),
        ("0692 12 34 56", PHONE),
        ("+262 692 12 34 56", PHONE),
        ("+590 690 12 34 56", PHONE),
        ("+269 639 12 34 56", PHONE),
        ("+687 25.12.34", PHONE),
        ("+689 87 12 34 56", PHONE),
        ("+508 41 12 34", PHONE),
        ("+44 20 7946 0958", PHONE),
        ("mon numéro de sécu 1 85 05 78 006 084 36", NIR),
        ("nir 2850578006084", NIR),
        ("corse 1 85 05 2A 006 084 36", NIR),
        ("né à Saint-Denis 1 85 05 974 12 345 67", NIR),
        ("iban FR76 3000 6000 0112 3456 7890 189", IBAN),
        ("FR7630006000011234567890189", IBAN),
        ("fr76-3000-6000-0112-3456-7890-189", IBAN),
        ("FR76 30006 00001 12345678901 89", IBAN),
        ("mon RIB 30006 00001 12345678901 89", RIB),
        ("carte 4111 1111 1111 1111", CARD),
        ("carte 4111.1111.1111.1111", CARD),
        ("j'habite 12 rue des Lilas, 34000 Montpellier", ADDRESS),
        ("au 3 bis avenue Jean Jaurès", ADDRESS),
        ("5, impasse du Moulin", ADDRESS),
        ("12\u00a0rue de l'E\u0301glise", ADDRESS),
    ],
)
def test_personal_data_is_replaced(text: str, placeholder: str) -> None:
    masked = mask(text)
    assert placeholder in masked, masked
    assert not any(char.isdigit() for char in masked) and "@" not in masked, masked


@pytest.mark.parametrize(
    "text",
    [
        "c'est quoi l'école ouverte ?",
        "appelez le 3928 ou le 17",
        "les 18 critères de la loi",
        "article du 14/04/2010",
        "le 01/02/2010 12 personnes",
        "mon fils a 15 ans et il est en 3e",
        "4111 1111 1111 1112",  # not a valid card number (Luhn)
        "les plans du Gard et des Pyrénées-Orientales",
        "j'ai un rendez-vous à la place de la mairie",
        "« 100 % » des élèves\u202f? Merci\u00a0!",
        "l'égalité à 50%",
    ],
)
def test_ordinary_questions_are_left_alone(text: str) -> None:
    assert mask(text) == text


def test_several_kinds_in_one_message() -> None:
    masked = mask("Je suis Mme X, 06 11 22 33 44, x@y.fr, 8 rue Haute 30000 Nîmes")
    assert masked == f"Je suis Mme X, {PHONE}, {EMAIL}, {ADDRESS}"


def test_only_the_personal_data_is_replaced() -> None:
    # The rest keeps its non-breaking spaces and accents, as the person typed it.
    assert mask("Mon numéro\u00a0: 06\u00a012\u00a034\u00a056\u00a078\u202f!") == (
        f"Mon numéro\u00a0: {PHONE}\u202f!"
    )


def test_the_teams_address_stays_in_links() -> None:
    team = load_settings().contact_email
    link = mailto_link(team, "mon numéro est le 06 12 34 56 78", None)
    masked = mask(f"[Écrire à l'équipe]({link})")
    assert masked.startswith(f"[Écrire à l'équipe](mailto:{team}?subject=")
    assert "Ma question : mon numéro est le [numéro de téléphone]" in unquote(masked)
    assert "06" not in unquote(masked)


def test_plus_is_a_space_in_a_link_query() -> None:
    masked = mask("https://exemple.fr/contact?tel=06+12+34+56+78&nom=x")
    assert (
        masked
        == "https://exemple.fr/contact?tel=%5Bnum%C3%A9ro%20de%20t%C3%A9l%C3%A9phone%5D&nom=x"
    )


def test_double_encoding_is_decoded_too() -> None:
    masked = mask("mailto:a@b.fr?body=tel%253A%252006%252012%252034%252056%252078")
    assert PHONE in unquote(unquote(masked)) and "06" not in unquote(unquote(masked))


# --- Events -------------------------------------------------------------------


def _user_event(text: str, entity: str) -> dict:
    ranking = [{"name": f"intent_{i}", "confidence": 0.1} for i in range(10)]
    return {
        "event": "user",
        "timestamp": 1700000000.0,
        "metadata": {"model_id": "3f9c2d4e"},
        "text": text,
        "parse_data": {
            "intent": {"name": "demande_contact", "confidence": 0.9},
            "entities": [{"entity": "telephone", "value": entity, "start": 3}],
            "text": text,
            "message_id": "5d41402abc4b2a76b9719d911017c592",
            "metadata": {},
            "intent_ranking": ranking,
        },
        "input_channel": "rest",
        "message_id": "5d41402abc4b2a76b9719d911017c592",
    }


def _bot_event(text: str) -> dict:
    link = mailto_link(load_settings().contact_email, text, None)
    return {
        "event": "bot",
        "timestamp": 1700000000.0,
        "metadata": {"utter_action": "utter_escalate"},
        "text": f"Écrivez à l'équipe : [Écrire à l'équipe]({link})",
        "data": {
            "elements": None,
            "quick_replies": None,
            "buttons": [{"title": "Oui, 06 12 34 56 78", "payload": "/affirm"}],
            "attachment": {"url": link},
            "image": None,
            "custom": {"notes": ["x@y.fr", {"iban": "FR7630006000011234567890189"}]},
        },
    }


def _strings(value: object) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


MESSAGE = "je suis au 06 12 34 56 78 ou a.b@exemple.fr"


@pytest.mark.parametrize(
    "event",
    [
        _user_event(MESSAGE, "06 12 34 56 78"),
        _bot_event(MESSAGE),
        {
            "event": "slot",
            "timestamp": 1.0,
            "name": "mailto",
            "value": mailto_link("a@b.fr", MESSAGE, None),
        },
        {"event": "slot", "timestamp": 1.0, "name": "notes", "value": [MESSAGE, {"k": [MESSAGE]}]},
        {"event": "active_loop", "timestamp": 1.0, "name": "handoff_form"},
        {"event": "action", "timestamp": 1.0, "name": "action_listen", "policy": None},
        {"event": "session_started", "timestamp": 1.0, "metadata": {"note": MESSAGE}},
    ],
    ids=["user", "bot", "slot-link", "slot-nested", "active_loop", "action", "session"],
)
def test_every_string_of_an_event_is_masked(event: dict) -> None:
    masked = mask_event(event)
    team = load_settings().contact_email
    ids = {event.get("message_id")}
    decoded = [unquote(s).replace(team, "") for s in _strings(masked) if s not in ids]
    assert not any("@" in s or re.search(r"\d[\d .]{4}", s) for s in decoded), masked
    assert masked["event"] == event["event"] and masked.get("timestamp") == event["timestamp"]
    assert _strings(mask_event(masked)) == _strings(masked)


def test_events_keep_their_shape_and_ids() -> None:
    event = _user_event("bonjour", "bonjour")
    assert mask_event(event) == event


def test_masking_an_event_is_cheap() -> None:
    """Runs on every stored event (`pytest -s` prints the figures)."""
    plain_answer = {
        "event": "bot",
        "timestamp": 1700000000.0,
        "metadata": {"utter_action": "utter_parrainage"},
        "text": "Le parrainage met en relation des jeunes et des professionnels bénévoles.",
        "data": {"elements": None, "quick_replies": None, "buttons": None, "custom": None},
    }
    cases = [
        ("user, with data", _user_event(MESSAGE, "06 12 34 56 78")),
        ("user, without", _user_event("c'est quoi l'école ouverte ?", "école ouverte")),
        ("bot, with a pre-filled link", _bot_event(MESSAGE)),
        ("bot, plain answer", plain_answer),
    ]
    for name, event in cases:
        runs = 200
        best = min(timeit.repeat(lambda e=event: mask_event(e), number=runs, repeat=5))
        per_event_us = best / runs * 1e6
        print(f"mask_event, {name}: {per_event_us:.0f} µs")
        assert per_event_us < 10_000, name


@pytest.mark.parametrize(
    "text",
    [
        "1 " * 500,
        "1\u00a0" * 500,
        "06 12 " * 170,
        "a" * 900 + "@" + "b." * 50,
        "%41" * 333,
        "FR76" + " 1234" * 199,
        "rue " * 125 + "1 " * 250,
        "https://x.fr/?q=" + "+1" * 490,
    ],
    ids=["digits", "nbsp", "pairs", "at", "escapes", "iban", "streets", "plus"],
)
def test_the_longest_hostile_message_is_masked_quickly(text: str) -> None:
    # The channel refuses messages over MAX_MESSAGE_CHARS (1,000).
    seconds = timeit.timeit(lambda: mask(text), number=1)
    assert seconds < 0.5, seconds


# --- Properties ---------------------------------------------------------------

WORDS = [
    "bonjour",
    "je",
    "voudrais",
    "savoir",
    "si",
    "mon",
    "numéro",
    "est",
    "le",
    "voici",
    "merci",
    "pour",
    "l'école",
    "ouverte",
    "à",
    "et",
    "vous",
    "pouvez",
    "me",
    "rappeler",
    "au",
    "Mme",
    "Dupont",
    "écrivez",
    "contact",
    "ma",
    "fille",
    "cordialement",
]
french_text = st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)
# A space between two groups of digits, however typed.
GAPS = [" ", "  ", ".", "-", "/", " - ", "\u00a0", "\u202f", "\u2009", " \u200b", "\u00ad "]
# What may sit between digits written without spaces: nothing, or something invisible.
INVISIBLE = ["", "", "", "\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad"]


@st.composite
def grouped(draw: st.DrawFn, digits: str, groupings: List[Tuple[int, ...]]) -> str:
    """`digits` in one of `groupings`, with random separators; or glued."""
    sizes = draw(st.sampled_from([*groupings, (len(digits),)]))
    groups, start = [], 0
    for size in sizes:
        groups.append(digits[start : start + size])
        start += size
    if len(groups) == 1:
        text = "".join(char + draw(st.sampled_from(INVISIBLE)) for char in digits)
    else:
        text = groups[0] + "".join(draw(st.sampled_from(GAPS)) + group for group in groups[1:])
    if draw(st.booleans()):  # full-width digits
        text = fullwidth(text)
    return text


def digit_strings(size: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=size, max_size=size)


NATIONAL_GROUPINGS = [(2, 2, 2, 2, 2), (4, 2, 2, 2), (4, 3, 3), (2, 4, 4)]
OVERSEAS_PREFIXES = ["262", "692", "693", "590", "690", "594", "694", "596", "696", "269", "639"]


@st.composite
def french_phones(draw: st.DrawFn) -> Tuple[str, str]:
    """(spelling, digits) of a mainland or overseas number, national or international."""
    if draw(st.booleans()):
        first = draw(st.sampled_from([str(d) for d in range(1, 10)]))
        national = "0" + first + draw(digit_strings(8))
    else:
        national = "0" + draw(st.sampled_from(OVERSEAS_PREFIXES)) + draw(digit_strings(6))
    form = draw(st.sampled_from(["national", "+33", "00", "overseas code"]))
    if form == "national":
        return draw(grouped(national, NATIONAL_GROUPINGS)), national
    subscriber = national[1:]
    groupings = [(1, 2, 2, 2, 2), (3, 2, 2, 2), (3, 3, 3)]
    code = "33"
    if form == "overseas code":
        code = draw(st.sampled_from(["262", "269", "590", "594", "596"]))
    prefix = draw(st.sampled_from(["+", "00"] if form == "00" else ["+", "+", "+"]))
    trunk = draw(st.sampled_from(["", " ", " (0)", "(0)", " (0) "])) if code == "33" else ""
    gap = draw(st.sampled_from(["", " ", "\u00a0", "."]))
    spelling = prefix + code + (trunk or gap) + draw(grouped(subscriber, groupings))
    return spelling, code + subscriber


@st.composite
def pacific_and_atlantic_phones(draw: st.DrawFn) -> Tuple[str, str]:
    """Saint-Pierre-et-Miquelon, Wallis-et-Futuna, Nouvelle-Calédonie (6 digits), Polynésie (8)."""
    code = draw(st.sampled_from(["508", "681", "687", "689"]))
    size = 8 if code == "689" else 6
    subscriber = draw(digit_strings(size))
    groupings = [(2,) * (size // 2)]
    return "+" + code + draw(st.sampled_from(["", " "])) + draw(grouped(subscriber, groupings)), (
        code + subscriber
    )


ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"


@st.composite
def emails(draw: st.DrawFn) -> Tuple[str, str]:
    atoms = draw(st.lists(st.text(ATEXT, min_size=1, max_size=8), min_size=1, max_size=3))
    labels = draw(
        st.lists(
            st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8),
            min_size=1,
            max_size=2,
        )
    )
    tld = draw(st.sampled_from(["fr", "com", "re", "gouv.fr", "org"]))
    address = ".".join(atoms) + "@" + ".".join(labels) + "." + tld
    return address, address


@st.composite
def nirs(draw: st.DrawFn) -> Tuple[str, str]:
    sex = draw(st.sampled_from("1278"))
    year = draw(digit_strings(2))
    month = draw(st.sampled_from([f"{m:02d}" for m in (*range(1, 13), 20, 31, 50, 99)]))
    place = draw(
        st.one_of(
            st.tuples(st.sampled_from(["2A", "2B", "2a", "34", "75", "99"]), digit_strings(3)),
            st.tuples(
                st.sampled_from(["971", "972", "973", "974", "976", "987", "988"]), digit_strings(2)
            ),
        )
    )
    order = draw(digit_strings(3))
    key = draw(st.sampled_from(["", *[f"{k:02d}" for k in (1, 36, 97)]]))
    fields = [sex, year, month, *place, order] + ([key] if key else [])
    if draw(st.booleans()):
        spelling = fields[0] + "".join(draw(st.sampled_from(GAPS)) + f for f in fields[1:])
    else:
        spelling = "".join(f + draw(st.sampled_from(INVISIBLE)) for f in fields)
    return spelling, "".join(fields)


@st.composite
def ibans(draw: st.DrawFn) -> Tuple[str, str]:
    country = draw(st.sampled_from(["FR", "fr", "DE", "BE", "ES"]))
    number = country + draw(digit_strings(2)) + draw(digit_strings(23))
    rib_groups = (4, 5, 5, 11, 2)
    groups = draw(st.sampled_from([(4,) * 6 + (3,), rib_groups]))
    return draw(grouped(number, [groups])), number


@st.composite
def ribs(draw: st.DrawFn) -> Tuple[str, str]:
    number = draw(digit_strings(21)) + draw(digit_strings(2))
    return draw(grouped(number, [(5, 5, 11, 2)])), number


def _luhn_completed(digits: str) -> str:
    for last in "0123456789":
        candidate = digits + last
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


@st.composite
def cards(draw: st.DrawFn) -> Tuple[str, str]:
    size = draw(st.sampled_from([13, 15, 16, 19]))
    number = _luhn_completed(draw(st.sampled_from("3456")) + draw(digit_strings(size - 2)))
    groupings = {13: (4, 4, 5), 15: (4, 6, 5), 16: (4, 4, 4, 4), 19: (4, 4, 4, 4, 3)}
    return draw(grouped(number, [groupings[size]])), number


@st.composite
def street_addresses(draw: st.DrawFn) -> Tuple[str, str]:
    number = str(draw(st.integers(1, 999))) + draw(st.sampled_from(["", " bis", "ter"]))
    kind = draw(
        st.sampled_from(["rue", "avenue", "bd", "chemin", "allée", "impasse", "place", "quai"])
    )
    name = draw(
        st.sampled_from(["des Lilas", "Jean Jaurès", "de la République", "du Moulin", "Haute"])
    )
    postcode = draw(st.sampled_from(["", ", 34000 Montpellier", " 97400 Saint-Denis"]))
    space = draw(st.sampled_from([" ", "\u00a0"]))
    return number + space + kind + " " + name + postcode, number


KINDS: List[Tuple[str, Callable[[], st.SearchStrategy[Tuple[str, str]]], str]] = [
    ("phone", french_phones, PHONE),
    ("overseas phone", pacific_and_atlantic_phones, PHONE),
    ("e-mail", emails, EMAIL),
    ("NIR", nirs, NIR),
    ("IBAN", ibans, IBAN),
    ("RIB", ribs, RIB),
    ("card", cards, CARD),
    ("street address", street_addresses, ADDRESS),
]
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def skeleton(text: str) -> str:
    """Letters and digits only, as the masker reads them."""
    return "".join(char for char in unicodedata.normalize("NFKC", text) if char.isalnum())


def _check_masked(masked: str, value: str, placeholder: str) -> None:
    # The surrounding text has no digit and no at sign: none may be left.
    readable = unicodedata.normalize("NFKC", masked)
    assert skeleton(value) not in skeleton(masked), masked
    assert not any(char.isdigit() for char in readable) and "@" not in readable, masked
    assert placeholder in masked, masked


def _as_typed(text: str) -> str:
    return mask(text)


def _in_a_mailto_link(text: str) -> str:
    """What is left in the pre-filled link, decoded as a mail client would."""
    masked = mask(f"[Écrire à l'équipe]({mailto_link('equipe@exemple.gouv.fr', text, None)})")
    assert masked.startswith("[Écrire à l'équipe](mailto:")
    return unquote(masked).replace("equipe@exemple.gouv.fr", "")


@pytest.mark.parametrize("masked_as", [_as_typed, _in_a_mailto_link], ids=["typed", "mailto"])
@pytest.mark.parametrize(("kind", "values", "placeholder"), KINDS, ids=[k[0] for k in KINDS])
def test_generated_personal_data_never_survives(
    kind: str,
    values: Callable[[], st.SearchStrategy[Tuple[str, str]]],
    placeholder: str,
    masked_as: Callable[[str], str],
) -> None:
    @PROPERTY_SETTINGS
    @given(before=french_text, value=values(), after=french_text)
    def check(before: str, value: Tuple[str, str], after: str) -> None:
        spelling, digits = value
        _check_masked(masked_as(f"{before} {spelling} {after}"), digits, placeholder)

    check()


any_value = st.one_of(*(values() for _, values, _ in KINDS)).map(lambda value: value[0])


@PROPERTY_SETTINGS
@given(st.lists(st.one_of(french_text, any_value, st.text(max_size=20)), max_size=6))
def test_masking_twice_changes_nothing_more(parts: List[str]) -> None:
    once = mask(" ".join(parts))
    assert mask(once) == once


short_number = st.integers(0, 9999).map(str)
date = st.tuples(st.integers(1, 31), st.integers(1, 12), st.integers(1900, 2099)).map(
    lambda d: f"{d[0]:02d}/{d[1]:02d}/{d[2]}"
)


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.one_of(st.just(""), short_number, date))))
def test_ordinary_text_is_unchanged(words: List[Tuple[str, str]]) -> None:
    # Numbers apart: four numbers of four digits in a row do make a card number.
    text = " ".join(f"{word} {number}" for word, number in words)
    assert mask(text) == text
