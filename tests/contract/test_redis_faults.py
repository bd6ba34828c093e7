"""Redis misbehaving under hosts that hold a good login: restarted empty, a new account at a restarted
counter, and hung (``SIGSTOP``). The real ``redis-server`` throughout."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import redis
from litellm_codex_oauth_provider.adapters.redis_token_store import RedisTokenStore
from litellm_codex_oauth_provider.adapters.single_flight import SingleFlight
from litellm_codex_oauth_provider.domain.ports import AuthContext
from structlog.testing import capture_logs

from tests.fakes.logins import codex_auth_document, make_jwt
from tests.fakes.redis_server import RedisServer, running_redis
from tests.fakes.refresher import FakeRefresher

KEY = "codex:login:faults"


def host(redis_url: str, refresher: Any = None, **options: Any) -> RedisTokenStore:
    """A store standing for one host: its own in-process single flight, as a separate machine has."""
    return RedisTokenStore(redis_url, KEY, refresher=refresher, flight=SingleFlight[AuthContext](), **options)


def stored(redis_url: str) -> tuple[str, int]:
    """The stored refresh token and version number."""
    with redis.Redis.from_url(redis_url) as client:
        raw = client.hgetall(KEY)
    return json.loads(raw[b"document"])["tokens"]["refresh_token"], int(raw[b"version"])


def flush(redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        client.flushall()


def events(logs: list[MutableMapping[str, Any]], name: str) -> list[MutableMapping[str, Any]]:
    return [log for log in logs if log["event"] == name]


def refreshed_pair(redis_url: str) -> tuple[RedisTokenStore, RedisTokenStore, AuthContext]:
    """Two hosts holding a login whose refresh token was rotated since its import (version 2)."""
    RedisTokenStore(redis_url, KEY).import_login(codex_auth_document(make_jwt(exp=time.time() + 3600)))
    refresher = FakeRefresher()
    a, b = host(redis_url, refresher), host(redis_url, refresher)
    newer = a.force_refresh(a.get_auth())
    assert b.get_auth() == newer
    assert stored(redis_url) == ("rt-fresh-1", 2)
    return a, b, newer


def test_redis_restarted_empty_is_given_back_the_login_by_the_first_host_to_ask(redis_url: str) -> None:
    """Both hosts race to put their login back: one writes it, both serve it, one log line, no secret."""
    a, b, newer = refreshed_pair(redis_url)
    flush(redis_url)
    served: list[AuthContext] = []
    start = threading.Barrier(2)

    def request(store: RedisTokenStore) -> None:
        start.wait()
        served.append(store.get_auth())

    with capture_logs() as logs:
        threads = [threading.Thread(target=request, args=(store,)) for store in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert asyncio.run(b.aget_auth()) == newer
    assert served == [newer, newer]
    assert stored(redis_url) == ("rt-fresh-1", 2), "the rotated refresh token is back, at its own version"
    (restored,) = events(logs, "codex_login_restored_to_store")
    assert restored["version"] == 2 and restored["log_level"] == "warning"
    assert newer.access_token not in repr(logs) and "rt-fresh-1" not in repr(logs)


def test_a_host_holding_an_older_write_cannot_bury_the_newer_refresh_token(redis_url: str) -> None:
    """An idle host (version 1) puts its login back first; the host holding version 2 puts the newer back."""
    RedisTokenStore(redis_url, KEY).import_login(codex_auth_document(make_jwt(exp=time.time() + 3600)))
    refresher = FakeRefresher()
    idle, busy = host(redis_url, refresher), host(redis_url, refresher)
    idle.get_auth()
    newer = busy.force_refresh(busy.get_auth())
    flush(redis_url)
    assert idle.get_auth() != newer
    assert stored(redis_url) == ("rt-initial", 1), "the idle host put back what it held"
    assert busy.get_auth() == newer
    assert stored(redis_url) == ("rt-fresh-1", 2), "the newer write of the same login replaced it"
    assert idle.get_auth() == newer


def test_a_different_login_imported_at_a_restarted_counter_is_adopted_by_every_host(redis_url: str) -> None:
    first = codex_auth_document(
        make_jwt(exp=time.time() + 3600, account_id="acct-first"), "rt-first", account_id="acct-first"
    )
    assert RedisTokenStore(redis_url, KEY).import_login(first) == 1
    a, b = host(redis_url), host(redis_url)
    assert a.get_auth().account_id == b.get_auth().account_id == "acct-first"
    flush(redis_url)
    second = codex_auth_document(
        make_jwt(exp=time.time() + 3600, account_id="acct-second"), "rt-second", account_id="acct-second"
    )
    assert RedisTokenStore(redis_url, KEY).import_login(second) == 1, "the counter restarted at 1"
    assert a.get_auth().account_id == "acct-second"
    assert asyncio.run(b.aget_auth()).account_id == "acct-second"
    assert stored(redis_url) == ("rt-second", 1), "no host put its old account back"


def test_a_login_signed_out_of_redis_is_not_put_back_by_the_hosts_that_held_it(redis_url: str) -> None:
    """Logout leaves a tombstone (a newer version without a login), unlike Redis restarted empty."""
    from litellm_codex_oauth_provider.adapters.signin_store import RedisLoginHome
    from litellm_codex_oauth_provider.domain.errors import CodexAuthFileNotFoundError

    a, b, _ = refreshed_pair(redis_url)
    RedisLoginHome(redis_url, KEY).remove()
    for call in (a.get_auth, lambda: asyncio.run(b.aget_auth())):
        with pytest.raises(CodexAuthFileNotFoundError, match="no Codex login in"):
            call()
    with redis.Redis.from_url(redis_url) as client:
        assert client.hget(KEY, "document") is None
    document = codex_auth_document(make_jwt(exp=time.time() + 3600), "rt-again")
    assert RedisTokenStore(redis_url, KEY).import_login(document) == 4, "an import after logout needs no --replace"
    assert a.get_auth().access_token == document["tokens"]["access_token"]


TIMEOUT = 0.5
"""The socket timeout of the hung-Redis tests: their bound is one such wait for every request together."""


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A server of the test's own, so stopping it (``SIGSTOP``) stalls no other test."""
    with running_redis(tmp_path) as server:
        yield server


