"""Starting the set-ups that the benchmark and the scale-out tests measure.

A set-up is one action server and one or more Rasa servers, started the way
`bot run` starts them (bot/servers.py), on free ports, with their logs in a
file, optionally behind nginx (bot/nginx.py). The REST channel's rate limits
are off unless the set-up sets them: the load comes from one address.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import yaml

from bot.nginx import proxy
from bot.servers import Stack, action_server_command, rasa_server_command
from bot.settings import PROJECT_DIR, load_settings

ENDPOINTS = PROJECT_DIR / "endpoints.yml"
SCALE_ENDPOINTS = PROJECT_DIR / "endpoints-scale.yml"
FIRST_ANSWER_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Setup:
    model: Path
    rasa_servers: int = 1
    endpoints_file: Path = ENDPOINTS
    speedups: bool = True  # False: plain `python -m rasa run` (bot/speedups.py not installed)
    env: Dict[str, str] = field(default_factory=dict)
    behind_nginx: bool = False  # True: nginx in front of the Rasa servers, round robin


@dataclass(frozen=True)
class Running:
    urls: List[str]  # each Rasa server's REST webhook
    rasa_pids: List[int]
    tracker_db: Path
    first_answer_s: float  # from starting the servers to the first answer
    proxy_url: Optional[str] = None  # nginx's REST webhook, when behind_nginx


def rest_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/webhooks/rest/webhook"


def ask(url: str, sender: str, text: str) -> list:
    request = urllib.request.Request(
        url,
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=FIRST_ANSWER_TIMEOUT_S) as reply:
        return json.loads(reply.read())


@contextmanager
def running(setup: Setup, workdir: Path) -> Iterator[Running]:
    workdir.mkdir(parents=True, exist_ok=True)
    settings = replace(
        load_settings(),
        rasa_port=free_port(),
        action_port=free_port(),
        tracker_db=workdir / "tracker.db",
        endpoints_file=setup.endpoints_file,
    )
    env = {"RATE_LIMIT_PER_SENDER": "0", "RATE_LIMIT_PER_IP": "0", **setup.env}
    with (workdir / "servers.log").open("ab") as log, ExitStack() as nginx:
        stack = Stack(settings, env=env, output=log)
        try:
            began = time.monotonic()
            stack.start(
                "action server",
                action_server_command(settings),
                f"http://127.0.0.1:{settings.action_port}/health",
            )
            ports = [settings.rasa_port] + [free_port() for _ in range(setup.rasa_servers - 1)]
            for number, port in enumerate(ports, 1):
                command = rasa_server_command(replace(settings, rasa_port=port), setup.model, [])
                if not setup.speedups:
                    command[command.index("bot.rasa_main")] = "rasa"
                stack.start(f"Rasa server {number}", command, f"http://127.0.0.1:{port}/")
            urls = [rest_url(port) for port in ports]
            ask(urls[0], "bench-first-answer", "bonjour")
            first_answer_s = time.monotonic() - began
            pids = [stack.processes[f"Rasa server {n}"].pid for n in range(1, len(ports) + 1)]
            proxy_url = None
            if setup.behind_nginx:
                base = nginx.enter_context(proxy(free_port(), ports, workdir / "nginx"))
                proxy_url = f"{base}/webhooks/rest/webhook"
            yield Running(urls, pids, settings.tracker_db, first_answer_s, proxy_url)
        finally:
            stack.stop()


def endpoints_variant(base: Path, section: str, value: Optional[dict], path: Path) -> Path:
    """A copy of the endpoints file `base` with `section` replaced by `value`.

    None leaves the section out: Rasa then uses its default (in-memory) store.
    """
    endpoints = yaml.safe_load(base.read_text(encoding="utf-8"))
    endpoints.pop(section, None)
    if value is not None:
        endpoints[section] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


def memory_mb(pid: int) -> Dict[str, float]:
    """Resident memory of a process now (rss), at its peak (peak) and its private part (anon)."""
    fields = {"VmRSS": "rss", "VmHWM": "peak", "RssAnon": "anon"}
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {
        fields[name]: round(int(value.split()[0]) / 1024)
        for name, value in (line.split(":", 1) for line in status)
        if name in fields
    }


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user and system, all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
