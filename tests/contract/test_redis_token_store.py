"""``RedisTokenStore`` against a real ``redis-server`` and the loopback token endpoint."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore
from litellm_codex_oauth_provider.adapters.oauth_refresh import OAuthRefreshClient
from litellm_codex_oauth_provider.adapters.redis_login_record import COMPARE_AND_SET
from litellm_codex_oauth_provider.adapters.redis_token_store import RedisTokenStore
from litellm_codex_oauth_provider.adapters.single_flight import SingleFlight
from litellm_codex_oauth_provider.domain.errors import CodexAuthFileNotFoundError, CodexTokenStoreUnavailableError
from litellm_codex_oauth_provider.domain.ports import AuthContext, TokenStore
from litellm_codex_oauth_provider.entrypoints.login_guidance import with_advice

from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file
from tests.fakes.redis_server import refused_port
from tests.fakes.refresher import FakeRefresher
from tests.fakes.token_endpoint import FakeTokenEndpoint

KEY = "codex:login:test"
UNKNOWN = {"agent_identity": {"id": "agent-1"}, "future_key": [1, 2, 3]}


def host(redis_url: str, refresher: Any, **options: Any) -> RedisTokenStore:
    """A store standing for one host: its own in-process single flight, as a separate machine has."""
    return RedisTokenStore(redis_url, KEY, refresher=refresher, flight=SingleFlight[AuthContext](), **options)


def stored(redis_url: str) -> tuple[dict[str, Any], int]:
    with redis.Redis.from_url(redis_url) as client:
        raw = client.hgetall(KEY)
    return json.loads(raw[b"document"]), int(raw[b"version"])


def seed(redis_url: str, access_token: str, refresh_token: str = "rt-initial") -> dict[str, Any]:
    document = codex_auth_document(access_token, refresh_token, **UNKNOWN)
    assert RedisTokenStore(redis_url, KEY).import_login(document) == 1
    return document


def test_is_a_token_store_and_keeps_secrets_out_of_its_repr(redis_url: str) -> None:
    store = RedisTokenStore("redis://:hunter2@127.0.0.1:6379/0", KEY)
    assert isinstance(store, TokenStore)
    assert "hunter2" not in repr(store) and "hunter2" not in store.where


def test_import_once_export_back_and_replace_only_when_asked(redis_url: str, tmp_path: Path) -> None:
    token = make_jwt(exp=time.time() + 3600)
    document = seed(redis_url, token)
    store = RedisTokenStore(redis_url, KEY)
    other = codex_auth_document(make_jwt(exp=time.time() + 7200), "rt-other")
    assert store.import_login(other) == 0, "an import never overwrites a stored login unasked"
    assert stored(redis_url) == (document, 1)
    assert store.export_login() == document
    assert store.import_login(other, replace=True) == 2
    assert store.get_auth().access_token == other["tokens"]["access_token"]


def test_a_login_nobody_imported_says_how_to_import_it(redis_url: str) -> None:
    with pytest.raises(CodexAuthFileNotFoundError, match="no Codex login in") as caught:
        RedisTokenStore(redis_url, KEY).get_auth()
    assert caught.value.code == "stored_login_missing"
    assert "login-import" in with_advice(caught.value), "the entrypoints name the command"


def test_every_host_sees_a_new_login_on_its_next_request(redis_url: str) -> None:
    seed(redis_url, make_jwt(exp=time.time() + 3600, secret_tag="first"))
    a, b = host(redis_url, None), host(redis_url, None)
    first = a.get_auth()
    assert b.get_auth() == first
    newer = codex_auth_document(make_jwt(exp=time.time() + 7200, secret_tag="second"), "rt-2")
    b.import_login(newer, replace=True)
    assert a.get_auth().access_token == newer["tokens"]["access_token"]
    assert asyncio.run(a.aget_auth()).access_token == newer["tokens"]["access_token"]


def test_asyncio_run_per_call_leaves_no_redis_connection_open(redis_url: str) -> None:
    """Each event loop's async client is closed when its loop shuts down, not left to the collector."""
    seed(redis_url, make_jwt(exp=time.time() + 3600))
    store = host(redis_url, None)
    store.get_auth()  # the store's one sync connection (the refresh path's, in a worker thread for async callers)
    watcher = redis.Redis.from_url(redis_url)
    before = len(watcher.client_list())
    for _ in range(3):
        asyncio.run(store.aget_auth())
    assert len(store.backend._async_clients) == 0
    assert len(watcher.client_list()) <= before  # other tests' connections may close meanwhile, none opened stays
    watcher.close()


