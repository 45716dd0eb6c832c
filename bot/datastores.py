"""Throwaway PostgreSQL and Redis servers for the scale-out tests and benchmark.

Each listens on 127.0.0.1 on a port given by the caller and is stopped, and
its data removed, when done. They use Debian's packages (`make datastores`
installs them). PostgreSQL refuses to run as root: as root, it runs as the
`postgres` user, who may not be able to enter the caller's folders (a clone in
/root or in a `mktemp -d` folder is mode 0700). So a cluster's data and socket
live in a private folder of their own under /tmp (mode 0700, owned by the user
who runs PostgreSQL); only its log is copied to the caller's folder.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List

READY_TIMEOUT_S = 60
DATABASE = "rasa"
USER = "rasa"


class DatastoreError(RuntimeError):
    pass


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise DatastoreError(f"PostgreSQL's {name} not found: run `make datastores`.")
    return found[-1]


def available() -> bool:
    """True when PostgreSQL and Redis are installed."""
    try:
        _postgres_bin("pg_ctl")
    except DatastoreError:
        return False
    return shutil.which("redis-server") is not None


def _as_postgres(command: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass(frozen=True)
class Datastores:
    """Where the running PostgreSQL and Redis are, as endpoints-scale.yml reads it."""

    postgres_port: int
    redis_port: int
    postgres_data: Path  # the cluster's folder, for pg_ctl

    def env(self) -> Dict[str, str]:
        return {
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(self.postgres_port),
            "POSTGRES_DB": DATABASE,
            "POSTGRES_USER": USER,
            "POSTGRES_PASSWORD": "",
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(self.redis_port),
            "REDIS_DB": "1",
            "REDIS_PASSWORD": "",
        }

    @property
    def postgres_url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.postgres_port}/{DATABASE}"


def pg_ctl(data: Path, port: int, action: str) -> None:
    """Starts or stops (fast) the cluster in `data`; the tests also stop it to test outages."""
    # The unix socket goes in the cluster's own folder: nothing shared with the system's.
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=300"
    command = [_postgres_bin("pg_ctl"), "-D", str(data), "-w"]
    if action == "start":
        command += ["-o", options, "-l", str(data / "log"), "start"]
    else:
        command += ["-m", "fast", "stop"]
    _run_as_postgres(command, data)


def _run_as_postgres(command: List[str], data: Path) -> None:
    # From the cluster's folder: the caller's may be closed to the `postgres` user.
    done = subprocess.run(_as_postgres(command), cwd=data, capture_output=True, text=True)
    if done.returncode:
        raise DatastoreError(f"{' '.join(command)} failed:\n{done.stderr}")


@contextmanager
def postgres(workdir: Path, port: int) -> Iterator[Path]:
    """A fresh PostgreSQL cluster on `port`, with an empty `rasa` database; yields its folder.

    The cluster's log is copied to `workdir/postgres.log` when it stops.
    """
    # Mode 0700 in /tmp, not $TMPDIR: the `postgres` user must be able to reach it.
    data = Path(tempfile.mkdtemp(prefix="rasa-postgres-", dir="/tmp"))
    try:
        if os.geteuid() == 0:
            shutil.chown(data, "postgres", "postgres")
        initdb = [_postgres_bin("initdb"), "-D", str(data), "-U", USER, "--auth=trust"]
        _run_as_postgres(initdb, data)
        pg_ctl(data, port, "start")
        try:
            createdb = [_postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(port)]
            _run_as_postgres([*createdb, "-U", USER, DATABASE], data)
            yield data
        finally:
            pg_ctl(data, port, "stop")
            workdir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data / "log", workdir / "postgres.log")
    finally:
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def redis(port: int) -> Iterator[None]:
    """A Redis server on `port` that keeps nothing on disk."""
    process = subprocess.Popen(
        [*("redis-server", "--port", str(port), "--bind", "127.0.0.1"), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while (
            subprocess.run(
                ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True
            ).stdout.strip()
            != "PONG"
        ):
            if process.poll() is not None or time.monotonic() > deadline:
                raise DatastoreError(f"Redis did not start on port {port}")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def datastores(workdir: Path, postgres_port: int, redis_port: int) -> Iterator[Datastores]:
    with postgres(workdir, postgres_port) as data, redis(redis_port):
        yield Datastores(postgres_port, redis_port, data)