def requests_while_hung(server: RedisServer, store: RedisTokenStore, held: AuthContext, count: int) -> list[Any]:
    """``count`` sync and ``count`` async requests with Redis stopped; each must serve ``held``."""
    os.kill(server.pid, signal.SIGSTOP)
    try:
        with capture_logs() as logs:
            started = time.monotonic()
            for _ in range(count):
                assert store.get_auth() == held
                assert asyncio.run(store.aget_auth()) == held
            elapsed = time.monotonic() - started
    finally:
        os.kill(server.pid, signal.SIGCONT)
    assert elapsed < 2 * TIMEOUT, f"{2 * count} requests took {elapsed:.2f} s against a {TIMEOUT} s timeout"
    assert len(events(logs, "codex_login_store_unreachable_using_cached")) == 1
    return logs


def test_a_hung_redis_costs_one_socket_timeout_and_one_warning_per_episode(private_redis: RedisServer) -> None:
    backoff = 3.0
    store = RedisTokenStore(private_redis.url, KEY, socket_timeout_seconds=TIMEOUT, unreachable_backoff_seconds=backoff)
    try:
        store.import_login(codex_auth_document(make_jwt(exp=time.time() + 3600)))
        held = store.get_auth()
        requests_while_hung(private_redis, store, held, 6)
        time.sleep(backoff)  # the quiet period ends: the next request asks Redis again
        with capture_logs() as logs:
            assert store.get_auth() == held
            assert store.get_auth() == held
        assert len(events(logs, "codex_login_store_reachable_again")) == 1
        assert events(logs, "codex_login_store_unreachable_using_cached") == []
    finally:
        store.backend.client.close()


def test_a_login_due_a_refresh_serves_until_it_expires_while_redis_hangs(private_redis: RedisServer) -> None:
    """The refresh needs Redis (its lock); while it hangs, a token not yet expired serves, asked once."""
    moved = {"by": 0.0}
    options: dict[str, Any] = {"socket_timeout_seconds": TIMEOUT, "clock": lambda: time.time() + moved["by"]}
    store = host(private_redis.url, FakeRefresher(), **options)
    try:
        store.import_login(codex_auth_document(make_jwt(exp=time.time() + 3600)))
        held = store.get_auth()
        moved["by"] = 3600 - 100  # inside the 300 s refresh margin, 100 s before expiry
        requests_while_hung(private_redis, store, held, 6)
    finally:
        store.backend.client.close()
