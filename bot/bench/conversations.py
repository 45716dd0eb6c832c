"""Conversations driven through the REST channel of one or more Rasa servers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import aiohttp

from bot.bench.load import TIMEOUT_S, send
from bot.heldout import load_cases

Reply = Optional[List[dict]]  # None: the request failed


@dataclass(frozen=True)
class Script:
    sender: str
    texts: Tuple[str, ...]


def scripts(prefix: str, conversations: int, turns: int) -> List[Script]:
    """Conversations of held-out messages, each starting elsewhere in the set."""
    texts = [case["text"] for case in load_cases()]
    return [
        Script(
            f"{prefix}-{n}",
            tuple(texts[(n * 13 + turn) % len(texts)] for turn in range(turns)),
        )
        for n in range(conversations)
    ]


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)
    )


async def _converse(session: aiohttp.ClientSession, urls: List[str], script: Script) -> List[Reply]:
    """One message at a time; the n-th message goes to the n-th server in turn."""
    return [
        await send(session, urls[turn % len(urls)], script.sender, text)
        for turn, text in enumerate(script.texts)
    ]


async def converse_all(all_scripts: List[Script], urls: List[str]) -> Dict[str, List[Reply]]:
    """All conversations at once, each alternating between the servers."""
    async with _session() as session:
        replies = await asyncio.gather(*(_converse(session, urls, s) for s in all_scripts))
    return {script.sender: reply for script, reply in zip(all_scripts, replies)}


async def collide_all(all_scripts: List[Script], urls: List[str]) -> Dict[str, List[Reply]]:
    """Each conversation's messages two at a time, sent together to two servers.

    What a person double-clicking, or a widget retrying, does: two messages of
    one conversation handled at the same time by two processes.
    """

    async def collide(session: aiohttp.ClientSession, script: Script) -> List[Reply]:
        replies: List[Reply] = []
        for first in range(0, len(script.texts), 2):
            pair = script.texts[first : first + 2]
            replies += await asyncio.gather(
                *(send(session, urls[i % len(urls)], script.sender, t) for i, t in enumerate(pair))
            )
        return replies

    async with _session() as session:
        replies = await asyncio.gather(*(collide(session, s) for s in all_scripts))
    return {script.sender: reply for script, reply in zip(all_scripts, replies)}
