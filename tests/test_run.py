"""`bot run`, what `make run` starts: training only when needed, clean stop, lasting
conversations, supervision of the servers."""

from __future__ import annotations

import os
import shutil
import signal
import tarfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Dict

import pytest

from bot.model import ensure_model, model_path
from bot.servers import MAX_RESTARTS
from bot.settings import load_settings
from tests.assistant import Assistant, descendants, is_running, new_sender
from tests.project_copy import copy_project

# A word found nowhere else in the training data, to find it in the new model.
NEW_WORD = "zorglubien"


def test_conversation_survives_a_restart_and_nothing_is_retrained(tmp_path: Path) -> None:
    model = model_path(load_settings())
    assert model.exists(), "the test session trains first (make test: bot train)"
    trained_at = model.stat().st_mtime
    sender = new_sender()

    first = Assistant(tmp_path).start()
    assert "Model up to date" in first.latest_log()
    assert "comité régional du parrainage" in first.send("le parrainage", sender)[0]["text"]
    assert first.stop() == 0

    second = Assistant(tmp_path).start()
    try:
        # "comment je m'inscris ?" only names the scheme if the tracker came back.
        reply = second.send("comment je m'inscris ?", sender)
        assert "« Parrainage »" in reply[0]["text"]
    finally:
        second.stop()
    assert model.stat().st_mtime == trained_at
    assert "Training inputs changed" not in second.log()
    assert "Model up to date" in second.latest_log()


def test_sigterm_stops_every_process_it_started(tmp_path: Path) -> None:
    running = Assistant(tmp_path).start()
    children = list(running.server_pids().values())
    assert len(children) == 2
    assert running.stop(signal.SIGTERM) == 0
    assert [pid for pid in children if is_running(pid)] == []


def test_training_happens_only_when_the_training_inputs_change(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    shared = model_path(load_settings())
    assert shared.exists(), "the test session trains first (make test: bot train)"
    shared_models = _files(shared.parent)
    project = copy_project(tmp_path / "project")
    settings = replace(load_settings(), models_dir=tmp_path / "models")
    settings.models_dir.mkdir()
    # The copy's inputs are the project's: the project's model is the copy's.
    kept = shutil.copy2(shared, settings.models_dir / model_path(settings, project).name)
    assert kept.name == shared.name

    assert ensure_model(settings, project) == kept
    # Files that are not training inputs change: still no training.
    (project / "README.md").write_text("# Copie du projet\n")
    with (project / "tests" / "heldout.yml").open("a") as heldout:
        heldout.write("# relu\n")
    assert ensure_model(settings, project) == kept
    output = capfd.readouterr().out
    assert output.count("Model up to date") == 2, output
    assert "Training inputs changed" not in output
    assert _files(settings.models_dir) == {kept.name: kept.stat().st_mtime_ns}

    # One training example more: a new model, trained on it, replaces the old one.
    nlu = project / "data" / "nlu" / "education.yml"
    examples = "- intent: education_access\n  examples: |\n"
    assert examples in nlu.read_text()
    nlu.write_text(
        nlu.read_text().replace(examples, f"{examples}    - le dispositif {NEW_WORD}\n", 1)
    )
    new = ensure_model(settings, project)
    assert "Training inputs changed" in capfd.readouterr().out
    assert new.name != kept.name
    assert list(_files(settings.models_dir)) == [new.name]
    assert _mentions(new, NEW_WORD)
    assert _files(shared.parent) == shared_models  # the project's models/ untouched


def test_a_server_that_keeps_dying_stops_everything_with_exit_code_1(tmp_path: Path) -> None:
    running = Assistant(tmp_path, env_overrides={"RESTART_DELAY_S": "0"}).start()
    assert running.process is not None
    started = set(descendants(running.process.pid))
    try:
        for deaths in range(1, MAX_RESTARTS + 2):
            os.kill(running.server_pids()["action server"], signal.SIGKILL)
            if deaths <= MAX_RESTARTS:  # restarted: kill the new one in turn
                _wait_for_count(running, "The action server is back.", deaths)
                started |= set(descendants(running.process.pid))
        code = running.process.wait(timeout=60)
    finally:
        if running.process.poll() is None:
            running.stop()
    assert code == 1
    assert "The action server keeps stopping; stopping everything." in running.latest_log()
    assert running.latest_log().count("The action server is back.") == MAX_RESTARTS
    assert len(started) >= MAX_RESTARTS + 2  # the Rasa server and each action server
    assert [pid for pid in started if is_running(pid)] == []


def _wait_for_count(running: Assistant, text: str, count: int) -> None:
    deadline = time.monotonic() + 120
    while running.latest_log().count(text) < count:
        assert running.process is not None and running.process.poll() is None, running.log()
        assert time.monotonic() < deadline, f"{text!r} not {count} times in the log"
        time.sleep(0.2)


def _files(folder: Path) -> Dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in sorted(folder.iterdir())}


def _mentions(model: Path, word: str) -> bool:
    """True if a file of the model (vocabularies, training data) holds `word`."""
    with tarfile.open(model) as archive:
        return any(
            word.encode() in archive.extractfile(member).read()
            for member in archive.getmembers()
            if member.isfile()
        )
