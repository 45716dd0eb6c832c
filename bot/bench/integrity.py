"""What the tracker store holds for each conversation, and whether it is whole.

Events are read from the `events` table of Rasa's SQL tracker store, in the
order Rasa reads them back (by id), and reduced to what does not vary between
two runs of the same conversation (no timestamps, ids or model metadata).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Dict, Iterable, List, Tuple

import sqlalchemy as sa

Event = Tuple[str, ...]  # (type, name or intent, text or value)


def _essence(type_name: str, data: dict) -> Event:
    if type_name == "user":
        return (
            type_name,
            (data.get("parse_data") or {}).get("intent", {}).get("name") or "",
            data.get("text") or "",
        )
    if type_name == "bot":
        return (type_name, data.get("text") or "")
    if type_name == "slot":
        return (type_name, data.get("name") or "", json.dumps(data.get("value")))
    return (type_name, data.get("name") or "")


def stored_events(db_url: str, senders: Iterable[str]) -> Dict[str, List[Event]]:
    """The events of each conversation in `senders`, in the store's order."""
    wanted = list(senders)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT sender_id, type_name, data FROM events "
                    "WHERE sender_id IN :senders ORDER BY id"
                ).bindparams(sa.bindparam("senders", expanding=True)),
                {"senders": wanted},
            ).all()
    finally:
        engine.dispose()
    events: Dict[str, List[Event]] = {sender: [] for sender in wanted}
    for sender, type_name, data in rows:
        events[sender].append(_essence(type_name, json.loads(data)))
    return events


def turn_problems(sent: Iterable[str], events: List[Event], ordered: bool) -> List[str]:
    """Messages lost, duplicated or out of order, and turns cut or mixed with others.

    Every message sent must be stored once as a user event (in the order sent
    if `ordered`), followed by its own actions and ending with action_listen
    before the next user event.
    """
    problems = []
    stored = [event[2] for event in events if event[0] == "user"]
    sent = list(sent)
    if ordered and stored != sent:
        problems.append(f"user messages stored {stored} instead of {sent}")
    if not ordered and Counter(stored) != Counter(sent):
        problems.append(f"user messages stored {sorted(stored)} instead of {sorted(sent)}")
    starts = [i for i, event in enumerate(events) if event[0] == "user"]
    for start, end in zip(starts, [*starts[1:], len(events)]):
        actions = [event[1] for event in events[start + 1 : end] if event[0] == "action"]
        if len(actions) < 2 or actions[-1] != "action_listen" or "action_listen" in actions[:-1]:
            problems.append(f"turn of {events[start][2]!r} has the actions {actions}")
    return problems
