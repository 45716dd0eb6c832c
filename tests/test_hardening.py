"""What a stranger can reach on the machine: the real servers of `bot run`, attacked.

The action server: loopback only, shared secret, no compressed or huge bodies,
errors answered and logged without the conversation. The Rasa server: no
version on `/`, bodies capped before they are read, the admin API behind a
long token that never appears on a command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests

from bot.action_server import ACTION_TOKEN_HEADER, MAX_ACTION_REQUEST_BYTES
from bot.settings import MIN_SECRET_CHARS, PROJECT_DIR, SettingsError, SmtpSettings
from tests.assistant import Assistant, new_sender

API_TOKEN = "t" * MIN_SECRET_CHARS


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """An assistant with the admin API on, behind a token."""
    workdir = Path(tmp_path_factory.mktemp("guarded"))
    running = Assistant(workdir, env_overrides={"RASA_API_TOKEN": API_TOKEN}).start()
    yield running
    running.stop()


def _environ(pid: int) -> Dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _listening_addresses(port: int) -> set:
    listing = subprocess.run(
        ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return {line.split()[3].rsplit(":", 1)[0] for line in listing.splitlines()}


def action_url(running: Assistant) -> str:
    return f"http://127.0.0.1:{running.action_port}/webhook"


def action_token(running: Assistant) -> str:
    return _environ(running.server_pids()["action server"])["ACTION_SERVER_TOKEN"]


def test_every_server_listens_on_loopback_only(guarded: Assistant) -> None:
    for port in (guarded.action_port, guarded.rasa_port, guarded.web_port):
        assert _listening_addresses(port) == {"127.0.0.1"}, port


def test_the_action_server_refuses_calls_without_the_secret(guarded: Assistant) -> None:
    call = {"next_action": "action_send_to_team", "tracker": {"sender_id": "x"}}
    assert requests.post(action_url(guarded), json=call, timeout=10).status_code == 401
    wrong = {ACTION_TOKEN_HEADER: "x" * 43}
    reply = requests.post(action_url(guarded), json=call, headers=wrong, timeout=10)
    assert reply.status_code == 401
    # The token `bot run` made is long and random, and the Rasa server sends it.
    assert len(action_token(guarded)) >= MIN_SECRET_CHARS
    assert "École ouverte" in guarded.send("c'est quoi l'école ouverte ?", new_sender())[0]["text"]


def test_the_action_server_refuses_compressed_and_huge_bodies(guarded: Assistant) -> None:
    headers = {ACTION_TOKEN_HEADER: action_token(guarded)}
    # About 10 kB that inflate to 10 MB: refused without being inflated.
    bomb = zlib.compress(b'{"next_action": "x", "pad": "' + b" " * 10_000_000 + b'"}')
    reply = requests.post(
        action_url(guarded),
        data=bomb,
        headers={**headers, "Content-Encoding": "deflate", "Content-Type": "application/json"},
        timeout=10,
    )
    assert reply.status_code == 415
    huge = b'{"pad": "' + b" " * MAX_ACTION_REQUEST_BYTES + b'"}'
    reply = requests.post(action_url(guarded), data=huge, headers=headers, timeout=30)
    assert reply.status_code == 413


def test_action_errors_echo_nothing_and_log_nothing_of_the_conversation(
    guarded: Assistant,
) -> None:
    headers = {ACTION_TOKEN_HEADER: action_token(guarded)}
    call = {
        "next_action": "action_send_to_team",
        "tracker": {"sender_id": "zqx-conversation", "slots": "zqx-slots", "events": "zqx"},
        "domain": {},
    }
    reply = requests.post(action_url(guarded), json=call, headers=headers, timeout=10)
    assert reply.status_code == 500
    assert "zqx" not in reply.text
    guarded.wait_for_log("Action failed", timeout_s=10)
    assert "zqx" not in guarded.latest_log()


def test_rasa_server_hides_its_version_and_caps_bodies(guarded: Assistant) -> None:
    root = requests.get(guarded.base_url + "/", timeout=5)
    assert root.status_code == 200 and "rasa" not in root.text.lower()
    body = json.dumps({"sender": new_sender(), "message": "x" * 20_000})
    reply = requests.post(guarded.rest_url, data=body, timeout=10)
    assert reply.status_code == 413
    assert "trop long" in reply.json()[0]["text"]


def test_admin_api_needs_the_token_which_is_never_on_a_command_line(guarded: Assistant) -> None:
    status = f"{guarded.base_url}/status"
    assert requests.get(status, timeout=5).status_code == 401
    assert requests.get(status, params={"token": API_TOKEN[:-1]}, timeout=5).status_code == 401
    assert requests.get(status, params={"token": API_TOKEN}, timeout=5).status_code == 200
    for pid in guarded.server_pids().values():
        assert API_TOKEN not in Path(f"/proc/{pid}/cmdline").read_text()


def test_the_admin_api_is_off_without_a_token(assistant: Assistant) -> None:
    assert requests.get(f"{assistant.base_url}/status", timeout=5).status_code == 404


@pytest.mark.parametrize("variable", ["RASA_API_TOKEN", "ACTION_SERVER_TOKEN"])
def test_short_secrets_stop_the_start(variable: str, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=PROJECT_DIR,
        env={**Assistant(tmp_path).env(), variable: "short-secret"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert f"{variable} must be at least {MIN_SECRET_CHARS} characters" in run.stderr


def test_a_clear_text_smtp_login_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_SECURITY", "none")
    monkeypatch.setenv("SMTP_USER", "agent")
    with pytest.raises(SettingsError, match="SMTP_USER needs"):
        SmtpSettings.from_env("equipe@example.fr")
