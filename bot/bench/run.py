"""`bot bench`: every figure of docs/benchmarks.md, in one run.

1. Trains the project's config.yml and Rasa's default config
   (bench/default-config.yml) from scratch, timed.
2. For each: starts the action server and the Rasa server as `bot run` does
   (SQLite tracker store) and times the first answer; scores the held-out set;
   drives closed-loop load from a separate process (bot/bench/load.py);
   reads the Rasa server's memory; times turn 1 against turn 200 and messages
   with a store holding 10,000 conversations (bot/bench/growth.py).
3. With the project's config: tracker store and server variants (Rasa's own
   SQL store, plain `rasa run`, in-memory store), to show what each fix gives.
4. Scale-out, when PostgreSQL and Redis are installed (`make datastores`): one
   and two Rasa processes on PostgreSQL and Redis under the same load, and two
   messages of a conversation at once on two processes with each lock store.
5. Writes the tables into docs/benchmarks.md (bot/bench/report.py).

`--smoke` runs the same steps with tiny numbers (make test checks it works).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot import datastores
from bot.bench.alternatives import write_alternatives
from bot.bench.conversations import collide_all, scripts
from bot.bench.deploy import (
    ENDPOINTS,
    SCALE_ENDPOINTS,
    Setup,
    cpu_seconds,
    endpoints_variant,
    free_port,
    memory_mb,
    running,
)
from bot.bench.growth import store_growth, turn_growth
from bot.bench.integrity import stored_events, turn_problems
from bot.bench.load import LoadResult
from bot.bench.report import (
    BenchResult,
    CollisionResult,
    Measured,
    ScaleResult,
    SetScore,
    write,
)
from bot.bench.training import train
from bot.heldout import HELDOUT_SETS, evaluate, load_cases, score, topic_scores
from bot.settings import PROJECT_DIR, load_settings

CONFIGS = (
    ("project (config.yml)", PROJECT_DIR / "config.yml"),
    ("Rasa default (bench/default-config.yml)", PROJECT_DIR / "bench" / "default-config.yml"),
)


@dataclass(frozen=True)
class Plan:
    users: Tuple[int, ...] = (1, 10, 50)
    load_s: float = 30.0
    warmup_s: float = 3.0
    turns: int = 200
    growth_conversations: int = 3
    stored: int = 10_000
    timed_conversations: int = 10  # of 10 messages, before and after filling the store
    collisions: int = 30  # conversations of 3 pairs of simultaneous messages
    epochs: Optional[int] = None  # None: as configured
    alternatives: bool = True  # also measure the alternatives of config.yml


FULL = Plan()
SMOKE = Plan(
    users=(1, 2, 5),
    load_s=2.0,
    warmup_s=1.0,
    turns=20,
    growth_conversations=1,
    stored=100,
    timed_conversations=2,
    collisions=4,
    epochs=1,
    alternatives=False,
)


def load(urls: List[str], users: int, plan: Plan) -> LoadResult:
    """Closed-loop load from a process of its own (bot/bench/load.py)."""
    command = [sys.executable, "-m", "bot.bench.load", "--users", str(users)]
    command += ["--duration", str(plan.load_s), "--warmup", str(plan.warmup_s)]
    for url in urls:
        command += ["--url", url]
    output = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, check=True, text=True)
    return LoadResult(**json.loads(output.stdout))


def heldout_scores(url: str) -> Tuple[SetScore, ...]:
    """Each held-out set's score and its weakest topic."""
    scores = []
    for cases_file in HELDOUT_SETS:
        results = evaluate(url, load_cases(PROJECT_DIR / cases_file))
        by_topic = topic_scores(results)
        lowest = min(by_topic, key=lambda topic: (by_topic[topic], topic))
        scores.append(SetScore(score(results), lowest, by_topic[lowest]))
    return tuple(scores)


