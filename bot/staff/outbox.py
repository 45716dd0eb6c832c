"""`bot outbox`: the escalation e-mails waiting in the outbox, and sending them."""

from __future__ import annotations

import argparse

from bot.outbox import Outbox, read_message, send_stored
from bot.settings import load_settings
from bot.staff.table import format_table

NAME = "outbox"


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    outbox = Outbox(settings.outbox_dir)
    pending = outbox.pending()
    if not pending:
        print(f"Aucun e-mail en attente dans {outbox.folder}.")
        return 0
    rows = []
    for path in pending:
        message = read_message(path)
        rows.append([path.name, str(message["Date"]), str(message["Subject"])])
    print(f"{len(pending)} e-mail(s) en attente dans {outbox.folder} :\n")
    print(format_table(["Fichier", "Date", "Objet"], rows))
    print(
        f"\nEnvoyés ou non, ils sont supprimés {settings.retention_days} jours après leur "
        "création (RETENTION_DAYS)."
    )
    if not args.send:
        print("Pour les envoyer : bot outbox --send")
        return 0
    if settings.smtp.dry_run:
        print(
            "\nMode essai (SMTP_DRY_RUN) : rien n'est envoyé. Réglez SMTP_HOST, SMTP_PORT, "
            "etc., et SMTP_DRY_RUN=0 pour envoyer."
        )
        return 1
    failed = [path.name for path in pending if not send_stored(path, settings.smtp, outbox)]
    print(f"\n{len(pending) - len(failed)} envoyé(s), déplacé(s) dans {outbox.sent_folder}.")
    if failed:
        print(f"{len(failed)} en échec, toujours en attente : {', '.join(failed)}")
        return 1
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        NAME,
        help="lister les e-mails d'escalade en attente, et les envoyer",
        description="Les questions transmises à l'équipe depuis le chat sont d'abord écrites "
        "dans le dossier d'envoi (OUTBOX_DIR, var/outbox par défaut) : elles y restent en mode "
        "essai ou quand le serveur SMTP a échoué. Sans option : la liste ; --send : les "
        "envoyer avec le serveur SMTP des paramètres, puis les ranger dans sent/. Envoyés ou non, "
        "ils sont supprimés au bout de la durée de conservation (RETENTION_DAYS).",
    )
    parser.add_argument("--send", action="store_true", help="envoyer les e-mails en attente")
