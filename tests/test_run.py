"""`bot run`, what `make run` starts: no needless retraining, clean stop, lasting conversations."""

from __future__ import annotations

import signal
from pathlib import Path

import requests

from bot.model import model_path
from bot.settings import load_settings
from tests.assistant import Assistant, new_sender


def _running(pid: int) -> bool:
    return (
        Path(f"/proc/{pid}").exists()
        and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    )


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
    assert [pid for pid in children if _running(pid)] == []


def test_admin_api_is_only_on_behind_a_token(tmp_path: Path) -> None:
    running = Assistant(tmp_path, env_overrides={"RASA_API_TOKEN": "s3cret-token"}).start()
    try:
        status = f"{running.base_url}/status"
        assert requests.get(status, timeout=5).status_code == 401
        assert requests.get(status, params={"token": "wrong"}, timeout=5).status_code == 401
        assert requests.get(status, params={"token": "s3cret-token"}, timeout=5).status_code == 200
    finally:
        running.stop()
