"""`bot validate`: Rasa's own data validation plus the project's content checks."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from typing import List

from bot.settings import PROJECT_DIR, load_settings
from bot.staff.checks import Problem, run_checks
from bot.staff.table import plural

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# What Rasa prints for a warning (its exit code misses some, e.g. unused responses)
# or for an error that stopped it.
_RASA_PROBLEM = re.compile(
    r"UserWarning: (.*)|WARNING\s+(?:\S+\s+-\s+)?(.*)|\[warning\s*\]\s*(.*)"
    r"|(\w+(?:Exception|Error): .*)"
)


def rasa_problems(project: Path) -> List[Problem]:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    problems = []
    for line in _ANSI.sub("", result.stdout + result.stderr).splitlines():
        match = _RASA_PROBLEM.search(line)
        # pip's "Location 'file://…' is ignored" lines are not about the data.
        if match and "Location 'file://" not in line:
            problems.append(Problem("rasa data validate", next(g for g in match.groups() if g)))
    if result.returncode != 0 and not problems:
        problems.append(Problem("rasa data validate", f"échec (code {result.returncode})."))
    return problems


NAME = "validate"


def run(args: argparse.Namespace) -> int:
    project = Path(args.project).resolve()
    problems = [] if args.no_rasa else rasa_problems(project)
    problems += run_checks(project, load_settings())
    for problem in problems:
        print(problem)
    if problems:
        print(f"\nbot validate : {plural(len(problems), 'problème')} à corriger.")
        return 1
    print("bot validate : tout est en ordre.")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        NAME,
        help="vérifier les données d'entraînement et les réponses avant de réentraîner",
        description="Lance `rasa data validate` puis les vérifications du projet : nombre "
        "d'exemples, intents sans règle, exemples en double, réponses vides, pas en "
        "français ou aux liens mal formés, numéros et adresses absents de la page source, "
        "sujets absents du jeu de test, cas du jeu de test presque identiques à un exemple, "
        "adresse de contact invalide. Chaque problème est "
        "donné avec son fichier et sa ligne ; le code de sortie est 1 s'il y en a un.",
    )
    parser.add_argument(
        "--project", default=str(PROJECT_DIR), help="dossier du projet (par défaut : celui-ci)"
    )
    parser.add_argument(
        "--no-rasa", action="store_true", help="ne pas lancer `rasa data validate` (plus rapide)"
    )
