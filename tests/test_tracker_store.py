"""The cached SQL tracker store gives back what Rasa's own SQL store would, always."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import List

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import PROJECT_DIR
from bot.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.load(str(PROJECT_DIR / "domain.yml"))
SENDER = "someone"


def _turn(text: str, intent: str, answer: str, at: float) -> List[Event]:
    return [
        UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=at),
        ActionExecuted(f"utter_{intent}", timestamp=at + 0.1),
        BotUttered(answer, timestamp=at + 0.2),
        ActionExecuted("action_listen", timestamp=at + 0.3),
    ]


def _start(at: float) -> List[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at + 0.01),
        ActionExecuted("action_listen", timestamp=at + 0.02),
    ]


def _store(path: Path, kind: type = CachedSQLTrackerStore) -> SQLTrackerStore:
    return kind(domain=DOMAIN, dialect="sqlite", db=str(path))


def _events(tracker: DialogueStateTracker) -> List[dict]:
    return [event.as_dict() for event in tracker.events]


def _retrieve(store: SQLTrackerStore) -> DialogueStateTracker:
    tracker = asyncio.run(store.retrieve(SENDER))
    assert tracker is not None
    return tracker


def _handle(store: SQLTrackerStore, events: List[Event]) -> DialogueStateTracker:
    """What Rasa does for a message: retrieve (or create), update, save."""
    tracker = asyncio.run(store.retrieve(SENDER)) or store.init_tracker(SENDER)
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    return tracker


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "tracker.db"


def test_gives_back_what_rasas_store_reads_from_the_same_database(db: Path) -> None:
    store = _store(db)
    _handle(store, _start(1000) + _turn("bonjour", "greet", "Bonjour !", 1001))
    for n in range(5):
        _handle(store, [SlotSet("misunderstood", n % 2 == 0, timestamp=1010 + n)])
        _handle(store, _turn(f"message {n}", "thank", "De rien.", 1011 + n))
    cached = _retrieve(store)
    rasa = _retrieve(_store(db, SQLTrackerStore))
    assert _events(cached) == _events(rasa)
    assert cached.current_slot_values() == rasa.current_slot_values()
    assert asyncio.run(_store(db).retrieve("nobody")) is None


def test_events_written_by_another_process_are_read(db: Path) -> None:
    mine, other = _store(db), _store(db)
    _handle(mine, _start(1000) + _turn("bonjour", "greet", "Bonjour !", 1001))
    _handle(other, _turn("merci", "thank", "De rien.", 1002))
    _handle(other, [SlotSet("misunderstood", True, timestamp=1003)])
    seen_by_mine = _retrieve(mine)
    assert _events(seen_by_mine) == _events(_retrieve(_store(db, SQLTrackerStore)))
    assert seen_by_mine.get_slot("misunderstood") is True
    # And what it saves next comes after them, once.
    _handle(mine, _turn("au revoir", "goodbye", "Au revoir.", 1004))
    assert _events(_retrieve(_store(db, SQLTrackerStore))) == _events(_retrieve(mine))
    assert len(_retrieve(mine).events) == 2 + 4 * 3 + 1


def test_a_message_that_failed_before_saving_leaves_no_trace(db: Path) -> None:
    store = _store(db)
    _handle(store, _start(1000) + _turn("bonjour", "greet", "Bonjour !", 1001))
    half_done = _retrieve(store)
    half_done.update(UserUttered("plantage", {"name": "greet", "confidence": 1.0}))
    assert _events(_retrieve(store)) == _events(_retrieve(_store(db, SQLTrackerStore)))
    assert "plantage" not in [e.get("text") for e in _events(_retrieve(store))]


def test_a_new_session_is_read_alone_as_rasa_does(db: Path) -> None:
    store = _store(db)
    _handle(store, _start(1000) + _turn("bonjour", "greet", "Bonjour !", 1001))
    _handle(store, _start(9000) + _turn("re-bonjour", "greet", "Bonjour !", 9001))
    cached = _retrieve(store)
    assert _events(cached) == _events(_retrieve(_store(db, SQLTrackerStore)))
    assert [e.get("text") for e in _events(cached) if e["event"] == "user"] == ["re-bonjour"]


def test_at_most_cache_size_conversations_are_kept_in_memory(db: Path) -> None:
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), cache_size="3")
    for n in range(5):
        tracker = store.init_tracker(f"person-{n}")
        for event in _start(1000) + _turn("bonjour", "greet", "Bonjour !", 1001):
            tracker.update(event)
        asyncio.run(store.save(tracker))
        asyncio.run(store.retrieve(f"person-{n}"))
    assert len(store._cache) == 3
    rasa = _store(db, SQLTrackerStore)
    evicted, expected = (asyncio.run(s.retrieve("person-0")) for s in (store, rasa))
    assert _events(evicted) == _events(expected)


def test_sqlite_runs_with_write_ahead_logging(db: Path) -> None:
    _handle(_store(db), _start(1000))
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
