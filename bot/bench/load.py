"""Closed-loop load on the REST channel, run as a process of its own.

Each simulated user sends a held-out message, waits for the reply and sends the
next one at once; every `turns` messages it starts a new conversation (a new
sender id). With several URLs, each user's messages go to them in turn, so
every conversation alternates between the servers, as behind a round-robin
load balancer. An error is any reply that is not HTTP 200 with a non-empty
list of messages (the channel always answers something), or no reply within
the timeout.

    python -m bot.bench.load --url URL [--url URL] --users 50 --duration 30

prints one JSON object (LoadResult).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from dataclasses import asdict, dataclass
from typing import List, Optional, Sequence

import aiohttp

from bot.heldout import load_cases

TIMEOUT_S = 30


@dataclass(frozen=True)
class LoadResult:
    users: int
    duration_s: float
    messages: int
    errors: int
    msgs_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    sent: int  # every message, warm-up included


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> Optional[list]:
    """The reply's messages, or None when the request failed."""
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as reply:
            messages = await reply.json() if reply.status == 200 else None
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        return None
    return messages if isinstance(messages, list) and messages else None


class _Load:
    def __init__(self, urls: List[str], texts: List[str], turns: int, start_at: float) -> None:
        self.urls, self.texts, self.turns, self.start_at = urls, texts, turns, start_at
        self.latencies: List[float] = []
        self.errors = 0
        self.sent = 0

    async def user(self, session: aiohttp.ClientSession, index: int, stop_at: float) -> None:
        sent = 0
        sender = ""
        while time.monotonic() < stop_at:
            if sent % self.turns == 0:
                sender = f"bench-{uuid.uuid4()}"
            url = self.urls[(index + sent) % len(self.urls)]
            text = self.texts[(index * 7 + sent) % len(self.texts)]
            sent += 1
            began = time.monotonic()
            reply = await send(session, url, sender, text)
            self.sent += 1
            if began < self.start_at:
                continue  # warm-up
            self.errors += reply is None
            self.latencies.append((time.monotonic() - began) * 1000)


async def run_load(
    urls: List[str], users: int, duration_s: float, warmup_s: float, turns: int = 10
) -> LoadResult:
    texts = [case["text"] for case in load_cases()]
    start_at = time.monotonic() + warmup_s
    stop_at = start_at + duration_s
    load = _Load(urls, texts, turns, start_at)
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(load.user(session, i, stop_at) for i in range(users)))
    # Requests still running at the stop count, so the rate is over the real span.
    span = max(time.monotonic() - start_at, 1e-9)
    lat = load.latencies
    return LoadResult(
        users=users,
        duration_s=round(span, 1),
        messages=len(lat),
        errors=load.errors,
        msgs_per_s=round(len(lat) / span, 1),
        p50_ms=round(percentile(lat, 0.50), 1),
        p95_ms=round(percentile(lat, 0.95), 1),
        p99_ms=round(percentile(lat, 0.99), 1),
        sent=load.sent,
    )


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.bench.load", description=__doc__)
    parser.add_argument("--url", action="append", required=True, help="REST webhook(s)")
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--duration", type=float, required=True, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds not measured first")
    args = parser.parse_args(argv)
    result = asyncio.run(run_load(args.url, args.users, args.duration, args.warmup))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
