"""`bot review`: the messages the assistant was unsure about, to improve the data."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.settings import PROJECT_DIR, load_settings
from bot.staff import labelling
from bot.staff.conversations import Turn, add_period_arguments, load_turns, period_of
from bot.staff.table import format_table, percent, plural

NAME = "review"
TOP_GUESSES = 3


def reason(turn: Turn) -> Optional[str]:
    """Why a message deserves a look, in French; None for the others."""
    if turn.is_button or turn.in_form:
        return None  # not words the NLU had to understand, or a reply address
    if turn.intent == "nlu_fallback":
        return "incertain"
    if turn.fell_back:
        return "clarification"
    if turn.intent == "out_of_scope":
        return "hors sujet"
    if turn.escalated:
        return "escalade"
    return None


def guesses(turn: Turn) -> Tuple[Tuple[str, float], ...]:
    return tuple((n, c) for n, c in turn.ranking if n != "nlu_fallback")[:TOP_GUESSES]


@dataclass
class Group:
    """The same message (ignoring case and spaces), however often it was sent."""

    text: str
    guesses: Tuple[Tuple[str, float], ...]
    reasons: Counter = field(default_factory=Counter)
    senders: set = field(default_factory=set)

    @property
    def count(self) -> int:
        return sum(self.reasons.values())

    def describe_guesses(self) -> str:
        return ", ".join(f"{name} {percent(confidence)}" for name, confidence in self.guesses)

    def describe_reasons(self) -> str:
        return ", ".join(self.reasons)


def group(turns: List[Turn]) -> List[Group]:
    groups: Dict[str, Group] = {}
    for turn in turns:
        why = reason(turn)
        if why is None:
            continue
        key = " ".join(turn.text.lower().split())
        item = groups.setdefault(key, Group(turn.text, guesses(turn)))
        item.reasons[why] += 1
        item.senders.add(turn.sender)
    return sorted(groups.values(), key=lambda g: (-g.count, g.text.lower()))


def _apply(path: Path, project: Path) -> int:
    try:
        pairs = labelling.read_labelled(path)
    except (OSError, ValueError) as error:
        print(f"Impossible de lire {path} : {error}")
        return 1
    problems = labelling.refusals(pairs, project)
    if problems:
        print("Rien n'a été ajouté. Corrigez d'abord le fichier :")
        print("\n".join(f"  - {p}" for p in problems))
        return 1
    if not pairs:
        print("Le fichier ne contient aucun exemple : rien à ajouter.")
        return 0
    for target, count in labelling.apply(pairs, project).items():
        print(f"{count} exemple(s) ajouté(s) à {target.relative_to(project)}")
    print("Ensuite : bot validate, puis bot train, puis redémarrez l'assistant.")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.apply:
        return _apply(Path(args.apply), Path(args.project).resolve())
    period = period_of(args)
    groups = group(load_turns(load_settings(), period))
    senders = set().union(*(g.senders for g in groups)) if groups else set()
    print(
        f"Messages à revoir {period.describe()} : {plural(len(groups), 'message')} "
        f"({plural(sum(g.count for g in groups), 'envoi')}, "
        f"{plural(len(senders), 'conversation')}).\n"
    )
    if groups:
        rows = [[g.count, g.describe_reasons(), g.text, g.describe_guesses()] for g in groups]
        print(format_table(["Nb", "Motif", "Message", "Hypothèses du modèle"], rows))
    if args.export:
        items = [
            labelling.ToLabel(
                g.text,
                g.guesses[0][0],
                f"« {g.text} » : {g.count} fois ({g.describe_reasons()}) ; "
                f"hypothèses : {g.describe_guesses()}",
            )
            for g in groups
            if g.guesses
        ]
        labelling.export(items, Path(args.export), period.describe())
        print(f"\n{len(items)} messages exportés dans {args.export} pour étiquetage.")
        print(f"Après correction : bot review --apply {args.export}")
    elif groups:
        print("\nPour les étiqueter : bot review --export FICHIER.yml")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        NAME,
        help="lister les messages sur lesquels l'assistant a hésité, et les étiqueter",
        description="Lit les conversations enregistrées et liste, regroupés et comptés, les "
        "messages que l'assistant n'a pas compris avec assez de certitude, les "
        "clarifications, les questions hors sujet et les escalades vers l'équipe, avec les "
        "hypothèses du modèle. --export écrit un fichier à étiqueter ; --apply ajoute les "
        "exemples étiquetés aux données d'entraînement.",
    )
    add_period_arguments(parser)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--export", metavar="FICHIER", help="écrire les messages à étiqueter")
    action.add_argument(
        "--apply",
        metavar="FICHIER",
        help="ajouter à data/nlu les exemples d'un fichier étiqueté (refuse les intents "
        "inconnus, les doublons et les messages presque identiques à un cas du jeu de test)",
    )
    parser.add_argument(
        "--project", default=str(PROJECT_DIR), help="dossier du projet modifié par --apply"
    )
