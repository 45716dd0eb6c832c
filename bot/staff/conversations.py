"""The people's messages, read from the tracker store that `bot run` uses.

The store is the one configured in the endpoints file that `bot run` gives the
Rasa server (ENDPOINTS_FILE: SQLite by default, PostgreSQL for the scale-out
deployment), read through Rasa's own TrackerStore API, so that staff tools see
what the assistant saw.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, List, Optional, Tuple

from bot.servers import server_env
from bot.settings import PROJECT_DIR, Settings

# What the bot does when it gives the team's address (escalation).
ESCALATIONS = ("action_escalate", "action_send_to_team")


@dataclass(frozen=True)
class Period:
    since: Optional[date]
    until: Optional[date]

    def __contains__(self, day: date) -> bool:
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )

    def describe(self) -> str:
        since = f"{self.since:%d/%m/%Y}" if self.since else ""
        until = f"{self.until:%d/%m/%Y}" if self.until else ""
        if since and until:
            return f"du {since} au {until}"
        if since or until:
            return f"depuis le {since}" if since else f"jusqu'au {until}"
        return "sur toute la période enregistrée"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date invalide : « {text} » (format attendu : AAAA-MM-JJ)"
        ) from None


def add_period_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=_day, help="premier jour inclus (AAAA-MM-JJ)")
    parser.add_argument("--until", type=_day, help="dernier jour inclus (AAAA-MM-JJ)")


def period_of(args: argparse.Namespace) -> Period:
    return Period(args.since, args.until)


@dataclass(frozen=True)
class Turn:
    """One message of a person and what the bot did in reply."""

    sender: str
    when: datetime
    text: str
    intent: str
    confidence: float
    ranking: Tuple[Tuple[str, float], ...]
    actions: Tuple[str, ...]
    in_form: bool  # an answer inside the e-mail form (address, "oui"): not a question

    @property
    def is_button(self) -> bool:
        return self.text.startswith("/")

    @property
    def fell_back(self) -> bool:
        # Inside the e-mail form any text is a valid answer, understood or not.
        return not self.in_form and (
            self.intent == "nlu_fallback" or "action_clarify" in self.actions
        )

    @property
    def escalated(self) -> bool:
        return any(action in ESCALATIONS for action in self.actions)


def _turns_of(sender: str, events: Iterable) -> List[Turn]:
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered

    turns: List[Turn] = []
    actions: List[str] = []
    loop: Optional[str] = None
    latest: Optional[UserUttered] = None
    latest_in_form = False

    def close() -> None:
        if latest is None:
            return
        parse = latest.parse_data or {}
        ranking = tuple(
            (entry.get("name") or "", float(entry.get("confidence") or 0.0))
            for entry in parse.get("intent_ranking") or []
        )
        turns.append(
            Turn(
                sender=sender,
                when=datetime.fromtimestamp(latest.timestamp),
                text=(latest.text or "").strip(),
                intent=latest.intent.get("name") or "",
                confidence=float(latest.intent.get("confidence") or 0.0),
                ranking=ranking,
                actions=tuple(actions),
                in_form=latest_in_form,
            )
        )

    for event in events:
        if isinstance(event, ActiveLoop):
            loop = event.name
        elif isinstance(event, UserUttered):
            close()
            latest, latest_in_form, actions = event, loop is not None, []
        elif isinstance(event, ActionExecuted) and event.action_name != "action_listen":
            actions.append(event.action_name or "")
    close()
    return turns


def open_tracker_store(settings: Settings) -> Any:
    """The tracker store of the endpoints file in use, as the Rasa server opens it,
    without Rasa's deprecation warnings (they are not for staff)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from rasa.core.tracker_store import TrackerStore
        from rasa.shared.core.domain import Domain
        from rasa.utils.endpoints import read_endpoint_config

        warnings.simplefilter("ignore")  # again: importing Rasa resets the filters
        # The endpoints file reads ${TRACKER_DB} and the like from the environment.
        os.environ.update(server_env(settings))
        config = read_endpoint_config(str(settings.endpoints_file), "tracker_store")
        return TrackerStore.create(config, Domain.load(str(PROJECT_DIR / "domain.yml")))


async def _read_store(settings: Settings) -> List[Turn]:
    store = open_tracker_store(settings)
    turns: List[Turn] = []
    for sender in await store.keys():
        tracker = await store.retrieve_full_tracker(sender)
        if tracker is not None:
            turns.extend(_turns_of(sender, tracker.events))
    return turns


def load_turns(settings: Settings, period: Period) -> List[Turn]:
    """Every message of the period, oldest first."""
    # Rasa's deprecation noise is not for staff.
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        turns = asyncio.run(_read_store(settings))
    return sorted((t for t in turns if t.when.date() in period), key=lambda t: t.when)
