"""`bot bench --smoke`: the benchmark runs from end to end and reports no error.

The figures of a smoke run mean nothing (seconds of load, one training epoch);
docs/benchmarks.md holds those of a full run. The scale-out part must run too:
`make test` installs PostgreSQL and Redis first (`make datastores`).
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.bench.alternatives import write_alternatives
from bot.settings import PROJECT_DIR

SMOKE_TIMEOUT_S = 1800


def test_smoke_run_writes_every_table_without_errors(tmp_path: Path) -> None:
    output = tmp_path / "benchmarks.md"
    command = [sys.executable, "-m", "bot.cli", "bench", "--smoke", "--output", str(output)]
    run = subprocess.run(
        [*command, "--workdir", str(tmp_path / "bench")],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT_S,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = output.read_text(encoding="utf-8")
    assert "Errors over every load run: 0." in report
    for heading in ("against Rasa's default config", "### Targets", "server variants"):
        assert heading in report
    assert re.search(r"\| 5 users: messages/s \| [1-9][\d.]* \| [1-9][\d.]* \|", report), report
    # Both held-out sets, scored through the REST channel of each config.
    scored = r"\d+\.\d% \(\w+ \d+%\) / \d+\.\d% \(\w+ \d+%\)"
    heading = r"held-out: first set / situations \(lowest topic\)"
    heldout_row = rf"\| {heading} \| {scored} \| {scored} \|"
    assert re.search(heldout_row, report), report
    # The scale-out part ran: no "not installed" in its place.
    assert re.search(r"\| PostgreSQL \+ Redis[^|]*\| 2 \| 5 \| [1-9]", report), report
    assert "| AtomicRedisLockStore (endpoints-scale.yml) | 4 | 0 |" in report


def test_every_alternative_config_sets_only_options_its_components_have(tmp_path: Path) -> None:
    # A full run measures them (not the smoke run): an option the component does not
    # know would be ignored by Rasa, and the alternative would not be what it says.
    for name, path in write_alternatives(PROJECT_DIR / "config.yml", tmp_path):
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        for component in config["pipeline"] + config["policies"]:
            known = _component_class(component["name"]).get_default_config()
            assert set(component) - {"name"} <= set(known), (name, component)


def _component_class(name: str) -> type:
    """A component of a config: the project's by module path, Rasa's by its name."""
    if "." in name:
        module, _, class_name = name.rpartition(".")
        return getattr(importlib.import_module(module), class_name)
    return DefaultV1Recipe._from_registry(name).clazz
