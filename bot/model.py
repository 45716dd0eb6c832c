"""Training only when the training inputs changed.

The model file is named after a hash of data/, config.yml and domain.yml, so an
unchanged project finds its model at once, without importing Rasa.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List

from bot.settings import PROJECT_DIR, Settings

TRAINING_INPUTS = ("config.yml", "domain.yml", "data")


def _input_files(project_dir: Path) -> Iterable[Path]:
    for name in TRAINING_INPUTS:
        path = project_dir / name
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def fingerprint(project_dir: Path = PROJECT_DIR) -> str:
    digest = hashlib.sha256()
    for path in _input_files(project_dir):
        digest.update(path.relative_to(project_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(settings: Settings, project_dir: Path = PROJECT_DIR) -> Path:
    return settings.models_dir / f"model-{fingerprint(project_dir)}.tar.gz"


def train_command(config: Path, model: Path, project_dir: Path = PROJECT_DIR) -> List[str]:
    """`rasa train` of the project's domain and data with `config`, into `model`."""
    return [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        str(config),
        "--domain",
        str(project_dir / "domain.yml"),
        "--data",
        str(project_dir / "data"),
        "--out",
        str(model.parent),
        "--fixed-model-name",
        model.name[: -len(".tar.gz")],
    ]


def ensure_model(settings: Settings, project_dir: Path = PROJECT_DIR) -> Path:
    """Returns the model for the current inputs, training it first if there is none."""
    path = model_path(settings, project_dir)
    if path.exists():
        print(f"Model up to date: {path}")
        return path
    print("Training inputs changed: training a new model…", flush=True)
    subprocess.run(
        train_command(project_dir / "config.yml", path, project_dir), cwd=project_dir, check=True
    )
    for old in settings.models_dir.glob("model-*.tar.gz"):
        if old != path:
            old.unlink()
    return path
