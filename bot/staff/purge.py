"""`bot purge`: deletes the conversations and sent e-mails older than the retention period.

A conversation is deleted whole once its latest message is older than the
limit, in the tracker store in use (SQLite or PostgreSQL). Run it daily (cron).
"""

from __future__ import annotations

import argparse
import time
import warnings

import sqlalchemy as sa

from bot.settings import load_settings
from bot.staff.conversations import open_tracker_store

NAME = "purge"
_OLD_SENDERS = "SELECT sender_id FROM events GROUP BY sender_id HAVING max(timestamp) < :cutoff"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        NAME,
        help="supprimer les conversations et e-mails plus anciens que la durée de conservation",
        description=(
            "Supprime les conversations dont le dernier message est plus ancien que la "
            "durée de conservation, et les e-mails envoyés à l'équipe de même âge."
        ),
    )
    parser.add_argument(
        "--older-than",
        type=int,
        metavar="JOURS",
        help="âge en jours au-delà duquel supprimer (par défaut : RETENTION_DAYS, 30)",
    )


def purge_conversations(engine: sa.engine.Engine, cutoff: float) -> int:
    with engine.begin() as connection:
        senders = [row[0] for row in connection.execute(sa.text(_OLD_SENDERS), {"cutoff": cutoff})]
        for sender in senders:
            connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
    return len(senders)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    days = args.older_than if args.older_than is not None else settings.retention_days
    if days < 0:
        print("--older-than doit être un nombre de jours positif.")
        return 2
    cutoff = time.time() - days * 86400
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = open_tracker_store(settings)
    conversations = purge_conversations(store.engine, cutoff)
    sent = [p for p in settings.outbox_dir.glob("sent/*.eml") if p.stat().st_mtime < cutoff]
    for path in sent:
        path.unlink()
    print(
        f"Conservation : {days} jours. Supprimé(s) : {conversations} conversation(s), "
        f"{len(sent)} e-mail(s) envoyé(s)."
    )
    return 0
