"""Starting, watching and stopping the action server and the Rasa server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Dict, List, Optional

from bot.settings import PROJECT_DIR, Settings

READY_TIMEOUT_S = 180
STOP_TIMEOUT_S = 15


class ServerError(RuntimeError):
    pass


def server_env(settings: Settings) -> Dict[str, str]:
    """Environment of the servers: endpoints.yml reads its values from here."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        ACTION_ENDPOINT_URL=settings.action_endpoint_url,
        TRACKER_DB=str(settings.tracker_db),
    )
    return env


def action_server_command(settings: Settings) -> List[str]:
    return [
        sys.executable,
        "-m",
        "rasa_sdk",
        "--actions",
        "actions",
        "--port",
        str(settings.action_port),
    ]


def rasa_server_command(settings: Settings, model: Path, cors_origins: List[str]) -> List[str]:
    # No --enable-api: the HTTP admin API (model upload, tracker access) stays off.
    command = [
        sys.executable,
        "-m",
        "rasa",
        "run",
        "--model",
        str(model),
        "--endpoints",
        str(PROJECT_DIR / "endpoints.yml"),
        "--credentials",
        str(PROJECT_DIR / "credentials.yml"),
        "--interface",
        settings.host,
        "--port",
        str(settings.rasa_port),
    ]
    if cors_origins:
        command += ["--cors", *cors_origins]
    return command


def _responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


@dataclass
class Stack:
    """The processes of one running assistant."""

    settings: Settings
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, command: List[str], health_url: str) -> None:
        self.settings.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        # A session of its own: Ctrl-C reaches `bot run` only, which stops the
        # servers in order instead of all of them dying at once.
        self.processes[name] = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=server_env(self.settings), start_new_session=True
        )
        self._wait_ready(name, health_url)

    def _wait_ready(self, name: str, health_url: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise ServerError(f"{name} exited with code {self.processes[name].returncode}")
            if _responds(health_url):
                return
            time.sleep(0.2)
        raise ServerError(f"{name} not ready after {READY_TIMEOUT_S} s ({health_url})")

    def start_all(self, model: Path, cors_origins: List[str]) -> None:
        settings = self.settings
        self.start(
            "action server",
            action_server_command(settings),
            f"http://127.0.0.1:{settings.action_port}/health",
        )
        self.start(
            "Rasa server",
            rasa_server_command(settings, model, cors_origins),
            f"http://127.0.0.1:{settings.rasa_port}/",
        )

    def first_exited(self) -> Optional[str]:
        return next((name for name, p in self.processes.items() if p.poll() is not None), None)

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


def _raise_interrupt(signum: int, frame: Optional[FrameType]) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """Makes SIGTERM behave like Ctrl-C, so that `finally` blocks stop the servers."""
    signal.signal(signal.SIGTERM, _raise_interrupt)


def wait_for_exit(stack: Stack) -> int:
    """Blocks until Ctrl-C, SIGTERM or a server dying; returns the exit code."""
    try:
        while (dead := stack.first_exited()) is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping the servers…")
        return 0
    print(f"The {dead} stopped unexpectedly; stopping the others.", file=sys.stderr)
    return 1
