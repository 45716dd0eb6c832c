"""The benchmark's results and their Markdown table in docs/benchmarks.md.

Only the part between the two markers is rewritten, so the notes written
around it by hand stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.bench.growth import StoreGrowth, TurnGrowth
from bot.bench.load import LoadResult

BEGIN = "<!-- bot bench: begin (generated, do not edit by hand) -->"
HELDOUT_HEADING = "held-out: first set / situations (lowest topic)"
SET_NAMES = ("first set", "situations")
# Issue 11's targets, for each held-out set.
HELDOUT_TARGET = 0.97
TOPIC_TARGET = 0.85
END = "<!-- bot bench: end -->"


@dataclass(frozen=True)
class SetScore:
    """One held-out set's score and its weakest topic."""

    score: float
    lowest_topic: str
    lowest_score: float

    def __str__(self) -> str:
        return f"{self.score:.1%} ({self.lowest_topic} {self.lowest_score:.0%})"


@dataclass(frozen=True)
class Measured:
    """One set-up under load; what was not measured for it is None."""

    name: str
    first_answer_s: float
    memory_mb: Dict[str, float]  # rss, peak, anon (see deploy.memory_mb)
    loads: List[LoadResult]  # by number of users, fewest first
    cpu_ms: List[float]  # the Rasa server's CPU time per message, for each load
    growth: TurnGrowth
    train_s: Optional[float] = None
    heldout: Tuple[SetScore, ...] = ()  # one per held-out set (bot/heldout.py), if measured
    store: Optional[StoreGrowth] = None


@dataclass(frozen=True)
class ScaleResult:
    name: str
    processes: int
    load: LoadResult


@dataclass(frozen=True)
class CollisionResult:
    lock_store: str
    conversations: int
    broken: int


@dataclass
class BenchResult:
    command: str
    date: str
    smoke: bool
    machine: Dict[str, str]
    load_average: Dict[str, str]  # at start and end
    duration_s: float = 0.0
    configs: List[Measured] = field(default_factory=list)  # the project's, then Rasa's default
    alternatives: List[Measured] = field(default_factory=list)
    variants: List[Measured] = field(default_factory=list)
    scale: List[ScaleResult] = field(default_factory=list)
    collisions: List[CollisionResult] = field(default_factory=list)

    def errors(self) -> int:
        measured = self.configs + self.alternatives + self.variants
        loads = [load for m in measured for load in m.loads] + [s.load for s in self.scale]
        return sum(load.errors for load in loads)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "-"


def _row(label: str, *cells: object) -> str:
    return "| " + " | ".join([label, *map(str, cells)]) + " |"


def _compare(
    label: str, mine: float, theirs: float, form: str = ".0f", more_is_better: bool = False
) -> str:
    """A row of both figures and how many times better the project's is than the default's."""
    advantage = _ratio(mine, theirs) if more_is_better else _ratio(theirs, mine)
    return _row(label, format(mine, form), format(theirs, form), advantage)


def _heldout(m: Measured) -> str:
    return " / ".join(str(s) for s in m.heldout) or "-"


