"""`bot purge` on a tracker store filled through the real REST channel."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.assistant import PROJECT_DIR, Assistant, new_sender


def _senders(db: Path) -> set:
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")}


def _purge(db: Path, *args: str) -> str:
    env = {**os.environ, "TRACKER_DB": str(db)}
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
