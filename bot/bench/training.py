"""Training a configuration from scratch, timed."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import IO, Optional, Tuple

import yaml

from bot.model import train_command
from bot.settings import PROJECT_DIR


def with_epochs(config: Path, epochs: int, out_dir: Path) -> Path:
    """A copy of `config` whose trained components all run `epochs` epochs (smoke runs)."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for component in [*data.get("pipeline", []), *data.get("policies", [])]:
        if "epochs" in component:
            component["epochs"] = epochs
    copy = out_dir / f"{config.stem}-{epochs}-epochs.yml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return copy


def train(
    config: Path, model: Path, log: IO[bytes], epochs: Optional[int] = None
) -> Tuple[Path, float]:
    """Trains `config` into `model`; returns it and the seconds it took.

    Rasa's training cache is a new, empty one: nothing is reused from an
    earlier training, so the time is that of a full training.
    """
    model.parent.mkdir(parents=True, exist_ok=True)
    if epochs is not None:
        config = with_epochs(config, epochs, model.parent)
    env = dict(
        os.environ,
        RASA_TELEMETRY_ENABLED="false",
        RASA_CACHE_DIRECTORY=str(model.parent / f"cache-{model.name}"),
    )
    began = time.monotonic()
    subprocess.run(
        train_command(config, model),
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=True,
    )
    return model, time.monotonic() - began
