"""Two Rasa processes asking for a conversation's lock at once get different tickets.

Real Redis (make test-scale). Each lock store is a Rasa process's client; they
ask for a ticket of the same new conversation at the same moment, many times.
A client's error is raised in the test: a store that always fails cannot pass.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import pytest
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.bench.deploy import free_port
from bot.datastores import redis
from bot.lock_store import AtomicRedisLockStore

pytestmark = pytest.mark.scale

RACES = 100


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    port = free_port()
    with redis(port):
        yield port


def _take(store: LockStore, conversation: str, start: threading.Barrier) -> int:
    start.wait()
    return store.issue_ticket(conversation)


def _same_tickets(make_store: Callable[[], LockStore]) -> int:
    """In how many races both clients got the same ticket, i.e. both hold the lock."""
    stores = [make_store(), make_store()]
    same = 0
    with ThreadPoolExecutor(max_workers=len(stores)) as pool:
        for _ in range(RACES):
            conversation, start = f"race-{uuid.uuid4()}", threading.Barrier(len(stores), timeout=30)
            races = [pool.submit(_take, store, conversation, start) for store in stores]
            # result() raises here what issue_ticket raised in its thread.
            tickets = [race.result() for race in races]
            same += len(set(tickets)) < len(tickets)
    return same


class BrokenLockStore(InMemoryLockStore):
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        raise ConnectionError("Redis is unreachable")


def test_a_client_error_fails_the_race_test() -> None:
    with pytest.raises(ConnectionError):
        _same_tickets(BrokenLockStore)


def test_atomic_lock_store_never_gives_one_ticket_twice(redis_port: int) -> None:
    config = EndpointConfig(url="127.0.0.1", port=redis_port)
    assert _same_tickets(lambda: AtomicRedisLockStore(config)) == 0


def test_rasas_redis_lock_store_does_and_the_race_test_sees_it(redis_port: int) -> None:
    assert _same_tickets(lambda: RedisLockStore(host="127.0.0.1", port=redis_port)) > 0
