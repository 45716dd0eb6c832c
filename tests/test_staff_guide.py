"""The staff guide (docs/guide-equipe.md), followed to the letter in a copy of the
project: its seven additions of a sample scheme, then validate, train, check the
answer, and remove the scheme again."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

from rasa.core.agent import Agent

from tests.assistant import PROJECT_DIR, Assistant
from tests.project_copy import copy_project

GUIDE = PROJECT_DIR / "docs" / "guide-equipe.md"
# A block of the guide's worked example: "# Fichier : <path> — <where>", then the text.
BLOCK = re.compile(r"```yaml\n# Fichier : (\S+) — ([^\n]+)\n(.*?)```", re.DOTALL)


def guide_steps() -> List[Tuple[str, str, str]]:
    return BLOCK.findall(GUIDE.read_text(encoding="utf-8"))


def add(project: Path, path: str, where: str, text: str) -> None:
    target = project / path
    content = target.read_text(encoding="utf-8")
    if where == "à la fin du fichier":
        content += text
    else:
        assert where == "dans la liste intents:", where
        content = content.replace("\nintents:\n", f"\nintents:\n{text}", 1)
    target.write_text(content, encoding="utf-8")


def remove(project: Path, path: str, text: str) -> None:
    target = project / path
    content = target.read_text(encoding="utf-8")
    assert content.count(text) == 1
    target.write_text(content.replace(text, ""), encoding="utf-8")


def run(*command: str, cwd: Path, env: Dict[str, str]) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_the_guide_adds_a_scheme_end_to_end_and_removes_it(tmp_path: Path) -> None:
    steps = guide_steps()
    assert {path for path, _, _ in steps} == {
        "data/nlu/education.yml",
        "domain.yml",
        "data/rules/answers.yml",
        "bot/topics.yml",
        "tests/conversations.yml",
        "tests/heldout.yml",
        "tests/heldout-situations.yml",
    }
    project = copy_project(tmp_path / "project")
    originals = {path: (project / path).read_bytes() for path, _, _ in steps}
    env = Assistant(tmp_path).env()
    bot = [sys.executable, "-m", "bot.cli"]

    for path, where, text in steps:
        add(project, path, where, text)
    assert "tout est en ordre" in run(
        *bot, "validate", "--project", str(project), cwd=PROJECT_DIR, env=env
    )

    rasa = [sys.executable, "-m", "rasa"]
    models = tmp_path / "models"
    run(
        *rasa,
        "train",
        "--data",
        "data",
        "--domain",
        "domain.yml",
        "--config",
        "config.yml",
        "--out",
        str(models),
        "--fixed-model-name",
        "guide",
        cwd=project,
        env=env,
    )
    run(
        *rasa,
        "test",
        "core",
        "--stories",
        "tests/conversations.yml",
        "--model",
        str(models),
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path / "results"),
        cwd=project,
        env=env,
    )
    agent = Agent.load(str(models / "guide.tar.gz"))
    reply = asyncio.run(agent.handle_text("pouvez vous me presenter la passerelle exemple"))
    assert reply[0]["text"].startswith("Ceci est la réponse d'exemple du guide")

    for path, _, text in steps:
        remove(project, path, text)
    assert {path: (project / path).read_bytes() for path, _, _ in steps} == originals
    run(*bot, "validate", "--no-rasa", "--project", str(project), cwd=PROJECT_DIR, env=env)
