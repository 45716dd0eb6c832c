"""Starting the real assistant (`bot run`) for tests, as a user of `make run` would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

from bot.channel import HANDLING_FAILED, last_resort_reply
from bot.settings import DEFAULT_CONTACT_EMAIL

PROJECT_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 240
LAST_RESORT = last_resort_reply(DEFAULT_CONTACT_EMAIL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Assistant:
    """One `bot run` process and the two servers it starts, on free ports."""

    workdir: Path
    env_overrides: Dict[str, str] = field(default_factory=dict)
    process: Optional[subprocess.Popen] = None
    log_start: int = 0  # where the log of the latest start begins

    def __post_init__(self) -> None:
        self.rasa_port = free_port()
        self.action_port = free_port()
        self.web_port = free_port()
        self.tracker_db = self.workdir / "tracker.db"
        self.log_path = self.workdir / "bot-run.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/webhooks/rest/webhook"

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(
            RASA_PORT=str(self.rasa_port),
            ACTION_PORT=str(self.action_port),
            WEB_PORT=str(self.web_port),
            TRACKER_DB=str(self.tracker_db),
            TQDM_DISABLE="1",
            # All test traffic comes from 127.0.0.1: no per-IP limit unless a test sets one.
            RATE_LIMIT_PER_IP="0",
            # Escalation e-mails stay in this assistant's folder (dry run unless overridden).
            OUTBOX_DIR=str(self.workdir / "outbox"),
        )
        env.update(self.env_overrides)
        return env

    def start(self) -> Assistant:
        self.log_start = len(self.log())
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=PROJECT_DIR,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bot run exited early:\n{self.log()[-3000:]}")
            if "The assistant is ready." in self.latest_log():
                return self
            time.sleep(0.3)
        raise RuntimeError(f"bot run not ready:\n{self.log()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=60)

    def server_pids(self) -> Dict[str, int]:
        """The running servers of this `bot run`: {"action server": pid, "Rasa server": pid}."""
        assert self.process is not None
        listing = subprocess.run(
            ["ps", "-e", "-o", "pid=,ppid=,args="], capture_output=True, text=True, check=True
        ).stdout
        pids = {}
        for line in listing.splitlines():
            pid, ppid, args = line.split(maxsplit=2)
            if int(ppid) == self.process.pid:
                pids["action server" if "bot.action_server" in args else "Rasa server"] = int(pid)
        return pids

    def wait_for_log(self, text: str, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while text not in self.latest_log():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{text!r} not in the log:\n{self.latest_log()[-3000:]}")
            time.sleep(0.3)

    def log(self) -> str:
        """Everything `bot run` printed, over every start in this workdir."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def latest_log(self) -> str:
        return self.log()[self.log_start :]

    def send(self, message: str, sender: str, last_resort_ok: bool = False) -> List[dict]:
        """The reply to `message`; fails if it is the channel's last-resort reply,
        which hides a failure inside Rasa, unless `last_resort_ok`."""
        reply = requests.post(
            self.rest_url, json={"sender": sender, "message": message}, timeout=30
        )
        reply.raise_for_status()
        if not last_resort_ok:
            assert_not_last_resort(reply.json())
        return reply.json()

    def assert_no_handling_failure(self) -> None:
        """No message failed inside Rasa since this assistant started (bot/channel.py)."""
        assert HANDLING_FAILED not in self.latest_log(), self.latest_log()[-3000:]


def assert_not_last_resort(reply: List[dict]) -> None:
    """A normal reply, not the one the channel gives when handling failed."""
    texts = [message.get("text") or "" for message in reply]
    assert LAST_RESORT not in texts, "the channel's last-resort reply: Rasa failed"


def new_sender() -> str:
    return f"test-{uuid.uuid4()}"


def descendants(pid: int) -> List[int]:
    """The processes `pid` started, and those they started, as `ps` lists them now."""
    listing = subprocess.run(
        ["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True
    ).stdout
    children: Dict[int, List[int]] = {}
    for line in listing.splitlines():
        child, parent = map(int, line.split())
        children.setdefault(parent, []).append(child)
    found: List[int] = []
    parents = [pid]
    while parents:
        started = children.get(parents.pop(), [])
        found += started
        parents += started
    return found


def is_running(pid: int) -> bool:
    """False once `pid` has ended, even while it waits to be reaped (a zombie)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return state.split()[1] != "Z"
