"""The scale-out set-up: nginx in front of two Rasa servers sharing PostgreSQL and Redis.

`make test-scale`. Real servers, a real nginx, PostgreSQL and Redis, started by
the tests on free ports. One test runs the same collisions without the shared
lock store and must find broken conversations: it shows what the lock store is
for, and that the checks can fail. The rate-limit tests send from several
loopback addresses (127.0.0.2, …), as different visitors would.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import secrets
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

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
from bot.bench.integrity import Event, stored_events, turn_problems
from bot.channel import HANDLING_FAILED
from bot.datastores import Datastores, datastores, pg_ctl
from bot.model import model_path
from bot.sealing import is_sealed, unseal
from bot.settings import load_settings
from tests.assistant import assert_not_last_resort
from tests.private_data import (
    HANDED_OFF,
    assert_mail_carries_what_was_agreed,
    assert_stored_without_personal_data,
)

pytestmark = pytest.mark.scale

CONVERSATIONS = 16
TURNS = 8
NGINX_ADDRESS = "127.0.0.1"  # nginx's address as the Rasa servers see it
PER_IP = 3  # RATE_LIMIT_PER_IP of the rate-limit tests
ACTION_TOKEN = secrets.token_urlsafe(32)  # shared by the servers; opens the sealed slots


def _texts(reply: Reply) -> List[Tuple[str, ...]]:
    """A reply without its recipient id (each conversation has its own)."""
    assert reply is not None, "a message got no reply"
    return [tuple(sorted((k, str(v)) for k, v in m.items() if k != "recipient_id")) for m in reply]


def _opened(events: List[Event]) -> List[Event]:
    """`events` with sealed slot values in clear: two sealings of one value differ."""
    opened = []
    for event in events:
        if event[0] == "slot" and is_sealed(json.loads(event[2])):
            value = unseal(json.loads(event[2]), ACTION_TOKEN)
            assert value is not None, f"{event[1]} not sealed with the servers' token"
            event = (*event[:2], json.dumps(value))
        opened.append(event)
    return opened


def _post(url: str, source: str, sender: str, headers: Optional[Dict[str, str]] = None) -> int:
    """The HTTP status of a message sent from the loopback address `source`."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=60, source_address=(source, 0)
    )
    try:
        body = json.dumps({"sender": sender, "message": "bonjour"})
        headers = {"Content-Type": "application/json", **(headers or {})}
        connection.request("POST", parts.path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def _forged(n: int) -> Dict[str, str]:
    """Headers claiming another address at each message: believed, they would dodge the limit."""
    return {"X-Forwarded-For": f"127.0.1.{n}", "Forwarded": f"for=127.0.1.{n}"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scale")


@pytest.fixture(scope="module")
def stores(workdir: Path) -> Iterator[Datastores]:
    with datastores(workdir, free_port(), free_port()) as started:
        yield started


def _two_servers(
    stores: Datastores, endpoints: Path, env: Optional[Dict[str, str]] = None
) -> Setup:
    model = model_path(load_settings())
    assert model.exists(), "make test-scale trains first (make train)"
    env = {
        **stores.env(),
        "TRUSTED_PROXIES": NGINX_ADDRESS,
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        **(env or {}),
    }
    return Setup(model, rasa_servers=2, endpoints_file=endpoints, env=env, behind_nginx=True)


@pytest.fixture(scope="module")
def scale_out(stores: Datastores, workdir: Path) -> Iterator[Running]:
    setup = _two_servers(stores, SCALE_ENDPOINTS, {"OUTBOX_DIR": str(workdir / "outbox")})
    with running(setup, workdir / "shared-lock") as run:
        yield run


@pytest.fixture(scope="module")
def limited(stores: Datastores, workdir: Path) -> Iterator[Running]:
    """The same set-up with a small per-address limit and a large per-conversation one."""
    env = {"RATE_LIMIT_PER_IP": str(PER_IP), "RATE_LIMIT_PER_SENDER": "1000"}
    with running(_two_servers(stores, SCALE_ENDPOINTS, env), workdir / "rate-limits") as run:
        yield run


def test_conversations_spread_by_nginx_over_two_servers_are_stored_whole_and_answered_alike(
    stores: Datastores, scale_out: Running, workdir: Path
) -> None:
    alone = scripts("one-server", CONVERSATIONS, TURNS)
    shared = scripts("two-servers", CONVERSATIONS, TURNS)
    on_one: Dict[str, List[Reply]] = asyncio.run(converse_all(alone, scale_out.urls[:1]))
    assert scale_out.proxy_url
    on_two = asyncio.run(converse_all(shared, [scale_out.proxy_url]))
    access_log = (workdir / "shared-lock" / "nginx" / "access.log").read_text().splitlines()
    served = Counter(line.split()[1] for line in access_log)
    # Round robin: each server took half of the messages.
    assert served == {urlsplit(url).netloc: CONVERSATIONS * TURNS // 2 for url in scale_out.urls}
    events = stored_events(stores.postgres_url, [s.sender for s in alone + shared])
    for one, two in zip(alone, shared):
        assert one.texts == two.texts
        assert [_texts(r) for r in on_two[two.sender]] == [_texts(r) for r in on_one[one.sender]]
        assert turn_problems(two.texts, events[two.sender], ordered=True) == []
        assert _opened(events[two.sender]) == _opened(events[one.sender])


def test_two_messages_of_a_conversation_at_once_on_two_servers_are_handled_in_turn(
    stores: Datastores, scale_out: Running
) -> None:
    # Straight to the servers, not through nginx: each pair surely lands on both.
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
    with running(_two_servers(stores, unlocked), workdir / "own-lock") as run:
        asyncio.run(collide_all(collisions, run.urls))
    events = stored_events(stores.postgres_url, [s.sender for s in collisions])
    broken = [s for s in collisions if turn_problems(s.texts, events[s.sender], ordered=False)]
    assert broken, "two processes without a shared lock kept every conversation whole"


def test_tracker_database_outage_is_logged_answered_and_recovered(
    stores: Datastores, scale_out: Running, workdir: Path
) -> None:
    url, sender = scale_out.proxy_url, "outage-conversation"
    assert url
    assert "DIRECCTE" in ask(url, sender, "le parrainage")[0]["text"]
    postgres_data = stores.postgres_data
    pg_ctl(postgres_data, stores.postgres_port, "stop")
    try:
        during = ask(url, sender, "c'est quoi l'école ouverte ?")
        assert during and all(message.get("text") for message in during)
        assert_not_last_resort(during)
        log = (workdir / "shared-lock" / "servers.log").read_text(errors="replace")
        assert "Error happened when trying" in log or "OperationalError" in log
        assert "école ouverte" not in log and HANDLING_FAILED not in log
    finally:
        pg_ctl(postgres_data, stores.postgres_port, "start")
    # Back: the conversation goes on from what PostgreSQL holds, and is stored again.
    after = ask(url, sender, "comment je m'inscris ?")
    assert "« Parrainage »" in after[0]["text"]
    stored = stored_events(stores.postgres_url, [sender])[sender]
    texts = [event[2] for event in stored if event[0] == "user"]
    assert texts[0] == "le parrainage" and texts[-1] == "comment je m'inscris ?"


def test_behind_nginx_each_visitor_has_a_limit_of_its_own(limited: Running) -> None:
    assert limited.proxy_url
    # Each server counts the messages it gets and nginx alternates: the limit is per server.
    allowed = len(limited.urls) * PER_IP
    visitor_a = [_post(limited.proxy_url, "127.0.0.2", "visitor-a") for _ in range(allowed + 1)]
    assert visitor_a == [200] * allowed + [429]
    assert _post(limited.proxy_url, "127.0.0.3", "visitor-b") == 200


def test_an_address_forged_through_nginx_is_not_believed(limited: Running) -> None:
    assert limited.proxy_url
    allowed = len(limited.urls) * PER_IP
    statuses = [
        _post(limited.proxy_url, "127.0.0.4", "visitor-c", _forged(n)) for n in range(allowed + 1)
    ]
    assert statuses == [200] * allowed + [429]


def test_an_address_forged_straight_to_a_server_is_not_believed(limited: Running) -> None:
    url = limited.urls[0]
    statuses = [_post(url, "127.0.0.5", "visitor-d", _forged(n)) for n in range(PER_IP + 1)]
    assert statuses == [200] * PER_IP + [429]


def test_a_conversation_handed_off_across_two_servers_stores_nothing_personal(
    stores: Datastores, scale_out: Running, workdir: Path
) -> None:
    """Round robin: each turn reloads the conversation from PostgreSQL on the other
    server, so the sealed question and address must open there too."""
    assert scale_out.proxy_url is not None
    sender = f"privacy-{uuid.uuid4()}"
    replies = [ask(scale_out.proxy_url, sender, message) for message in HANDED_OFF]
    for reply in replies:
        assert_not_last_resort(reply)
    assert "enregistré" in replies[-1][0]["text"], replies[-1]
    engine = sa.create_engine(stores.postgres_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": sender},
            ).all()
    finally:
        engine.dispose()
    assert_stored_without_personal_data([(kind, data) for kind, data in rows])
    assert_mail_carries_what_was_agreed(workdir / "outbox", sender)