def test_an_expired_login_is_refreshed_once_and_written_with_a_new_version(
    redis_url: str, token_endpoint: FakeTokenEndpoint
) -> None:
    seed(redis_url, make_jwt(exp=time.time() - 60))
    store = host(redis_url, OAuthRefreshClient(token_endpoint.url))
    auth = store.get_auth()
    (issued,) = token_endpoint.issued
    assert auth.access_token == issued["access_token"]
    document, version = stored(redis_url)
    assert version == 2
    assert document["tokens"]["refresh_token"] == issued["refresh_token"] == token_endpoint.current_refresh_token
    assert {key: document[key] for key in UNKNOWN} == UNKNOWN, "keys the Codex CLI wrote survive"
    assert asyncio.run(store.aget_auth()) == auth
    assert token_endpoint.calls == 1


def test_threads_and_tasks_of_two_hosts_share_one_refresh(redis_url: str, token_endpoint: FakeTokenEndpoint) -> None:
    seed(redis_url, make_jwt(exp=time.time() - 60))
    token_endpoint.delay = 0.3
    hosts = [host(redis_url, OAuthRefreshClient(token_endpoint.url)) for _ in range(2)]
    results: list[str] = []
    errors: list[BaseException] = []

    def sync_calls(store: RedisTokenStore) -> None:
        try:
            results.append(store.get_auth().access_token)
        except BaseException as exc:
            errors.append(exc)

    async def tasks(store: RedisTokenStore) -> None:
        for auth in await asyncio.gather(*(store.aget_auth() for _ in range(10))):
            results.append(auth.access_token)

    threads = [threading.Thread(target=sync_calls, args=(store,)) for store in hosts for _ in range(3)]
    threads += [threading.Thread(target=asyncio.run, args=(tasks(store),)) for store in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert token_endpoint.calls == 1
    assert set(results) == {token_endpoint.issued[0]["access_token"]} and len(results) == 26


class StallingRefresher:
    """A host that freezes while it holds the lock: ``before`` the refresh call, or ``after`` its answer."""

    def __init__(self, inner: Any, *, before: float = 0.0, after: float = 0.0) -> None:
        self.inner, self.before, self.after = inner, before, after
        self.inside = threading.Event()

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        self.inside.set()
        time.sleep(self.before)
        answer: dict[str, Any] = self.inner.refresh(refresh_token)
        time.sleep(self.after)
        return answer

    async def arefresh(self, refresh_token: str) -> dict[str, Any]:
        self.inside.set()
        await asyncio.sleep(self.before)
        answer: dict[str, Any] = await self.inner.arefresh(refresh_token)
        await asyncio.sleep(self.after)
        return answer


def run_both(slow: RedisTokenStore, stalled: StallingRefresher, fast: RedisTokenStore) -> tuple[str, str]:
    """The slow host starts the refresh and stalls holding the lock; the fast one arrives meanwhile."""
    outcome: dict[str, Any] = {}

    def slow_call() -> None:
        try:
            outcome["slow"] = slow.get_auth().access_token
        except BaseException as exc:
            outcome["slow"] = exc

    thread = threading.Thread(target=slow_call)
    thread.start()
    assert stalled.inside.wait(10)
    fast_token = asyncio.run(fast.aget_auth()).access_token
    thread.join()
    assert isinstance(outcome["slow"], str), outcome["slow"]
    return outcome["slow"], fast_token


def test_a_host_stalled_before_refreshing_cannot_lose_the_login(
    redis_url: str, token_endpoint: FakeTokenEndpoint
) -> None:
    """Its lock expires, the other host refreshes; the stalled one wakes, is refused reuse, adopts the new login."""
    seed(redis_url, make_jwt(exp=time.time() - 60))
    stalled = StallingRefresher(OAuthRefreshClient(token_endpoint.url), before=2.0)
    slow = host(redis_url, stalled, lock_timeout_seconds=0.5)
    fast = host(redis_url, OAuthRefreshClient(token_endpoint.url), lock_timeout_seconds=0.5)
    slow_token, fast_token = run_both(slow, stalled, fast)
    assert token_endpoint.refused == {"refresh_token_reused": 1}, "the stalled host's late call was refused"
    (issued,) = token_endpoint.issued
    assert slow_token == fast_token == issued["access_token"]
    document, version = stored(redis_url)
    assert (document["tokens"]["refresh_token"], version) == (token_endpoint.current_refresh_token, 2)


def test_a_host_stalled_before_writing_still_writes_the_login_it_obtained(
    redis_url: str, token_endpoint: FakeTokenEndpoint
) -> None:
    """The other host's refresh is refused (the token is spent); it waits for the stalled host's write."""
    seed(redis_url, make_jwt(exp=time.time() - 60))
    stalled = StallingRefresher(OAuthRefreshClient(token_endpoint.url), after=1.5)
    slow = host(redis_url, stalled, lock_timeout_seconds=0.5)
    fast = host(redis_url, OAuthRefreshClient(token_endpoint.url), lock_timeout_seconds=0.5)
    slow_token, fast_token = run_both(slow, stalled, fast)
    (issued,) = token_endpoint.issued
    assert slow_token == fast_token == issued["access_token"]
    document, _ = stored(redis_url)
    assert document["tokens"]["refresh_token"] == token_endpoint.current_refresh_token


def test_a_slow_host_never_overwrites_a_newer_login(redis_url: str) -> None:
    """Two refreshes from the same version: the compare-and-set keeps the first written, the late one adopts it."""
    seed(redis_url, make_jwt(exp=time.time() - 60))
    late = StallingRefresher(FakeRefresher(), after=1.5)
    other = FakeRefresher()
    other.refresh("warm-up")  # so its next answer differs from the slow host's first one
    slow = host(redis_url, late, lock_timeout_seconds=0.5)
    fast = host(redis_url, other, lock_timeout_seconds=0.5)
    slow_token, fast_token = run_both(slow, late, fast)
    document, version = stored(redis_url)
    assert version == 2, "exactly one write landed"
    assert document["tokens"]["access_token"] == fast_token == slow_token
    assert late.inner.issued[0]["access_token"] != fast_token, "the slow host's own answer was dropped"
    with redis.Redis.from_url(redis_url) as client:
        assert client.eval(COMPARE_AND_SET, 1, KEY, "1", "{}", "0") == 0, "a write from an old version is refused"
    assert stored(redis_url) == (document, 2)


def test_redis_unavailable_is_a_clear_error_and_the_file_store_is_unaffected(auth_file: Path) -> None:
    url = f"redis://:secret-pw@127.0.0.1:{refused_port()}/0"
    store = RedisTokenStore(url, KEY, socket_timeout_seconds=1.0)
    for call in (store.get_auth, lambda: asyncio.run(store.aget_auth())):
        with pytest.raises(CodexTokenStoreUnavailableError, match="cannot be reached") as caught:
            call()
        assert caught.value.status_code == 503
        assert "CODEX_REDIS_URL" in with_advice(caught.value) and "secret-pw" not in with_advice(caught.value)
    assert CodexAuthFileTokenStore(auth_file).get_auth().account_id


def test_a_held_login_keeps_serving_while_redis_is_down(redis_url: str) -> None:
    seed(redis_url, make_jwt(exp=time.time() + 3600))
    store = RedisTokenStore(redis_url, KEY)
    auth = store.get_auth()
    store.backend.client = redis.Redis.from_url(f"redis://127.0.0.1:{refused_port()}/0")
    assert store.get_auth() == auth


def test_a_stored_login_that_is_not_a_login_is_reported(redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        client.hset(KEY, mapping={"document": "{not json", "version": "1"})
    with pytest.raises(Exception, match="cannot be used: it is not valid JSON"):
        RedisTokenStore(redis_url, KEY).get_auth()


def test_an_auth_file_seeds_redis_through_the_file_reader(redis_url: str, tmp_path: Path) -> None:
    path = write_auth_file(tmp_path / "auth.json", codex_auth_document(make_jwt(exp=time.time() + 3600)))
    document = json.loads(path.read_text())
    RedisTokenStore(redis_url, KEY).import_login(document)
    assert RedisTokenStore(redis_url, KEY).get_auth().access_token == document["tokens"]["access_token"]


def test_a_login_refreshed_while_redis_went_down_is_saved_when_it_is_back(
    redis_url: str, token_endpoint: FakeTokenEndpoint
) -> None:
    """The refresh token is spent the moment the endpoint answers: the new login must not be lost."""
    seed(redis_url, make_jwt(exp=time.time() - 60))
    inner = OAuthRefreshClient(token_endpoint.url)
    store = host(redis_url, None)
    working = store.backend.client

    class RedisDiesDuringRefresh:
        def refresh(self, refresh_token: str) -> dict[str, Any]:
            answer = inner.refresh(refresh_token)
            store.backend.client = redis.Redis.from_url(f"redis://127.0.0.1:{refused_port()}/0")
            return answer

    store.refresher = RedisDiesDuringRefresh()  # type: ignore[assignment]
    auth = store.get_auth()
    (issued,) = token_endpoint.issued
    assert auth.access_token == issued["access_token"], "the new login serves from memory"
    assert stored(redis_url)[1] == 1, "Redis did not get it yet"
    assert store.get_auth() == auth
    store.backend.client = working
    assert store.get_auth() == auth
    document, version = stored(redis_url)
    assert (document["tokens"]["refresh_token"], version) == (issued["refresh_token"], 2)


def test_a_refused_token_another_host_already_replaced_costs_no_refresh(redis_url: str) -> None:
    seed(redis_url, make_jwt(exp=time.time() + 3600))
    refresher = FakeRefresher()
    a, b = host(redis_url, refresher), host(redis_url, refresher)
    old = b.get_auth()
    new = a.force_refresh(a.get_auth())
    assert new != old and refresher.calls == 1
    assert b.force_refresh(old) == new, "b's 401 is answered by a's refresh, read from Redis"
    assert asyncio.run(b.aforce_refresh(old)) == new
    assert refresher.calls == 1
    assert b.force_refresh(new) != new and refresher.calls == 2, "a token refused again is refreshed again"