def _config_table(project: Measured, default: Measured) -> List[str]:
    rows = [
        _row("", project.name, default.name, "project better by"),
        "|---|---:|---:|---:|",
        _compare("full training (s)", project.train_s or 0, default.train_s or 0),
        _compare(
            "start to first answer (s)", project.first_answer_s, default.first_answer_s, ".1f"
        ),
    ]
    for key, label in (("peak", "peak"), ("rss", "at the end"), ("anon", "private, at the end")):
        rows.append(
            _compare(
                f"Rasa server memory, {label} (MB)", project.memory_mb[key], default.memory_mb[key]
            )
        )
    rows.append(_row(HELDOUT_HEADING, _heldout(project), _heldout(default), ""))
    loads = zip(project.loads, default.loads, project.cpu_ms, default.cpu_ms)
    for mine, theirs, my_cpu, their_cpu in loads:
        users = f"{mine.users} user{'s' if mine.users > 1 else ''}"
        rows += [
            _compare(f"{users}: messages/s", mine.msgs_per_s, theirs.msgs_per_s, ".1f", True),
            _compare(f"{users}: Rasa server CPU per message (ms)", my_cpu, their_cpu, ".1f"),
            _row(
                f"{users}: p50 / p95 / p99 (ms)",
                f"{mine.p50_ms:.0f} / {mine.p95_ms:.0f} / {mine.p99_ms:.0f}",
                f"{theirs.p50_ms:.0f} / {theirs.p95_ms:.0f} / {theirs.p99_ms:.0f}",
                _ratio(theirs.p50_ms, mine.p50_ms),
            ),
            _row(
                f"{users}: messages (errors)",
                f"{mine.messages} ({mine.errors})",
                f"{theirs.messages} ({theirs.errors})",
                "",
            ),
        ]
    pg, dg = project.growth, default.growth
    rows += [
        _compare("turns 1-10, p50 (ms)", pg.first_ms, dg.first_ms),
        _compare(f"turns {pg.turns - 9}-{pg.turns}, p50 (ms)", pg.last_ms, dg.last_ms),
        _row(f"turn {pg.turns} ÷ turn 1", f"{pg.ratio:.2f}", f"{dg.ratio:.2f}", ""),
    ]
    ps, ds = project.store, default.store
    if ps is not None and ds is not None:
        rows += [
            _compare("p50, store empty (ms)", ps.empty_ms, ds.empty_ms),
            _compare(
                f"p50, store holding {ps.conversations:,} conversations (ms)",
                ps.full_ms,
                ds.full_ms,
            ),
            _compare(
                "p50, first message to a stored conversation (ms)", ps.resumed_ms, ds.resumed_ms
            ),
        ]
    return rows


def _targets(project: Measured, default: Measured) -> List[str]:
    assert project.heldout and project.train_s is not None
    busy, single = project.loads[-1], project.loads[0]
    checks = [
        *(
            (
                f"held-out ≥ {HELDOUT_TARGET:.0%}, {name}",
                f"{s.score:.1%}",
                s.score >= HELDOUT_TARGET,
            )
            for name, s in zip(SET_NAMES, project.heldout)
        ),
        *(
            (
                f"no topic below {TOPIC_TARGET:.0%}, {name}",
                f"{s.lowest_topic} {s.lowest_score:.0%}",
                s.lowest_score >= TOPIC_TARGET,
            )
            for name, s in zip(SET_NAMES, project.heldout)
        ),
        ("1 user: p50 ≤ 15 ms", f"{single.p50_ms:.0f} ms", single.p50_ms <= 15),
        (f"{busy.users} users: ≥ 100 messages/s", busy.msgs_per_s, busy.msgs_per_s >= 100),
        (f"{busy.users} users: p95 ≤ 600 ms", f"{busy.p95_ms:.0f} ms", busy.p95_ms <= 600),
        (f"{busy.users} users: no errors", busy.errors, busy.errors == 0),
        (
            f"{busy.users} users: ≥ 3 x the default config's throughput",
            _ratio(busy.msgs_per_s, default.loads[-1].msgs_per_s),
            busy.msgs_per_s >= 3 * default.loads[-1].msgs_per_s,
        ),
        (
            "start to first answer ≤ 10 s",
            f"{project.first_answer_s:.1f} s",
            project.first_answer_s <= 10,
        ),
        (
            "Rasa server memory ≤ 500 MB (peak)",
            f"{project.memory_mb['peak']:.0f} MB",
            project.memory_mb["peak"] <= 500,
        ),
        ("full training ≤ 60 s", f"{project.train_s:.0f} s", project.train_s <= 60),
        (
            f"turn {project.growth.turns} ≤ 1.5 x turn 1",
            f"{project.growth.ratio:.2f} x",
            project.growth.ratio <= 1.5,
        ),
    ]
    return [
        "| target (project config) | measured | met |",
        "|---|---:|:---:|",
        *(
            f"| {target} | {value} | {'yes' if met else '**no**'} |"
            for target, value, met in checks
        ),
    ]