def measure(
    name: str,
    setup: Setup,
    plan: Plan,
    workdir: Path,
    train_s: Optional[float] = None,
    everything: bool = False,
    scored: bool = False,
) -> Measured:
    """Start, load with the fewest and most users and turn growth; with `scored`, also
    the held-out sets; with `everything`, those, every load level and the full store."""
    with running(setup, workdir) as run:
        url = run.urls[0]
        heldout = heldout_scores(url) if everything or scored else ()
        levels = plan.users if everything else (plan.users[0], plan.users[-1])
        loads, cpu_ms = [], []
        for users in levels:
            used_before = cpu_seconds(run.rasa_pids[0])
            loads.append(load(run.urls, users, plan))
            used = cpu_seconds(run.rasa_pids[0]) - used_before
            # Warm-up messages included: the CPU is the server's over the whole run.
            cpu_ms.append(1000 * used / max(loads[-1].sent, 1))
        growth = turn_growth(url, plan.turns, plan.growth_conversations)
        store = (
            store_growth(url, f"sqlite:///{run.tracker_db}", plan.stored, plan.timed_conversations)
            if everything
            else None
        )
        memory = memory_mb(run.rasa_pids[0])
    return Measured(
        name, run.first_answer_s, memory, loads, cpu_ms, growth, train_s, heldout, store
    )


def measure_variants(model: Path, plan: Plan, workdir: Path) -> List[Measured]:
    workdir.mkdir(parents=True, exist_ok=True)
    rasa_sql = {"type": "SQL", "dialect": "sqlite", "db": "${TRACKER_DB}"}
    stock = endpoints_variant(ENDPOINTS, "tracker_store", rasa_sql, workdir / "rasa-sql.yml")
    in_memory = endpoints_variant(ENDPOINTS, "tracker_store", None, workdir / "in-memory.yml")
    variants = (
        ("Rasa's SQLTrackerStore, plain `rasa run` (Rasa 3.6 as shipped)", stock, False),
        ("Rasa's SQLTrackerStore, with bot/speedups.py", stock, True),
        ("CachedSQLTrackerStore, plain `rasa run`", ENDPOINTS, False),
        ("Rasa's in-memory store (not durable), with bot/speedups.py", in_memory, True),
    )
    results = [
        measure(name, Setup(model, endpoints_file=endpoints, speedups=speedups), plan,
                workdir / f"variant-{number}")
        for number, (name, endpoints, speedups) in enumerate(variants)
    ]  # fmt: skip
    default = load_settings().messages_at_once
    for at_once in (1, 16):  # the project's default (bot/settings.py) is between
        name = f"MESSAGES_AT_ONCE={at_once} instead of {default}"
        setup = Setup(model, env={"MESSAGES_AT_ONCE": str(at_once)})
        results.append(measure(name, setup, plan, workdir / f"at-once-{at_once}"))
    return results


def measure_alternatives(default_model: Path, plan: Plan, workdir: Path) -> List[Measured]:
    """config.yml's alternatives, then Rasa's default config with TensorFlow on one thread."""
    results = []
    alternatives = write_alternatives(CONFIGS[0][1], workdir)
    with (workdir / "training.log").open("ab") as log:
        for number, (name, config) in enumerate(alternatives):
            model = workdir / f"alternative-{number}.tar.gz"
            _, train_s = train(config, model, log, plan.epochs)
            setup = Setup(model)
            run_dir = workdir / f"run-{number}"
            results.append(measure(name, setup, plan, run_dir, train_s, scored=True))
    one_thread = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1"}
    name = "Rasa default config, TensorFlow on one thread"
    results.append(measure(name, Setup(default_model, env=one_thread), plan, workdir / "tf"))
    in_memory = endpoints_variant(ENDPOINTS, "tracker_store", None, workdir / "in-memory.yml")
    as_shipped = Setup(default_model, endpoints_file=in_memory, speedups=False)
    name = "Rasa default config, plain `rasa run`, in-memory store (as `rasa init` sets it up)"
    results.append(measure(name, as_shipped, plan, workdir / "as-shipped"))
    return results


