"""Retention: `bot purge`, and the purge that the running assistant does by itself,
on a real SQLite tracker store (and a real PostgreSQL one: make test-scale)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.datastores import USER, postgres
from bot.outbox import Outbox
from bot.retention import LOCK_KEY, AutomaticPurge, purge_conversations_daily
from bot.settings import load_settings
from bot.staff.conversations import open_tracker_store
from tests.assistant import PROJECT_DIR, Assistant, free_port, new_sender
from tests.test_outbox import _age, _partial, message

DAY_S = 86400


def _senders(db: Path) -> set:
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")}


def _purge(db: Path, *args: str) -> str:
    env = {**os.environ, "TRACKER_DB": str(db), "OUTBOX_DIR": str(db.parent / "outbox")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "purge", *args],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout


def test_purge_keeps_recent_conversations_and_deletes_old_ones(tmp_path: Path) -> None:
    running = Assistant(tmp_path).start()
    try:
        sender = new_sender()
        running.send("bonjour", sender)
    finally:
        running.stop()
    assert sender in _senders(running.tracker_db)
    assert "0 conversation(s)" in _purge(running.tracker_db, "--older-than", "1")
    assert sender in _senders(running.tracker_db)
    assert "1 conversation(s)" in _purge(running.tracker_db, "--older-than", "0")
    assert sender not in _senders(running.tracker_db)


@contextmanager
def environment(env: Dict[str, str]) -> Iterator[None]:
    """os.environ with `env`, restored after (open_tracker_store also exports variables)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def tracker_store(env: Dict[str, str]) -> Iterator[Any]:
    """Rasa's store of the endpoints file, as `bot run` configures it, for `env`."""
    with environment(env):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            store = open_tracker_store(load_settings())
        yield store
        store.engine.dispose()


def store_conversation(store: Any, sender: str, days_ago: float) -> None:
    """One exchange whose latest message is `days_ago` old, written the way Rasa does."""
    when = time.time() - days_ago * DAY_S
    events = [
        ActionExecuted("action_listen", timestamp=when - 2),
        UserUttered("bonjour", intent={"name": "greet", "confidence": 1.0}, timestamp=when - 1),
        BotUttered("Bonjour !", timestamp=when),
    ]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def test_the_running_assistant_purges_old_conversations_and_emails_by_itself(
    tmp_path: Path,
) -> None:
    assistant = Assistant(tmp_path)
    outbox = Outbox(tmp_path / "outbox")
    with tracker_store(assistant.env()) as store:
        for sender, days_ago in [("ancienne", 31), ("recente", 29), ("du-jour", 0)]:
            store_conversation(store, sender, days_ago)
    failed = outbox.store(message())  # what a failed sending leaves
    pending = outbox.store(message())
    sent = outbox.mark_sent(outbox.store(message()))
    old = [_age(path, 31) for path in (failed, pending, sent, _partial(outbox.folder, "old"))]
    recent = [_age(outbox.store(message()), 29), outbox.mark_sent(outbox.store(message()))]
    recent.append(_partial(outbox.folder, "recent"))

    assistant.start()
    try:
        deadline = time.monotonic() + 120
        while "ancienne" in _senders(assistant.tracker_db) or any(p.exists() for p in old):
            assert time.monotonic() < deadline, assistant.latest_log()[-3000:]
            time.sleep(0.5)
        assert _senders(assistant.tracker_db) == {"recente", "du-jour"}
        assert all(path.exists() for path in recent)
        assistant.wait_for_log("Automatic purge: 1 conversation(s) deleted.", timeout_s=30)
        assert "Automatic purge: 4 e-mail file(s) deleted." in assistant.latest_log()
        assert "ERROR: automatic purge" not in assistant.latest_log()
        # The assistant answered on, and the purge did not take the recent conversation.
        assert assistant.send("bonjour", "recente")
        assert _senders(assistant.tracker_db) >= {"recente", "du-jour"}
    finally:
        assistant.stop()


def test_the_automatic_purge_runs_once_a_day(tmp_path: Path) -> None:
    """On SQLite too: a restart within the day does not purge the conversations again."""
    env = {**Assistant(tmp_path).env()}
    with tracker_store(env) as store:
        store_conversation(store, "ancienne", 31)
        now = time.time()
        assert purge_conversations_daily(store.engine, now - 30 * DAY_S, now) == 1
        store_conversation(store, "ancienne-aussi", 31)
        assert purge_conversations_daily(store.engine, now - 30 * DAY_S, now + 3600) is None
        later = now + DAY_S
        assert purge_conversations_daily(store.engine, later - 30 * DAY_S, later) == 1


@pytest.fixture()
def postgres_env(tmp_path: Path) -> Iterator[Dict[str, str]]:
    """A throwaway PostgreSQL, and the environment of `bot run` on endpoints-scale.yml."""
    port = free_port()
    # bot/datastores.py keeps the cluster where its user can reach it; only its log is here.
    with postgres(tmp_path, port):
        yield {
            "ENDPOINTS_FILE": "endpoints-scale.yml",
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(port),
            "POSTGRES_DB": "rasa",
            "POSTGRES_USER": USER,
            "POSTGRES_PASSWORD": "",
            # Read by endpoints-scale.yml, not used by the purge.
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(free_port()),
            "REDIS_DB": "1",
            "REDIS_PASSWORD": "",
            "OUTBOX_DIR": str(tmp_path / "outbox"),
        }


def _postgres_senders(store: Any) -> set:
    with store.engine.connect() as connection:
        return {row[0] for row in connection.execute(sa.text("SELECT sender_id FROM events"))}


@pytest.mark.scale
def test_servers_sharing_postgresql_purge_once_a_day_for_all(
    postgres_env: Dict[str, str], capsys: pytest.CaptureFixture
) -> None:
    with tracker_store(postgres_env) as store:
        store_conversation(store, "ancienne", 31)
        store_conversation(store, "recente", 29)
        settings = load_settings()
        # Another server holds the lock: this one skips, and says nothing.
        with store.engine.connect() as holder:
            holder.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            AutomaticPurge(settings).check()
            assert "ancienne" in _postgres_senders(store)
            holder.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})

        # Four servers check at the same time: one purges.
        servers = [AutomaticPurge(settings) for _ in range(4)]
        with ThreadPoolExecutor(len(servers)) as pool:
            # result() re-raises what a server's check raised.
            for checked in [pool.submit(server.check) for server in servers]:
                checked.result()
        assert _postgres_senders(store) == {"recente"}

        # Later the same day: another old conversation waits for tomorrow.
        store_conversation(store, "ancienne-aussi", 31)
        servers[0].check()
        assert "ancienne-aussi" in _postgres_senders(store)
        for server in servers:
            assert server.engine is not None
            server.engine.dispose()
    out, err = capsys.readouterr()
    purges: List[str] = [line for line in out.splitlines() if "conversation(s) deleted" in line]
    assert purges == ["Automatic purge: 1 conversation(s) deleted."]
    assert "ERROR" not in err