def _optional(value: Optional[float], form: str) -> str:
    return "-" if value is None else format(value, form)


def _measured_table(first_column: str, rows: List[Measured]) -> List[str]:
    """One line per set-up: fewest and most users, start, memory, growth, held-out."""
    few, many = rows[0].loads[0].users, rows[0].loads[-1].users
    turns = rows[0].growth.turns
    lines = [
        f"| {first_column} | training (s) | start (s) | peak memory (MB) | {HELDOUT_HEADING} "
        f"| {few} user p50 (ms) | {many} users: messages/s | p95 (ms) | errors "
        f"| CPU per message (ms) | turn {turns} ÷ turn 1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in rows:
        lines.append(
            f"| {m.name} | {_optional(m.train_s, '.0f')} | {m.first_answer_s:.1f} "
            f"| {m.memory_mb['peak']:.0f} | {_heldout(m)} | {m.loads[0].p50_ms:.0f} "
            f"| {m.loads[-1].msgs_per_s} | {m.loads[-1].p95_ms:.0f} | {m.loads[-1].errors} "
            f"| {m.cpu_ms[-1]:.1f} | {m.growth.ratio:.2f} |"
        )
    return lines


def _scale(result: BenchResult) -> List[str]:
    lines = [
        "| set-up (project config) | Rasa processes | users | messages/s | p50 / p95 / p99 (ms) "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {s.name} | {s.processes} | {s.load.users} | {s.load.msgs_per_s} | "
            f"{s.load.p50_ms:.0f} / {s.load.p95_ms:.0f} / {s.load.p99_ms:.0f} | {s.load.errors} |"
            for s in result.scale
        ),
        "",
        "Two messages of one conversation sent at the same moment to the two Rasa "
        "processes (PostgreSQL store), pair after pair:",
        "",
        "| lock store | conversations | broken (message lost, duplicated or turns mixed) |",
        "|---|---:|---:|",
        *(f"| {c.lock_store} | {c.conversations} | {c.broken} |" for c in result.collisions),
    ]
    return lines


def render(result: BenchResult) -> str:
    project, default = result.configs[0], result.configs[1]
    machine = ", ".join(f"{k}: {v}" for k, v in result.machine.items())
    load = ", ".join(f"{k} {v}" for k, v in result.load_average.items())
    lines = [
        BEGIN,
        "",
        f"- Date: {result.date}; took {result.duration_s / 60:.0f} min.",
        f"- Command: `{result.command}`"
        + (" (**smoke run**: tiny numbers, not comparable)" if result.smoke else ""),
        f"- Machine: {machine}.",
        f"- Load average (1, 5, 15 min): {load}. The load generator runs on the same machine.",
        f"- Errors over every load run: {result.errors()}.",
        "",
        "### Project config against Rasa's default config",
        "",
        *_config_table(project, default),
        "",
        "### Targets",
        "",
        *_targets(project, default),
        "",
        "### Pipeline and policy alternatives",
        "",
        *_measured_table("config", [project, *result.alternatives]),
        "",
        "### Tracker store and server variants (project config, one Rasa process)",
        "",
        *_measured_table("set-up", [project, *result.variants]),
        "",
        "### Scale-out: PostgreSQL tracker store and Redis lock store",
        "",
        *_scale(result),
        "",
        END,
    ]
    return "\n".join(lines)


def write(result: BenchResult, path: Path) -> None:
    """Replaces the generated part of `path` (or creates it), keeping the rest."""
    text = render(result)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in old and END in old:
        text = old[: old.index(BEGIN)] + text + old[old.index(END) + len(END) :]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