def measure_scale(model: Path, plan: Plan, workdir: Path, result: BenchResult) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    with datastores.datastores(workdir, free_port(), free_port()) as stores:
        setup = Setup(model, endpoints_file=SCALE_ENDPOINTS, env=stores.env())
        for processes in (1, 2):
            with running(replace(setup, rasa_servers=processes), workdir / f"x{processes}") as run:
                busy = load(run.urls, plan.users[-1], plan)
            name = "PostgreSQL + Redis, behind client-side round robin"
            result.scale.append(ScaleResult(name, processes, busy))
        redis = yaml.safe_load(SCALE_ENDPOINTS.read_text(encoding="utf-8"))["lock_store"]
        lock_stores = (
            ("in each process's memory (Rasa's default)", None),
            ("Rasa's RedisLockStore", {**redis, "type": "redis"}),
            ("AtomicRedisLockStore (endpoints-scale.yml)", redis),
        )
        for number, (name, lock_store) in enumerate(lock_stores):
            path = workdir / f"endpoints-lock-{number}.yml"
            endpoints = endpoints_variant(SCALE_ENDPOINTS, "lock_store", lock_store, path)
            collisions = scripts(f"collide-{number}", plan.collisions, 6)
            with running(replace(setup, rasa_servers=2, endpoints_file=endpoints),
                         workdir / f"lock-{number}") as run:  # fmt: skip
                asyncio.run(collide_all(collisions, run.urls))
            events = stored_events(stores.postgres_url, [s.sender for s in collisions])
            broken = sum(
                bool(turn_problems(s.texts, events[s.sender], ordered=False)) for s in collisions
            )
            result.collisions.append(CollisionResult(name, len(collisions), broken))


def machine() -> Dict[str, str]:
    cpu = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.startswith("model name")
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    os_name = next(
        line.split("=", 1)[1].strip('"')
        for line in Path("/etc/os-release").read_text().splitlines()
        if line.startswith("PRETTY_NAME=")
    )
    return {
        "CPU": f"{os.cpu_count()} x {cpu}",
        "memory": f"{memory_kb / 1024**2:.0f} GB",
        "OS": os_name,
        "Python": platform.python_version(),
        "Rasa": version("rasa"),
    }


def _load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def run_bench(command: str, plan: Plan, output: Path, workdir: Path) -> BenchResult:
    if not datastores.available():
        # Fails at once rather than write tables with the scale-out part missing.
        raise datastores.DatastoreError("PostgreSQL or Redis not installed: run `make datastores`.")
    began = time.monotonic()
    result = BenchResult(
        command=command,
        date=datetime.now().strftime("%Y-%m-%d %H:%M"),
        smoke=plan != FULL,
        machine=machine(),
        load_average={"at start": _load_average()},
    )
    workdir.mkdir(parents=True, exist_ok=True)
    with (workdir / "training.log").open("ab") as log:
        trained = [
            train(config, workdir / "models" / f"config-{n}.tar.gz", log, plan.epochs)
            for n, (_, config) in enumerate(CONFIGS)
        ]
    for n, ((name, _), (model, train_s)) in enumerate(zip(CONFIGS, trained)):
        print(f"Measuring {name}…", flush=True)
        result.configs.append(
            measure(name, Setup(model), plan, workdir / f"config-{n}", train_s, everything=True)
        )
    project_model, default_model = trained[0][0], trained[1][0]
    if plan.alternatives:
        print("Measuring the alternatives of config.yml…", flush=True)
        result.alternatives = measure_alternatives(default_model, plan, workdir / "alternatives")
    print("Measuring the tracker store and server variants…", flush=True)
    result.variants = measure_variants(project_model, plan, workdir / "variants")
    print("Measuring the scale-out set-up…", flush=True)
    measure_scale(project_model, plan, workdir / "scale", result)
    result.load_average["at end"] = _load_average()
    result.duration_s = time.monotonic() - began
    write(result, output)
    (workdir / "results.json").write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    return result
