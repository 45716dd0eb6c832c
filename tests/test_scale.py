"""The scale-out set-up: two Rasa servers sharing PostgreSQL and Redis (make test-scale).

Real servers, a real PostgreSQL and a real Redis, started by the tests on free
ports. The last test runs the same collisions without the shared lock store
and must find broken conversations: it shows what the lock store is for, and
that the checks can fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

from bot.bench.conversations import Reply, collide_all, converse_all, scripts
from bot.bench.deploy import (
    SCALE_ENDPOINTS,
    Running,
    Setup,
    ask,
    endpoints_variant,
    free_port,
    running,
)
from bot.bench.integrity import stored_events, turn_problems
from bot.datastores import Datastores, datastores, pg_ctl
from bot.model import model_path
from bot.settings import PROJECT_DIR, load_settings

pytestmark = pytest.mark.scale

CONVERSATIONS = 16
TURNS = 8


def _texts(reply: Reply) -> List[Tuple[str, ...]]:
    """A reply without its recipient id (each conversation has its own)."""
    assert reply is not None, "a message got no reply"
    return [tuple(sorted((k, str(v)) for k, v in m.items() if k != "recipient_id")) for m in reply]


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    # Under var/: PostgreSQL runs as its own user, who cannot enter pytest's temp dirs.
    path = PROJECT_DIR / "var" / f"test-scale-{os.getpid()}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def stores(workdir: Path) -> Iterator[Datastores]:
    with datastores(workdir, free_port(), free_port()) as started:
        yield started


def _two_servers(stores: Datastores, workdir: Path, endpoints: Path) -> Setup:
    model = model_path(load_settings())
    assert model.exists(), "make test-scale trains first (make train)"
    return Setup(model, rasa_servers=2, endpoints_file=endpoints, env=stores.env())


@pytest.fixture(scope="module")
def scale_out(stores: Datastores, workdir: Path) -> Iterator[Running]:
    with running(_two_servers(stores, workdir, SCALE_ENDPOINTS), workdir / "shared-lock") as run:
        yield run


def test_conversations_alternating_between_servers_are_stored_whole_and_answered_alike(
    stores: Datastores, scale_out: Running
) -> None:
    alone = scripts("one-server", CONVERSATIONS, TURNS)
    shared = scripts("two-servers", CONVERSATIONS, TURNS)
    on_one: Dict[str, List[Reply]] = asyncio.run(converse_all(alone, scale_out.urls[:1]))
    on_two = asyncio.run(converse_all(shared, scale_out.urls))
    events = stored_events(stores.postgres_url, [s.sender for s in alone + shared])
    for one, two in zip(alone, shared):
        assert one.texts == two.texts
        assert [_texts(r) for r in on_two[two.sender]] == [_texts(r) for r in on_one[one.sender]]
        assert turn_problems(two.texts, events[two.sender], ordered=True) == []
        assert events[two.sender] == events[one.sender]


def test_two_messages_of_a_conversation_at_once_on_two_servers_are_handled_in_turn(
    stores: Datastores, scale_out: Running
) -> None:
    collisions = scripts("collide-shared-lock", CONVERSATIONS, 6)
    replies = asyncio.run(collide_all(collisions, scale_out.urls))
    events = stored_events(stores.postgres_url, [s.sender for s in collisions])
    for script in collisions:
        assert None not in replies[script.sender]
        assert turn_problems(script.texts, events[script.sender], ordered=False) == []


def test_without_the_shared_lock_store_the_same_collisions_break_conversations(
    stores: Datastores, workdir: Path
) -> None:
    # Without a lock store section, each Rasa process locks in its own memory.
    unlocked = endpoints_variant(
        SCALE_ENDPOINTS, "lock_store", None, workdir / "endpoints-without-lock-store.yml"
    )
    collisions = scripts("collide-own-lock", CONVERSATIONS, 6)
    with running(_two_servers(stores, workdir, unlocked), workdir / "own-lock") as run:
        asyncio.run(collide_all(collisions, run.urls))
    events = stored_events(stores.postgres_url, [s.sender for s in collisions])
    broken = [s for s in collisions if turn_problems(s.texts, events[s.sender], ordered=False)]
    assert broken, "two processes without a shared lock kept every conversation whole"


def test_tracker_database_outage_is_logged_answered_and_recovered(
    stores: Datastores, scale_out: Running, workdir: Path
) -> None:
    url, sender = scale_out.urls[0], "outage-conversation"
    assert "DIRECCTE" in ask(url, sender, "le parrainage")[0]["text"]
    postgres_data = (workdir / "postgres").resolve()
    pg_ctl(postgres_data, stores.postgres_port, "stop")
    try:
        during = ask(url, sender, "c'est quoi l'école ouverte ?")
        assert during and all(message.get("text") for message in during)
        log = (workdir / "shared-lock" / "servers.log").read_text(errors="replace")
        assert "Error happened when trying" in log or "OperationalError" in log
    finally:
        pg_ctl(postgres_data, stores.postgres_port, "start")
    # Back: the conversation goes on from what PostgreSQL holds, and is stored again.
    after = ask(url, sender, "comment je m'inscris ?")
    assert "« Parrainage »" in after[0]["text"]
    stored = stored_events(stores.postgres_url, [sender])[sender]
    texts = [event[2] for event in stored if event[0] == "user"]
    assert texts[0] == "le parrainage" and texts[-1] == "comment je m'inscris ?"
