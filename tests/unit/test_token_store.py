"""``CodexAuthFileTokenStore`` with an in-memory refresher: caching, refreshing, writing back, recovering."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from litellm_codex_oauth_provider.adapters import auth_file
from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore
from litellm_codex_oauth_provider.domain.errors import CodexAuthRefreshError, CodexAuthTokenExpiredError
from litellm_codex_oauth_provider.domain.login_errors import refresh_failed
from litellm_codex_oauth_provider.domain.ports import AuthContext, TokenStore

from tests.fakes.logins import ACCOUNT_ID, codex_auth_document, make_jwt, write_auth_file
from tests.fakes.refresher import FakeRefresher

DAY = 24 * 3600
URL = "https://auth.example/oauth/token"


def write_login(path: Path, exp: float | None, refresh_token: str = "rt-initial", **extra: Any) -> str:
    token = make_jwt(exp=exp, iat=int(time.time()) - DAY)
    write_auth_file(path, codex_auth_document(token, refresh_token, unknown_key={"keep": "me"}, **extra))
    return token


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "codex" / "auth.json"


@pytest.fixture
def refresher() -> FakeRefresher:
    return FakeRefresher()


def make_store(path: Path, refresher: FakeRefresher, **options: Any) -> CodexAuthFileTokenStore:
    options.setdefault("check_interval_seconds", 0.0)
    options.setdefault("reused_grace_seconds", 0.2)
    return CodexAuthFileTokenStore(path, refresher=refresher, **options)


def document(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def test_it_is_a_token_store(path: Path, refresher: FakeRefresher) -> None:
    assert isinstance(make_store(path, refresher), TokenStore)


def test_a_good_token_is_served_without_a_refresh(path: Path, refresher: FakeRefresher) -> None:
    token = write_login(path, time.time() + 7 * DAY)
    store = make_store(path, refresher)
    auth = store.get_auth()
    assert auth.access_token == token
    assert auth.account_id == ACCOUNT_ID
    assert auth.plan_type == "plus"
    assert auth.expires_at == pytest.approx(time.time() + 7 * DAY, abs=5)
    assert store.cached == auth
    assert refresher.calls == 0
    assert token not in repr(auth) and token not in repr(store)


def test_the_hot_path_reads_the_file_once(
    path: Path, refresher: FakeRefresher, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_login(path, time.time() + 7 * DAY)
    reads: list[Path] = []
    real = auth_file.read_login_file
    monkeypatch.setattr(auth_file, "read_login_file", lambda p: reads.append(p) or real(p))
    store = make_store(path, refresher)
    for _ in range(50):
        store.get_auth()
    assert len(reads) == 1


async def test_the_async_hot_path_reads_the_file_once(
    path: Path, refresher: FakeRefresher, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_login(path, time.time() + 7 * DAY)
    reads: list[Path] = []
    real = auth_file.read_login_file
    monkeypatch.setattr(auth_file, "read_login_file", lambda p: reads.append(p) or real(p))
    store = make_store(path, refresher)
    for _ in range(50):
        await store.aget_auth()
    assert len(reads) == 1


def test_a_login_replaced_on_disk_is_picked_up(path: Path, refresher: FakeRefresher) -> None:
    write_login(path, time.time() + 7 * DAY)
    store = make_store(path, refresher)
    store.get_auth()
    newer = write_login(path, time.time() + 9 * DAY, "rt-cli")
    assert store.get_auth().access_token == newer
    assert refresher.calls == 0


def test_the_file_check_is_rate_limited(path: Path, refresher: FakeRefresher) -> None:
    first = write_login(path, time.time() + 7 * DAY)
    store = make_store(path, refresher, check_interval_seconds=3600)
    store.get_auth()
    write_login(path, time.time() + 9 * DAY, "rt-cli")
    assert store.get_auth().access_token == first, "no stat within the interval"


def test_a_token_near_expiry_is_refreshed_and_written_back(path: Path, refresher: FakeRefresher) -> None:
    write_login(path, time.time() + 100)
    before = document(path)
    store = make_store(path, refresher)
    auth = store.get_auth()
    (answer,) = refresher.issued
    assert refresher.seen == ["rt-initial"]
    assert auth.access_token == answer["access_token"]
    after = document(path)
    assert after["tokens"] == {
        **before["tokens"],
        **{k: answer[k] for k in ("access_token", "refresh_token", "id_token")},
    }
    assert after["unknown_key"] == {"keep": "me"}
    assert after["auth_mode"] == "chatgpt" and after["OPENAI_API_KEY"] is None
    assert list(after) == list(before)
    assert after["last_refresh"] != before["last_refresh"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert store.get_auth() == auth and refresher.calls == 1


def test_a_refresh_answer_without_some_tokens_keeps_the_old_ones(path: Path) -> None:
    write_login(path, time.time() - 10)
    old = document(path)["tokens"]
    store = make_store(path, FakeRefresher(omit={"refresh_token", "id_token"}))
    store.get_auth()
    tokens = document(path)["tokens"]
    assert tokens["refresh_token"] == old["refresh_token"]
    assert tokens["id_token"] == old["id_token"]
    assert tokens["access_token"] != old["access_token"]


def test_the_files_layout_is_kept(path: Path, refresher: FakeRefresher) -> None:
    write_login(path, time.time() - 10)
    path.write_text(json.dumps(document(path), indent=4) + "\n")
    make_store(path, refresher).get_auth()
    text = path.read_text()
    assert text.endswith("}\n")
    assert text.splitlines()[1].startswith('    "')


def test_force_refresh_uses_a_newer_token_already_on_disk(path: Path, refresher: FakeRefresher) -> None:
    write_login(path, time.time() + 7 * DAY)
    store = make_store(path, refresher, check_interval_seconds=3600)
    rejected = store.get_auth()
    newer = write_login(path, time.time() + 9 * DAY, "rt-cli")
    assert store.force_refresh(rejected).access_token == newer
    assert refresher.calls == 0


def test_force_refresh_of_the_token_on_disk_refreshes(path: Path, refresher: FakeRefresher) -> None:
    write_login(path, time.time() + 7 * DAY)
    store = make_store(path, refresher)
    rejected = store.get_auth()
    fresh = store.force_refresh(rejected)
    assert fresh.access_token == refresher.issued[0]["access_token"] != rejected.access_token
    assert document(path)["tokens"]["refresh_token"] == "rt-fresh-1"


async def test_async_force_refresh(path: Path, refresher: FakeRefresher) -> None:
    write_login(path, time.time() + 7 * DAY)
    store = make_store(path, refresher)
    rejected = await store.aget_auth()
    fresh = await store.aforce_refresh(rejected)
    assert fresh.access_token == refresher.issued[0]["access_token"]
    assert document(path)["tokens"]["access_token"] == fresh.access_token


def test_a_transient_failure_keeps_a_live_token_and_backs_off(path: Path) -> None:
    token = write_login(path, time.time() + 100)
    before = path.read_bytes()
    refresher = FakeRefresher()
    refresher.errors.append(refresh_failed(503, None, URL))
    store = make_store(path, refresher)
    assert store.get_auth().access_token == token
    assert store.get_auth().access_token == token
    assert refresher.calls == 1, "no second attempt during the back-off"
    assert path.read_bytes() == before


def test_a_transient_failure_with_an_expired_token_is_raised(path: Path) -> None:
    write_login(path, time.time() - 10)
    before = path.read_bytes()
    refresher = FakeRefresher()
    refresher.errors.append(refresh_failed(502, None, URL))
    with pytest.raises(CodexAuthRefreshError) as caught:
        make_store(path, refresher).get_auth()
    assert caught.value.transient
    assert path.read_bytes() == before


def test_a_permanent_failure_says_what_to_do_and_leaves_the_file(path: Path) -> None:
    write_login(path, time.time() - 10)
    before = path.read_bytes()
    refresher = FakeRefresher()
    refresher.errors.append(refresh_failed(401, {"error": {"code": "refresh_token_expired"}}, URL))
    with pytest.raises(CodexAuthRefreshError, match="refresh_token_expired.*codex login") as caught:
        make_store(path, refresher).get_auth()
    assert caught.value.code == "refresh_token_expired"
    assert caught.value.status_code == 401
    assert path.read_bytes() == before


def test_reused_with_a_newer_login_on_disk_uses_it(path: Path) -> None:
    write_login(path, time.time() - 10)
    refresher = FakeRefresher()
    refresher.errors.append(refresh_failed(401, {"error": {"code": "refresh_token_reused"}}, URL))
    store = make_store(path, refresher, reused_grace_seconds=5)
    newer = make_jwt(exp=time.time() + 9 * DAY)
    timer = threading.Timer(0.3, lambda: write_auth_file(path, codex_auth_document(newer, "rt-cli")))
    timer.start()
    try:
        assert store.get_auth().access_token == newer
    finally:
        timer.join()
    assert refresher.calls == 1


def test_reused_with_the_same_login_on_disk_means_signing_in_again(path: Path) -> None:
    write_login(path, time.time() - 10)
    before = path.read_bytes()
    refresher = FakeRefresher()
    refresher.errors.append(refresh_failed(401, {"error": {"code": "refresh_token_reused"}}, URL))
    with pytest.raises(CodexAuthRefreshError, match="refresh_token_reused.*still holds it.*codex login"):
        make_store(path, refresher).get_auth()
    assert path.read_bytes() == before


def test_an_expired_login_without_a_refresh_token(path: Path, refresher: FakeRefresher) -> None:
    write_login(path, time.time() - 10, refresh_token="")
    with pytest.raises(CodexAuthTokenExpiredError, match="codex login"):
        make_store(path, refresher).get_auth()
    assert refresher.calls == 0


def test_a_login_near_expiry_without_a_refresh_token_serves_until_it_expires(
    path: Path, refresher: FakeRefresher
) -> None:
    token = write_login(path, time.time() + 100, refresh_token="")
    assert make_store(path, refresher).get_auth().access_token == token


def test_unknown_expiry_waits_for_a_401(path: Path, refresher: FakeRefresher) -> None:
    token = make_jwt(exp=None)
    doc = codex_auth_document(token)
    del doc["last_refresh"]
    write_auth_file(path, doc)
    store = make_store(path, refresher)
    assert store.get_auth().expires_at is None
    assert store.get_auth().access_token == token
    assert refresher.calls == 0


def test_the_legacy_chatgpt_shape_is_refreshed_in_its_own_shape(path: Path, refresher: FakeRefresher) -> None:
    token = make_jwt(exp=None)
    write_auth_file(path, {"chatgpt": {"access_token": token, "refresh_token": "rt-old", "expires_at": 1}, "v": 2})
    store = make_store(path, refresher)
    auth = store.get_auth()
    assert auth.account_id == ACCOUNT_ID, "the account of the refreshed token's claim"
    after = document(path)
    assert set(after) == {"chatgpt", "v"}
    assert after["chatgpt"]["access_token"] == auth.access_token
    assert after["chatgpt"]["refresh_token"] == "rt-fresh-1"
    assert after["chatgpt"]["expires_at"] == pytest.approx(time.time() + refresher.lifetime, abs=5)


# -- single flight --------------------------------------------------------------------------


def test_threads_share_one_refresh(path: Path) -> None:
    write_login(path, time.time() - 10)
    refresher = FakeRefresher(delay=0.3)
    store = make_store(path, refresher)
    results: list[AuthContext] = []
    threads = [threading.Thread(target=lambda: results.append(store.get_auth())) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert refresher.calls == 1
    assert {auth.access_token for auth in results} == {refresher.issued[0]["access_token"]}


def test_event_loops_and_tasks_share_one_refresh(path: Path) -> None:
    write_login(path, time.time() - 10)
    refresher = FakeRefresher(delay=0.3)
    stores = [make_store(path, refresher) for _ in range(2)]
    tokens: set[str] = set()

    async def many(store: CodexAuthFileTokenStore) -> None:
        for auth in await asyncio.gather(*(store.aget_auth() for _ in range(20))):
            tokens.add(auth.access_token)

    threads = [threading.Thread(target=lambda s=s: asyncio.run(many(s))) for s in stores for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert refresher.calls == 1
    assert tokens == {refresher.issued[0]["access_token"]}


async def test_a_refresh_does_not_block_the_event_loop(path: Path) -> None:
    write_login(path, time.time() - 10)
    store = make_store(path, FakeRefresher(delay=0.3))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    await store.aget_auth()
    task.cancel()
    assert ticks >= 15


async def test_waiting_for_the_file_lock_does_not_block_the_event_loop(path: Path, refresher: FakeRefresher) -> None:
    """The other process's lock is released by the event loop itself, while the store waits for it.

    Had the wait blocked the loop, the release could never run: the store would give up
    after its lock timeout with an error, and no tick would see it waiting.
    """
    from filelock import FileLock

    write_login(path, time.time() - 10)
    store = make_store(path, refresher, lock_timeout_seconds=5)
    other_process = FileLock(str(path) + ".lock", thread_local=False)
    other_process.acquire()
    refreshing = asyncio.create_task(store.aget_auth())
    ticks_while_waiting = 0
    for _ in range(20):
        await asyncio.sleep(0.01)
        ticks_while_waiting += not refreshing.done()
    assert refresher.calls == 0, "the store is still waiting for the lock"
    other_process.release()
    auth = await refreshing
    assert ticks_while_waiting == 20
    assert auth.access_token == refresher.issued[0]["access_token"]


async def test_a_cancelled_caller_does_not_cut_its_refresh_off(path: Path) -> None:
    write_login(path, time.time() - 10)
    refresher = FakeRefresher(delay=0.3)
    store = make_store(path, refresher)
    leader = asyncio.create_task(store.aget_auth())
    await asyncio.sleep(0.05)
    follower = asyncio.create_task(store.aget_auth())
    await asyncio.sleep(0.05)
    leader.cancel()
    auth = await follower
    assert refresher.calls == 1, "the refresh the leader started went on without it"
    assert auth.access_token == document(path)["tokens"]["access_token"] == refresher.issued[0]["access_token"]


def test_a_login_that_cannot_be_written_lives_on_in_memory(
    path: Path, refresher: FakeRefresher, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_login(path, time.time() - 10)
    before = path.read_bytes()

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(auth_file, "write_login_file", disk_full)
    store = make_store(path, refresher)
    auth = store.get_auth()
    assert auth.access_token == refresher.issued[0]["access_token"]
    assert store.get_auth() == auth
    assert refresher.calls == 1
    assert path.read_bytes() == before


def test_the_seed_helpers(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from litellm_codex_oauth_provider import auth as seed_auth
    from litellm_codex_oauth_provider.domain.errors import CodexAuthTokenError

    token = write_login(path, time.time() + 7 * DAY)
    monkeypatch.setenv("CODEX_AUTH_FILE", str(path))
    assert seed_auth.get_auth_context() == seed_auth.AuthContext(
        token, ACCOUNT_ID, seed_auth.get_auth_context().expires_at, "plus"
    )
    assert seed_auth._extract_bearer_token() == token
    assert seed_auth._decode_account_id(token) == ACCOUNT_ID
    with pytest.raises(CodexAuthTokenError):
        seed_auth._decode_account_id("garbage")
    assert seed_auth.default_token_store() is seed_auth.default_token_store()


async def test_a_login_written_while_waiting_for_the_lock_is_used_without_a_call(
    path: Path, refresher: FakeRefresher
) -> None:
    from filelock import FileLock

    write_login(path, time.time() - 10)
    store = make_store(path, refresher)
    other_process = FileLock(str(path) + ".lock", thread_local=False)
    other_process.acquire()
    waiting = asyncio.create_task(store.aget_auth())
    await asyncio.sleep(0.1)
    newer = write_login(path, time.time() + 9 * DAY, "rt-other-process")
    other_process.release()
    assert (await waiting).access_token == newer
    assert refresher.calls == 0


def test_the_login_file_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from litellm_codex_oauth_provider.entrypoints.settings import CodexSettings

    monkeypatch.delenv("CODEX_HOME", raising=False)
    assert CodexSettings().auth_path == Path.home() / ".codex" / "auth.json"
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "home"))
    assert CodexSettings().auth_path == tmp_path / "home" / "auth.json"
    monkeypatch.setenv("CODEX_AUTH_FILE", str(tmp_path / "elsewhere.json"))
    assert CodexSettings().auth_path == tmp_path / "elsewhere.json"
