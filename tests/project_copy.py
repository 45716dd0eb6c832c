"""A copy of the project's content files, for tests that change them."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.assistant import PROJECT_DIR

CONTENT = (
    "domain.yml",
    "config.yml",
    "data",
    "bot/topics.yml",
    "tests/heldout.yml",
    "tests/heldout-situations.yml",
    "tests/conversations.yml",
    "docs/page-source.txt",
    "docs/faits-verifies.yml",
)


def copy_project(dest: Path) -> Path:
    for name in CONTENT:
        source, target = PROJECT_DIR / name, dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    return dest
