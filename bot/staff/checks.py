"""The project's own content checks for `bot validate`, each problem with file:line.

Every check reads the project's files (a copy in a temporary folder as well as
the real project) and returns Problems; none changes anything.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Set, Tuple

import yaml

from bot.heldout import HELDOUT_SETS, step_intents
from bot.language import looks_french
from bot.mail import is_valid_email
from bot.settings import Settings
from bot.staff import yamlfiles
from bot.staff.table import percent

if TYPE_CHECKING:
    from bot.similarity import ModelView

MIN_EXAMPLES = 15
# Filled in by the NLG from the settings (bot/nlg.py), not by slots.
SETTINGS_PLACEHOLDERS = frozenset({"contact_email", "mailto", "topic_hint"})


@dataclass(frozen=True)
class Problem:
    where: str  # "file:line", or what else is at fault
    message: str  # in French, for staff

    def __str__(self) -> str:
        return f"{self.where} : {self.message}"


def _rel(project: Path, path: Path) -> str:
    return path.relative_to(project).as_posix()


# --- Training examples ---------------------------------------------------------


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    where: str


def _example_lines(examples: str) -> Iterator[Tuple[int, str]]:
    for offset, line in enumerate(examples.splitlines()):
        if line.strip().startswith("- "):
            yield offset, line.strip()[2:].strip()


def read_examples(project: Path) -> Tuple[List[Example], Dict[str, str]]:
    """Every example with its place, and where each intent's block starts."""
    examples: List[Example] = []
    blocks: Dict[str, str] = {}
    for path in sorted((project / "data" / "nlu").glob("*.yml")):
        for entry in yamlfiles.load(path).get("nlu") or []:
            if "intent" not in entry:
                continue
            intent = entry["intent"]
            blocks.setdefault(
                intent, f"{_rel(project, path)}:{yamlfiles.key_line(entry, 'intent')}"
            )
            first = yamlfiles.value_line(entry, "examples") + 1
            for offset, text in _example_lines(str(entry.get("examples") or "")):
                where = f"{_rel(project, path)}:{first + offset}"
                examples.append(Example(text, intent, where))
    return examples, blocks


def check_examples(project: Path, domain: Any) -> List[Problem]:
    examples, blocks = read_examples(project)
    problems = []
    counts: Dict[str, int] = defaultdict(int)
    for example in examples:
        counts[example.intent] += 1
    for intent, where in blocks.items():
        if counts[intent] < MIN_EXAMPLES:
            problems.append(
                Problem(
                    where,
                    f"l'intent « {intent} » n'a que {counts[intent]} exemples "
                    f"({MIN_EXAMPLES} au minimum).",
                )
            )
        if intent not in domain["intents"]:
            problems.append(
                Problem(where, f"l'intent « {intent} » n'est pas déclaré dans domain.yml.")
            )
    seen: Dict[str, Example] = {}
    for example in examples:
        key = example.text.lower()
        first = seen.setdefault(key, example)
        if first is not example:
            same = "le même intent" if first.intent == example.intent else f"« {first.intent} »"
            problems.append(
                Problem(
                    example.where,
                    f"l'exemple « {example.text} » (intent « {example.intent} ») figure déjà "
                    f"sous {same}, ligne {first.where}.",
                )
            )
    return problems


# --- Intents, rules and the topic catalogue -----------------------------------


def _dialogue_intents(project: Path) -> Set[str]:
    intents = set()
    for path in (project / "data").rglob("*.yml"):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in (content.get("rules") or []) + (content.get("stories") or []):
            intents.update(i for step in block.get("steps") or [] for i in step_intents(step))
    return intents


def check_intents(project: Path, domain: Any) -> List[Problem]:
    ruled = _dialogue_intents(project)
    _, blocks = read_examples(project)
    problems = []
    for index, intent in enumerate(domain["intents"]):
        where = f"domain.yml:{yamlfiles.item_line(domain['intents'], index)}"
        if intent not in ruled:
            problems.append(
                Problem(
                    where,
                    f"l'intent « {intent} » n'est utilisé dans aucune règle ni histoire "
                    "(data/rules) : la question n'aurait pas de réponse.",
                )
            )
        if intent not in blocks:
            problems.append(Problem(where, f"l'intent « {intent} » n'a aucun exemple (data/nlu)."))
    return problems


