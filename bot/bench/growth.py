"""How a message's cost grows: with the conversation's length and the store's size.

- Turn 1 against turn 200: conversations of `turns` messages, one at a time;
  their first ten and last ten messages are the same ten held-out messages, so
  the two medians compare the same work at the two ends of a conversation.
- A full store: the tracker store is filled directly through SQL with copies
  of one real conversation (its rows of the `events` table, under new sender
  ids), then new conversations and stored ones (resumed) are timed.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass
from typing import List, Sequence

import aiohttp
import sqlalchemy as sa

from bot.bench.conversations import Script, scripts
from bot.bench.load import TIMEOUT_S, send
from bot.heldout import load_cases

PROBES = 10
FILL_BATCH = 20_000


async def _timed_conversations(url: str, all_scripts: Sequence[Script]) -> List[List[float]]:
    """Milliseconds of each message of each conversation, one message at a time."""
    timings: List[List[float]] = []
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for script in all_scripts:
            timings.append([])
            for text in script.texts:
                began = time.monotonic()
                if await send(session, url, script.sender, text) is None:
                    raise RuntimeError(f"no reply to {text!r} in {script.sender}")
                timings[-1].append((time.monotonic() - began) * 1000)
    return timings


def timed(url: str, all_scripts: Sequence[Script]) -> List[List[float]]:
    return asyncio.run(_timed_conversations(url, all_scripts))


@dataclass(frozen=True)
class TurnGrowth:
    turns: int
    first_ms: float  # median of the first PROBES turns
    last_ms: float  # median of the last PROBES turns, the same messages

    @property
    def ratio(self) -> float:
        return self.last_ms / self.first_ms


def turn_growth(url: str, turns: int, conversations: int) -> TurnGrowth:
    texts = [case["text"] for case in load_cases()]
    probes = tuple(texts[i * len(texts) // PROBES] for i in range(PROBES))
    middle = tuple(texts[i % len(texts)] for i in range(turns - 2 * PROBES))
    texts_of_one = probes + middle + probes
    timings = timed(
        url, [Script(f"growth-{uuid.uuid4()}", texts_of_one) for _ in range(conversations)]
    )
    return TurnGrowth(
        turns=turns,
        first_ms=statistics.median(t for conv in timings for t in conv[:PROBES]),
        last_ms=statistics.median(t for conv in timings for t in conv[-PROBES:]),
    )


def fill_store(db_url: str, template_sender: str, copies: int) -> int:
    """Stores `copies` copies of a conversation's events; returns the rows added."""
    engine = sa.create_engine(db_url)
    columns = "type_name, timestamp, intent_name, action_name, data"
    try:
        with engine.begin() as connection:
            template = connection.execute(
                sa.text(f"SELECT {columns} FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": template_sender},
            ).all()
            insert = sa.text(
                f"INSERT INTO events (sender_id, {columns}) VALUES "
                "(:sender_id, :type_name, :timestamp, :intent_name, :action_name, :data)"
            )
            rows = [
                {"sender_id": f"stored-{n}", **row._asdict()}
                for n in range(copies)
                for row in template
            ]
            for start in range(0, len(rows), FILL_BATCH):
                connection.execute(insert, rows[start : start + FILL_BATCH])
    finally:
        engine.dispose()
    return len(rows)


@dataclass(frozen=True)
class StoreGrowth:
    conversations: int
    rows: int
    fill_s: float
    empty_ms: float  # median message of new conversations, store nearly empty
    full_ms: float  # the same, store full
    resumed_ms: float  # first message to a stored conversation, store full


def store_growth(url: str, db_url: str, copies: int, conversations: int) -> StoreGrowth:
    def median_ms(all_scripts: List[Script]) -> float:
        return statistics.median(t for conv in timed(url, all_scripts) for t in conv)

    empty_ms = median_ms(scripts("before-fill", conversations, 10))
    began = time.monotonic()
    rows = fill_store(db_url, "before-fill-0", copies)
    fill_s = time.monotonic() - began
    full_ms = median_ms(scripts("after-fill", conversations, 10))
    texts = [case["text"] for case in load_cases()]
    resumed = [Script(f"stored-{n * copies // 50}", (texts[n % len(texts)],)) for n in range(50)]
    return StoreGrowth(copies, rows, fill_s, empty_ms, full_ms, median_ms(resumed))
