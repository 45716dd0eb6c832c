"""Starting, watching and stopping the action server and the Rasa server."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import IO, Dict, List, Optional, Tuple

from bot.settings import PROJECT_DIR, Settings

READY_TIMEOUT_S = 180
STOP_TIMEOUT_S = 15
MAX_RESTARTS = 5
RESTART_WINDOW_S = 300


class ServerError(RuntimeError):
    pass


def server_env(settings: Settings) -> Dict[str, str]:
    """Environment of the servers: endpoints.yml reads its values from here."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        ACTION_ENDPOINT_URL=settings.action_endpoint_url,
        ACTION_SERVER_TOKEN=settings.action_token,
        # The action server (bot/action_server.py) reads where to listen from here.
        ACTION_HOST=settings.action_host,
        ACTION_PORT=str(settings.action_port),
        # The action server refuses compressed bodies (bot/action_server.py).
        COMPRESS_ACTION_SERVER_REQUEST="false",
        TRACKER_DB=str(settings.tracker_db),
    )
    return env


def with_action_token(settings: Settings) -> Settings:
    """`settings`, with a random action-server token if none is configured.

    One `bot run` starts both servers, so a token made here is shared by them;
    several Rasa servers on other hosts need ACTION_SERVER_TOKEN set.
    """
    if settings.action_token:
        return settings
    return replace(settings, action_token=secrets.token_urlsafe(32))


def action_server_command(settings: Settings) -> List[str]:
    return [sys.executable, "-m", "bot.action_server"]


def rasa_server_command(settings: Settings, model: Path, cors_origins: List[str]) -> List[str]:
    # The HTTP admin API (model upload, tracker access) is off unless a token is set.
    command = [
        sys.executable,
        "-m",
        "bot.rasa_main",
        "run",
        "--model",
        str(model),
        "--endpoints",
        str(settings.endpoints_file),
        "--credentials",
        str(PROJECT_DIR / "credentials.yml"),
        "--interface",
        settings.host,
        "--port",
        str(settings.rasa_port),
    ]
    if cors_origins:
        command += ["--cors", *cors_origins]
    # The admin API (RASA_API_TOKEN) is turned on by bot.rasa_main, which reads
    # the token from the environment: on the command line `ps` would show it.
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
    # How each process was started, to start it again after a crash.
    launches: Dict[str, Tuple[List[str], str]] = field(default_factory=dict)
    # Added to server_env() (e.g. where the scale-out set-up's databases are).
    env: Dict[str, str] = field(default_factory=dict)
    # Where the servers' logs go; None: to this process's output.
    output: Optional[IO[bytes]] = None

    def __post_init__(self) -> None:
        self.settings = with_action_token(self.settings)

    def start(self, name: str, command: List[str], health_url: str) -> None:
        self.launches[name] = (command, health_url)
        self.settings.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        # A session of its own: Ctrl-C reaches `bot run` only, which stops the
        # servers in order instead of all of them dying at once.
        self.processes[name] = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env={**server_env(self.settings), **self.env},
            stdout=self.output,
            stderr=None if self.output is None else subprocess.STDOUT,
            start_new_session=True,
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

    def restart(self, name: str) -> None:
        self.start(name, *self.launches[name])

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


def supervise(stack: Stack, restart_delay_s: float) -> int:
    """Restarts a server that dies, until Ctrl-C or SIGTERM; returns the exit code.

    While one server is down the other keeps answering: without the action
    server the answers still come, escalations with the plain address. A server
    that keeps dying (MAX_RESTARTS within RESTART_WINDOW_S) stops everything.
    """
    restarts: List[float] = []
    try:
        while True:
            dead = stack.first_exited()
            if dead is None:
                time.sleep(0.5)
                continue
            code = stack.processes[dead].returncode
            now = time.monotonic()
            restarts = [t for t in restarts if t > now - RESTART_WINDOW_S] + [now]
            if len(restarts) > MAX_RESTARTS:
                print(f"The {dead} keeps stopping; stopping everything.", file=sys.stderr)
                return 1
            print(f"ERROR: the {dead} stopped (code {code}); restarting it.", file=sys.stderr)
            time.sleep(restart_delay_s)
            stack.restart(dead)
            print(f"The {dead} is back.", flush=True)
    except KeyboardInterrupt:
        print("\nStopping the servers…")
        return 0
    except ServerError as error:
        print(f"Could not restart: {error}", file=sys.stderr)
        return 1
