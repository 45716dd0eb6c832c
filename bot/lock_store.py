"""Rasa's Redis lock store, with its ticket updates made atomic.

Rasa 3.6's RedisLockStore issues a ticket by reading the conversation's lock
from Redis, adding the ticket and writing the lock back: two Rasa processes
receiving a message of one conversation at the same moment can both read "no
lock", both take ticket 0 and handle the two messages at once, which stores the
conversation twice over (measured in docs/scaling.md; the atomic version is in
Rasa Pro only). Here every read-modify-write of a lock holds a short Redis
mutex of that conversation. Used from endpoints-scale.yml as
`type: bot.lock_store.AtomicRedisLockStore`, with RedisLockStore's settings.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# Longest a mutex may be held (a crashed holder frees it) and waited for, in seconds.
MUTEX_TIMEOUT_S = 5


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa gives custom lock stores their endpoint configuration only.
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    @contextmanager
    def _mutex(self, conversation_id: str) -> Iterator[None]:
        with self.red.lock(
            f"mutex:{self.key_prefix}{conversation_id}",
            timeout=MUTEX_TIMEOUT_S,
            blocking_timeout=MUTEX_TIMEOUT_S,
        ):
            yield

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
