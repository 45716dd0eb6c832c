"""Rasa's SQL tracker store, doing per message only the work that message needs.

Rasa's `SQLTrackerStore` reloads and replays every event of the conversation's
session on each message and counts them again to know what to insert: the cost
grows with the conversation (docs/benchmarks.md). This subclass keeps the
trackers it last loaded or saved in memory and checks each one against the
database before using it: the highest event id stored for the conversation
must be the one it saw. The database stays the only source of truth, so
conversations survive restarts and several Rasa processes can share it (with a
shared lock store, as Rasa requires anyway).

Personal data is masked in every event before it is written (bot/pii.py):
what people type, what the bot echoes, slot values and links; the hand-off's
question and reply address are sealed instead (bot/sealing.py). The tracker in
memory keeps the text for the turn being handled. The engines hide statement
parameters, so a database error that Rasa logs never quotes an event.

On SQLite it also turns on write-ahead logging with `synchronous=NORMAL`: a
commit survives the process being killed; only a power cut may lose the last
ones. Used from endpoints.yml as `type: bot.tracker_store.CachedSQLTrackerStore`.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.pii import mask_event
from bot.sealing import is_sealed

logger = logging.getLogger(__name__)

# Conversations kept in memory: enough for the ones going on at a busy moment,
# few enough for the server's memory budget (docs/benchmarks.md).
DEFAULT_CACHE_SIZE = 64
_CREATE_INDEX = "CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)"
# Plain SQL on Rasa's `events` table: the ORM's overhead was a third of the store's cost.
_LAST_ID = sa.text("SELECT max(id) FROM events WHERE sender_id = :sender_id")
_AFTER = "FROM events WHERE sender_id = :sender_id AND id > :after ORDER BY id"
_IDS_AFTER = sa.text(f"SELECT id {_AFTER}")
_EVENTS_AFTER = sa.text(f"SELECT id, type_name, data {_AFTER}")
_INSERT = sa.text(
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
    "VALUES (:sender_id, :type_name, :timestamp, :intent_name, :action_name, :data)"
)


@dataclass
class _Cached:
    tracker: DialogueStateTracker
    stored: int  # how many of tracker.events are in the database
    last_id: int  # the highest event id of the conversation when it was cached

    def unchanged(self) -> bool:
        """False while a message is being handled on it, or after a failed one."""
        return len(self.tracker.events) == self.stored


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, cache_size: Any = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.engine.dialect.name == "sqlite":
            self._use_sqlite_wal()
        else:
            self._check_connections_before_use()
        self._create_index()
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[str, _Cached] = OrderedDict()

    def _create_index(self) -> None:
        # Finds a conversation's newest event from the index, whatever the table size.
        try:
            with self.engine.begin() as connection:
                connection.execute(sa.text(_CREATE_INDEX))
        except sa.exc.DBAPIError as error:  # another process starting at the same time
            logger.warning(f"Could not create the index of events by conversation: {error}")

    def _check_connections_before_use(self) -> None:
        # After the database restarts, pooled connections are dead: test each one
        # before use, so the first message after an outage is stored, not lost.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, pool_pre_ping=True, hide_parameters=True, **create_engine_kwargs(url)
        )
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    def _use_sqlite_wal(self) -> None:
        # Rasa's engine opens a new SQLite connection per query (NullPool): keep them.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url,
            poolclass=sa.pool.QueuePool,
            connect_args={"check_same_thread": False},
            hide_parameters=True,
        )

        @sa.event.listens_for(self.engine, "connect")
        def _pragmas(connection: Any, record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            connection = session.connection()
            last_id = connection.execute(_LAST_ID, {"sender_id": sender_id}).scalar()
            cached = self._cache.pop(sender_id, None)
            if last_id is None:
                return None
            usable = cached is not None and cached.unchanged()
            if not usable or not _catch_up(connection, cached, last_id):
                cached = self._load(session, sender_id)
        if cached is None:
            return None
        self._remember(sender_id, cached)
        return cached.tracker

    def _load(self, session: Session, sender_id: str) -> Optional[_Cached]:
        rows = (
            self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            .with_entities(self.SQLEvent.id, self.SQLEvent.data)
            .all()
        )
        if not rows:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(row.data) for row in rows], self.domain.slots
        )
        return _Cached(tracker, len(tracker.events), rows[-1].id)

    def _remember(self, sender_id: str, cached: _Cached) -> None:
        self._cache[sender_id] = cached
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        cached = self._cache.pop(sender_id, None)
        with self.session_scope() as session:
            connection = session.connection()
            before = connection.execute(_LAST_ID, {"sender_id": sender_id}).scalar()
            if cached is not None and cached.tracker is tracker and cached.last_id == before:
                new_events = list(tracker.events)[cached.stored :]
            elif before is None:  # a new conversation: every event is new
                new_events = list(tracker.events)
            else:
                # Not the tracker this store handed out: Rasa's way, by counting.
                new_events = list(self._additional_events(session, tracker))
            if new_events:
                connection.execute(_INSERT, [_row(sender_id, event) for event in new_events])
            inserted = (
                connection.execute(_IDS_AFTER, {"sender_id": sender_id, "after": before or 0})
                .scalars()
                .all()
            )
            session.commit()
        # Cached again only when the database holds exactly this tracker's events
        # (its own earlier ones, or none, plus those just inserted) as Rasa loads them.
        known = (cached is not None and cached.tracker is tracker) or before is None
        if known and len(inserted) == len(new_events) and _as_loaded(tracker):
            last_id = inserted[-1] if inserted else before
            if last_id is not None:
                self._remember(sender_id, _Cached(tracker, len(tracker.events), last_id))


def stored_form(data: Dict[str, Any]) -> Dict[str, Any]:
    """A serialised event as it may be written: personal data masked in every
    string (user and bot texts, slot values, links), sealed slot values kept."""
    if data.get("event") == "slot" and is_sealed(data.get("value")):
        return data  # encrypted, and needed as it is at the next turn (bot/sealing.py)
    return mask_event(data)


def _row(sender_id: str, event: Event) -> dict:
    data = stored_form(event.as_dict())
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _catch_up(connection: Connection, cached: _Cached, last_id: int) -> bool:
    """Applies the events stored since `cached` by another process; False if it cannot."""
    if last_id == cached.last_id:
        return True  # nothing stored since
    rows = connection.execute(
        _EVENTS_AFTER, {"sender_id": cached.tracker.sender_id, "after": cached.last_id}
    ).all()
    if any(row.type_name == SessionStarted.type_name for row in rows):
        return False  # a new session: load just that session, as Rasa does
    for event in deserialise_events([json.loads(row.data) for row in rows]):
        cached.tracker.update(event)
    if rows:
        cached.last_id = rows[-1].id
    cached.stored = len(cached.tracker.events)
    return True


def _as_loaded(tracker: DialogueStateTracker) -> bool:
    """True when the tracker holds what Rasa would load: events from the last session start.

    A session started on this tracker follows the previous session's events, or
    action_session_start for a new conversation: Rasa's load leaves those out.
    """
    starts = [i for i, event in enumerate(tracker.events) if isinstance(event, SessionStarted)]
    return starts in ([], [0])
