"""The labelling file of `bot review`: written by --export, read back by --apply.

It is a Rasa NLU YAML file: each message sits under the model's best guess, and
staff move it under the right intent or delete it. Applying adds the examples to
the data/nlu file that holds each intent, keeping that file's layout and comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.staff import yamlfiles
from bot.staff.checks import model_view, read_every_heldout, read_examples
from bot.staff.table import percent


@dataclass(frozen=True)
class ToLabel:
    text: str
    guess: str
    note: str  # why it is there and the model's guesses, as a comment for staff


HEADER = """\
# Messages à étiqueter, exportés par `bot review` le {date} ({period}).
# Chaque message est rangé sous l'intent que le modèle a jugé le plus probable.
# Pour chaque message :
#   - laissez-le s'il est sous le bon intent ;
#   - déplacez-le sous le bon intent (liste et libellés : bot/topics.yml) ;
#   - supprimez la ligne s'il ne doit pas servir d'exemple.
# Puis : bot review --apply {name}, bot validate, bot train.
version: "3.1"
nlu:
"""


def one_line(text: str) -> str:
    return " ".join(text.split())


def export(items: Sequence[ToLabel], path: Path, period: str) -> None:
    by_intent: Dict[str, List[ToLabel]] = {}
    for item in items:
        by_intent.setdefault(item.guess, []).append(item)
    lines = [HEADER.format(date=f"{datetime.now():%d/%m/%Y}", period=period, name=path.name)]
    for intent, group in sorted(by_intent.items()):
        lines.append(f"- intent: {intent}\n")
        lines += [f"  # {one_line(item.note)}\n" for item in group]
        lines.append("  examples: |\n")
        lines += [f"    - {one_line(item.text)}\n" for item in group]
    path.write_text("".join(lines), encoding="utf-8")


def read_labelled(path: Path) -> List[Tuple[str, str]]:
    """(intent, text) pairs of a labelling file; ValueError if it is not NLU YAML."""
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"le fichier n'est pas du YAML valide : {error}") from None
    pairs = []
    for entry in content.get("nlu") or []:
        if not isinstance(entry, dict) or "intent" not in entry:
            raise ValueError("chaque entrée de « nlu » doit avoir un « intent ».")
        for line in str(entry.get("examples") or "").splitlines():
            if line.strip().startswith("- "):
                pairs.append((str(entry["intent"]), line.strip()[2:].strip()))
    return pairs


def refusals(pairs: Sequence[Tuple[str, str]], project: Path) -> List[str]:
    """Why some of the labelled examples cannot be added (empty: all can)."""
    intents = yaml.safe_load((project / "domain.yml").read_text(encoding="utf-8"))["intents"]
    existing = {e.text.lower(): e for e in read_examples(project)[0]}
    cases = read_every_heldout(project)
    # Close to a held-out case as the model reads them, not only equal: otherwise
    # the test set would score what the model learnt by heart.
    tested = {
        i: (cases[j], score)
        for i, j, score in model_view(project).near_duplicates(
            [text for _, text in pairs], [case.text for case in cases]
        )
    }
    files = _file_of_intent(project)
    reasons, seen = [], set()
    for index, (intent, text) in enumerate(pairs):
        key = text.lower()
        if intent not in intents:
            reasons.append(f"« {text} » : l'intent « {intent} » n'existe pas (domain.yml).")
        elif intent not in files:
            reasons.append(
                f"« {text} » : aucun fichier de data/nlu n'a d'exemples de « {intent} »."
            )
        elif key in existing:
            known = existing[key]
            reasons.append(f"« {text} » : déjà un exemple de « {known.intent} » ({known.where}).")
        elif index in tested:
            case, score = tested[index]
            reasons.append(
                f"« {text} » : presque identique (similarité {percent(score)}) au cas "
                f"« {case.text} » du jeu de test ({case.where}) ; un exemple ne doit pas "
                "reprendre une question du jeu de test."
            )
        elif key in seen:
            reasons.append(f"« {text} » : en double dans le fichier.")
        seen.add(key)
    return reasons


def _file_of_intent(project: Path) -> Dict[str, Path]:
    files: Dict[str, Path] = {}
    for path in sorted((project / "data" / "nlu").glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in content.get("nlu") or []:
            files.setdefault(entry.get("intent"), path)
    return files


def apply(pairs: Sequence[Tuple[str, str]], project: Path) -> Dict[Path, int]:
    """Appends the examples to their intent's block; returns how many went to each file."""
    files = _file_of_intent(project)
    added: Dict[Path, int] = {}
    for path in sorted({files[intent] for intent, _ in pairs}):
        data = yamlfiles.load(path)
        for entry in data["nlu"]:
            new = [text for intent, text in pairs if intent == entry.get("intent")]
            if new and files[entry["intent"]] == path:
                old = str(entry["examples"])
                old = old if old.endswith("\n") else old + "\n"
                entry["examples"] = LiteralScalarString(old + "".join(f"- {t}\n" for t in new))
                added[path] = added.get(path, 0) + len(new)
        yamlfiles.dump(data, path)
    return added
