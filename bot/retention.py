"""Retention: conversations and escalation e-mails are deleted after RETENTION_DAYS.

A conversation goes whole once its latest message is older than the limit, in
the tracker store in use (SQLite or PostgreSQL); an e-mail of the outbox once
its file is, sent or not. `bot purge` does it on demand; `bot run` does it by
itself (start_automatic_purge): it checks at start, then every hour, and purges
the conversations when the last purge is a day old.

Several Rasa servers may share one PostgreSQL database (endpoints-scale.yml):
the database records when its conversations were last purged, and an advisory
lock lets one server at a time read and update that record, so they are purged
once a day for the whole deployment. Each server purges its outbox folder.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa

from bot.outbox import Outbox
from bot.settings import Settings

DAY_S = 86400.0
CHECK_EVERY_S = 3600.0
# Any number, the same for every server of a deployment.
LOCK_KEY = 560_321_907
_OLD_SENDERS = "SELECT sender_id FROM events GROUP BY sender_id HAVING max(timestamp) < :cutoff"
_CREATE_RUNS = (
    "CREATE TABLE IF NOT EXISTS bot_purge_runs "
    "(id INTEGER PRIMARY KEY, last_run DOUBLE PRECISION NOT NULL)"
)
_FIRST_RUN = "INSERT INTO bot_purge_runs (id, last_run) VALUES (1, 0) ON CONFLICT (id) DO NOTHING"
_CLAIM = "UPDATE bot_purge_runs SET last_run = :now WHERE id = 1 AND last_run <= :due"


def cutoff_of(days: int, now: float) -> float:
    """The time before which a conversation's latest message, or an e-mail, is too old."""
    return now - days * DAY_S


def purge_conversations(connection: sa.engine.Connection, cutoff: float) -> int:
    """Deletes the conversations whose latest message is older than `cutoff`; how many."""
    senders = [row[0] for row in connection.execute(sa.text(_OLD_SENDERS), {"cutoff": cutoff})]
    for sender in senders:
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
    return len(senders)


def _claim_daily_run(connection: sa.engine.Connection, now: float) -> bool:
    """True for the one caller, across servers, whose turn it is today."""
    if connection.dialect.name == "postgresql":
        # Released at commit; another server checking now skips (it would wait otherwise).
        lock = sa.text("SELECT pg_try_advisory_xact_lock(:key)")
        if not connection.execute(lock, {"key": LOCK_KEY}).scalar():
            return False
    connection.execute(sa.text(_CREATE_RUNS))
    connection.execute(sa.text(_FIRST_RUN))
    claimed = connection.execute(sa.text(_CLAIM), {"now": now, "due": now - DAY_S})
    return claimed.rowcount == 1


def purge_conversations_daily(engine: sa.engine.Engine, cutoff: float, now: float) -> Optional[int]:
    """Purges unless done in the last day (by this server or another); None if skipped."""
    # One transaction: if the purge fails, the claim is undone and the next check retries.
    with engine.begin() as connection:
        if not _claim_daily_run(connection, now):
            return None
        return purge_conversations(connection, cutoff)


def _reason(error: Exception) -> str:
    """What went wrong, without the SQL and its parameters that SQLAlchemy adds."""
    first_line = (str(getattr(error, "orig", None) or error).splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line[:200]}"


@dataclass
class AutomaticPurge:
    """What `bot run` deletes by itself, at start and then every hour."""

    settings: Settings
    engine: Optional[sa.engine.Engine] = None  # opened at the first check that can

    def conversations(self) -> None:
        if self.engine is None:
            # Here, not at the top: bot.staff (`bot purge`) imports this module.
            from bot.staff.conversations import open_tracker_store

            self.engine = open_tracker_store(self.settings).engine
        now = time.time()
        cutoff = cutoff_of(self.settings.retention_days, now)
        purged = purge_conversations_daily(self.engine, cutoff, now)
        if purged is not None:
            print(f"Automatic purge: {purged} conversation(s) deleted.", flush=True)

    def emails(self) -> None:
        cutoff = cutoff_of(self.settings.retention_days, time.time())
        deleted = Outbox(self.settings.outbox_dir).purge(cutoff)
        if deleted:
            print(f"Automatic purge: {deleted} e-mail file(s) deleted.", flush=True)

    def check(self) -> None:
        for what, step in (("conversations", self.conversations), ("outbox", self.emails)):
            try:
                step()
            # Whatever fails, the assistant goes on answering; the next check tries again.
            except Exception as error:
                print(
                    f"ERROR: automatic purge of the {what} failed ({_reason(error)}).",
                    file=sys.stderr,
                    flush=True,
                )

    def forever(self) -> None:
        while True:
            self.check()
            time.sleep(CHECK_EVERY_S)


def start_automatic_purge(settings: Settings) -> threading.Thread:
    """Purges now, then checks every hour, in the background of `bot run`."""
    # A daemon: it stops with `bot run`; a purge cut short is rolled back.
    thread = threading.Thread(
        target=AutomaticPurge(settings).forever, name="retention", daemon=True
    )
    thread.start()
    return thread