@dataclass(frozen=True)
class HeldoutCase:
    text: str
    expect: str
    where: str


def read_heldout(project: Path, relative: str = HELDOUT_SETS[0]) -> List[HeldoutCase]:
    path = project / relative
    return [
        HeldoutCase(
            str(case["text"]),
            str(case["expect"]),
            f"{_rel(project, path)}:{yamlfiles.key_line(case, 'text')}",
        )
        for case in yamlfiles.load(path)["cases"]
    ]


def heldout_sets(project: Path) -> List[str]:
    """The held-out sets (HELDOUT_SETS) the project has, relative to it."""
    return [relative for relative in HELDOUT_SETS if (project / relative).exists()]


def read_every_heldout(project: Path) -> List[HeldoutCase]:
    """The cases of every held-out set the project has."""
    return [case for relative in heldout_sets(project) for case in read_heldout(project, relative)]


def model_view(project: Path) -> ModelView:
    """The held-out guard's reading of text. Imported here, not at the top: it loads
    Rasa and TensorFlow (5 s), which the other `bot` commands do without."""
    from bot.similarity import ModelView

    return ModelView(project)


# A topic with fewer cases in a set has no score worth reading (issue 11).
MIN_CASES_PER_TOPIC = 5


def check_heldout(project: Path) -> List[Problem]:
    """Every topic has at least MIN_CASES_PER_TOPIC cases in each held-out set."""
    topics_file = project / "bot" / "topics.yml"
    topics = yamlfiles.load(topics_file)
    problems = []
    for relative in heldout_sets(project):
        counts = Counter(case.expect for case in read_heldout(project, relative))
        problems += [
            Problem(
                f"{_rel(project, topics_file)}:{yamlfiles.key_line(topics, intent)}",
                f"le sujet « {intent} » n'a que {counts[intent]} cas dans le jeu de test "
                f"{relative} (au moins {MIN_CASES_PER_TOPIC}).",
            )
            for intent in topics
            if counts[intent] < MIN_CASES_PER_TOPIC
        ]
    return problems


def check_heldout_apart(project: Path) -> List[Problem]:
    """A held-out case the model reads almost as a training example measures recall."""
    examples, _ = read_examples(project)
    cases = read_every_heldout(project)
    pairs = model_view(project).near_duplicates(
        [case.text for case in cases], [example.text for example in examples]
    )
    return [
        Problem(
            cases[i].where,
            f"le cas « {cases[i].text} » est presque identique (similarité {percent(score)}) "
            f"à l'exemple « {examples[j].text} » ({examples[j].where}) : reformulez le cas, "
            "sinon le jeu de test mesure ce que le modèle a appris par cœur.",
        )
        for i, j, score in pairs
    ]


# --- Responses -------------------------------------------------------------------

_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_GOOD_URL = re.compile(r"^(?:https?://[\w-]+(?:\.[\w-]+)+(?:/\S*)?|mailto:\S+|\{\w+\})$")
_BARE_URL = re.compile(r"https?://\S*")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _link_problems(text: str) -> List[str]:
    problems = []
    for label, url in _LINK.findall(text):
        if not label.strip():
            problems.append(f"un lien sans texte ({url})")
        if not _GOOD_URL.match(url):
            problems.append(f"un lien mal formé : « {url} »")
    rest = _LINK.sub("", text)
    if "](" in rest or re.search(r"\[[^\]]*$", rest):
        problems.append("un lien mal formé (crochets ou parenthèses non fermés)")
    problems += [
        f"une adresse web mal formée : « {url} »"
        for url in _BARE_URL.findall(rest)
        if not _GOOD_URL.match(url.rstrip(".,;:)"))
    ]
    return problems


def _response_line(domain: Any, name: str, variation: Any) -> int:
    if "text" in variation:
        return yamlfiles.key_line(variation, "text")
    return yamlfiles.key_line(domain["responses"], name)


