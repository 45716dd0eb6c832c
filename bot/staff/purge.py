"""`bot purge`: deletes the conversations and e-mails older than the retention period.

A conversation is deleted whole once its latest message is older than the
limit, in the tracker store in use (SQLite or PostgreSQL); an e-mail of the
outbox once its file is, sent or not. `bot run` also does it by itself every
day (bot/retention.py): this command is for doing it now, or with another age.
"""

from __future__ import annotations

import argparse
import time

from bot.outbox import Outbox
from bot.retention import cutoff_of, purge_conversations
from bot.settings import load_settings
from bot.staff.conversations import open_tracker_store

NAME = "purge"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        NAME,
        help="supprimer les conversations et e-mails plus anciens que la durée de conservation",
        description=(
            "Supprime les conversations dont le dernier message est plus ancien que la "
            "durée de conservation, et les e-mails à l'équipe de même âge (envoyés ou non). "
            "L'assistant en marche (bot run) le fait aussi de lui-même chaque jour."
        ),
    )
    parser.add_argument(
        "--older-than",
        type=int,
        metavar="JOURS",
        help="âge en jours au-delà duquel supprimer (par défaut : RETENTION_DAYS, 30)",
    )


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    days = args.older_than if args.older_than is not None else settings.retention_days
    if days < 0:
        print("--older-than doit être un nombre de jours positif.")
        return 2
    cutoff = cutoff_of(days, time.time())
    store = open_tracker_store(settings)
    with store.engine.begin() as connection:
        conversations = purge_conversations(connection, cutoff)
    emails = Outbox(settings.outbox_dir).purge(cutoff)
    print(
        f"Conservation : {days} jours. Supprimé(s) : {conversations} conversation(s), "
        f"{emails} e-mail(s) à l'équipe."
    )
    return 0