def check_responses(domain: Any) -> List[Problem]:
    slots = set(domain.get("slots") or {}) | SETTINGS_PLACEHOLDERS
    problems = []
    for name, variations in domain["responses"].items():
        for variation in variations:
            where = f"domain.yml:{_response_line(domain, name, variation)}"
            text = " ".join(str(variation.get("text") or "").split())
            if not text:
                problems.append(Problem(where, f"la réponse « {name} » est vide."))
                continue
            if not looks_french(_PLACEHOLDER.sub("", text)):
                problems.append(
                    Problem(where, f"la réponse « {name} » ne semble pas rédigée en français.")
                )
            problems += [
                Problem(where, f"la réponse « {name} » contient {p}.") for p in _link_problems(text)
            ]
            problems += [
                Problem(where, f"la réponse « {name} » utilise {{{p}}}, qui n'est pas un slot.")
                for p in _PLACEHOLDER.findall(text)
                if p not in slots
            ]
    return problems


# --- Facts: phone numbers and addresses only from the source page ----------------

_PHONE = re.compile(r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")
# Short numbers (17, 3928) count as phone numbers after a word about calling.
_CALL_CLAUSE = re.compile(
    r"\b(?:appel\w*|compos\w*|num[ée]ro\w*|t[ée]l[ée]phon\w*|joign\w*|joindre)\b[^.!?:;]*",
    re.IGNORECASE,
)
_SHORT_NUMBER = re.compile(r"(?<![\d/.,])\b\d{2,4}\b(?![\d/.,]\d)")
_WEB = re.compile(
    r"\b(?:https?://)?(?:www\.)?((?:[\w-]+\.)+(?:fr|com|org|net|eu|info|gouv))\b", re.I
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_STREET = re.compile(
    r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|allée|chemin|"
    r"impasse|quai|route|cours)\b[^,.;]*",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b\d{5}\b")


def facts_in(text: str) -> List[str]:
    """Phone numbers, web and e-mail addresses and postal addresses named in a text."""
    facts = _PHONE.findall(text) + _EMAIL.findall(_PLACEHOLDER.sub("", text))
    for clause in _CALL_CLAUSE.findall(_PHONE.sub("", text)):
        facts += _SHORT_NUMBER.findall(clause)
    facts += _WEB.findall(_EMAIL.sub("", text))
    facts += [m.strip() for m in _STREET.findall(text)] + _POSTCODE.findall(text)
    return facts


def _squash(text: str) -> str:
    """Lower case without spaces, dots or dashes: "04 67 ..." and "04.67..." compare equal."""
    return re.sub(r"[\s.\-]", "", text.lower())


def check_facts(project: Path, domain: Any) -> List[Problem]:
    page = _squash((project / "docs" / "page-source.txt").read_text(encoding="utf-8"))
    verified_file = project / "docs" / "faits-verifies.yml"
    verified = {_squash(str(e["fait"])) for e in yaml.safe_load(verified_file.read_text()) or []}
    problems = []
    for name, variations in domain["responses"].items():
        for variation in variations:
            text = str(variation.get("text") or "")
            for fact in facts_in(text):
                if _squash(fact) not in page and _squash(fact) not in verified:
                    problems.append(
                        Problem(
                            f"domain.yml:{_response_line(domain, name, variation)}",
                            f"la réponse « {name} » cite « {fact} », absent de la page source "
                            "(docs/page-source.txt) et de docs/faits-verifies.yml.",
                        )
                    )
    return problems


# --- Settings ----------------------------------------------------------------------


def check_settings(settings: Settings) -> List[Problem]:
    addresses = {"CONTACT_EMAIL": settings.contact_email, "SMTP_FROM": settings.smtp.sender}
    return [
        Problem(
            f"{variable} (paramètres)",
            f"« {value} » n'est pas une adresse e-mail valide.",
        )
        for variable, value in addresses.items()
        if not is_valid_email(value)
    ]


def run_checks(project: Path, settings: Settings) -> List[Problem]:
    domain = yamlfiles.load(project / "domain.yml")
    return [
        *check_examples(project, domain),
        *check_intents(project, domain),
        *check_heldout(project),
        *check_heldout_apart(project),
        *check_responses(domain),
        *check_facts(project, domain),
        *check_settings(settings),
    ]
