"""The refreshed login always reaches the file: through a symlink, past a concurrent writer, after a failed write."""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litellm_codex_oauth_provider.adapters import auth_file
from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore, write_login_document
from litellm_codex_oauth_provider.domain.errors import CodexAuthRefreshError, CodexAuthTokenError
from structlog.testing import capture_logs

from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file
from tests.fakes.refresher import FakeRefresher

DAY = 24 * 3600


def expired_login(path: Path, refresh_token: str = "rt-initial", **extra: Any) -> None:
    write_auth_file(path, codex_auth_document(make_jwt(exp=time.time() - 10), refresh_token, **extra))


def make_store(path: Path, refresher: Any, **options: Any) -> CodexAuthFileTokenStore:
    return CodexAuthFileTokenStore(path, refresher=refresher, check_interval_seconds=0.0, **options)


def tokens(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())["tokens"])


class WritesDuringTheCall(FakeRefresher):
    """A refresh during which another program rewrites the login file (``codex login``, the Codex CLI)."""

    def __init__(self, write: Callable[[], object]) -> None:
        super().__init__()
        self.write = write

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        answer = super().refresh(refresh_token)
        self.write()
        return answer


def test_a_symlinked_login_is_written_through_to_its_target(tmp_path: Path) -> None:
    target = tmp_path / "secrets" / "auth.json"
    expired_login(target)
    link = tmp_path / "codex" / "auth.json"
    link.parent.mkdir()
    link.symlink_to(target)
    refresher = FakeRefresher()
    auth = make_store(link, refresher).get_auth()
    assert link.is_symlink() and os.readlink(link) == str(target), "the link stays a link"
    assert tokens(target)["refresh_token"] == "rt-fresh-1", "the target holds the new refresh token"
    assert tokens(target)["access_token"] == auth.access_token
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in link.parent.iterdir()) == ["auth.json", "auth.json.lock"]


def test_a_new_login_written_during_the_refresh_call_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    expired_login(path)
    newer = make_jwt(exp=time.time() + 9 * DAY, secret_tag="codex-login")
    refresher = WritesDuringTheCall(lambda: write_auth_file(path, codex_auth_document(newer, "rt-codex-login")))
    auth = make_store(path, refresher).get_auth()
    assert refresher.calls == 1
    assert tokens(path)["refresh_token"] == "rt-codex-login", "the newer login was not overwritten"
    assert tokens(path)["access_token"] == newer == auth.access_token


def test_a_rewrite_that_kept_the_spent_token_gets_the_new_tokens_and_keeps_its_changes(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    expired_login(path)

    def another_tool_rewrites() -> None:
        document = json.loads(path.read_text())
        write_auth_file(path, {**document, "added_meanwhile": {"by": "another tool"}})

    refresher = WritesDuringTheCall(another_tool_rewrites)
    auth = make_store(path, refresher).get_auth()
    saved = json.loads(path.read_text())
    assert saved["tokens"]["refresh_token"] == "rt-fresh-1", "the spent token was replaced"
    assert saved["tokens"]["access_token"] == auth.access_token == refresher.issued[0]["access_token"]
    assert saved["added_meanwhile"] == {"by": "another tool"}


def test_a_failed_write_is_retried_said_loudly_and_tried_at_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "auth.json"
    expired_login(path)
    before = path.read_bytes()
    real_write = auth_file.write_login_file  # type: ignore[attr-defined]
    disk = {"full": True}

    def write(*args: Any, **kwargs: Any) -> bool:
        if disk["full"]:
            raise OSError(28, "No space left on device")
        return real_write(*args, **kwargs)

    exit_hooks: list[Callable[[], None]] = []
    monkeypatch.setattr(auth_file, "write_login_file", write)
    monkeypatch.setattr(atexit, "register", exit_hooks.append)
    refresher = FakeRefresher()
    store = make_store(path, refresher)
    with capture_logs() as logs:
        auth = store.get_auth()
        assert store.get_auth() == auth, "served from memory; the write is tried again"
    failures = [log for log in logs if log["event"] == "codex_login_write_failed"]
    assert [log["log_level"] for log in failures] == ["error", "warning"]
    assert all(log["where"] == str(path) and "No space left" in log["error"] for log in failures)
    assert path.read_bytes() == before
    assert len(exit_hooks) == 1
    disk["full"] = False
    assert store.get_auth() == auth
    assert tokens(path)["refresh_token"] == "rt-fresh-1", "the retry wrote it"
    assert refresher.calls == 1

    expired_login(path, "rt-second")
    disk["full"] = True
    assert store.get_auth().access_token == refresher.issued[1]["access_token"]
    assert tokens(path)["refresh_token"] == "rt-second", "not written yet"
    disk["full"] = False
    exit_hooks[0]()  # the process exits holding the only live login: one more attempt
    assert tokens(path)["refresh_token"] == "rt-fresh-2"


def test_a_failed_write_that_stays_failed_is_reported_at_exit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "auth.json"
    expired_login(path)

    def disk_full(*args: Any, **kwargs: Any) -> bool:
        raise OSError(30, "Read-only file system")

    exit_hooks: list[Callable[[], None]] = []
    monkeypatch.setattr(auth_file, "write_login_file", disk_full)
    monkeypatch.setattr(atexit, "register", exit_hooks.append)
    make_store(path, FakeRefresher()).get_auth()
    with capture_logs() as logs:
        exit_hooks[0]()
    (lost,) = [log for log in logs if log["event"] == "codex_login_lost_at_exit"]
    assert lost["log_level"] == "critical" and lost["where"] == str(path) and "codex login" in lost["hint"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_the_files_owner_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    expired_login(path)
    os.chown(path, 4321, 4321)
    make_store(path, FakeRefresher()).get_auth()
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (4321, 4321)
    assert tokens(path)["refresh_token"] == "rt-fresh-1"


def test_a_login_others_may_read_is_kept_as_set_and_said_once(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    expired_login(path)
    os.chmod(path, 0o644)
    store = make_store(path, FakeRefresher())
    with capture_logs() as logs:
        store.force_refresh(store.get_auth())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    warnings = [log for log in logs if log["event"] == "codex_login_file_readable_by_others"]
    assert [(log["path"], log["mode"]) for log in warnings] == [(str(path), "0o644")]


def test_a_new_sign_in_is_written_whole_under_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "new" / "auth.json"
    document = codex_auth_document(make_jwt(exp=time.time() + DAY), "rt-signed-in")
    write_login_document(path, document)
    assert json.loads(path.read_text()) == document
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(CodexAuthTokenError, match="not a valid JWT"):
        write_login_document(path, codex_auth_document("not-a-jwt"))
    assert json.loads(path.read_text()) == document, "a login that cannot be used is not written"


class AnswersAnOpaqueToken(FakeRefresher):
    """A token endpoint that rotates the refresh token but answers an access token that is no JWT."""

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        self.seen.append(refresh_token)
        return {"access_token": "opaque-not-a-jwt", "refresh_token": "rt-rotated", "expires_in": 3600}


def test_an_access_token_that_is_no_jwt_is_not_written_and_the_new_refresh_token_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    expired_login(path)
    old_access = tokens(path)["access_token"]
    refresher = AnswersAnOpaqueToken()
    store = make_store(path, refresher)
    with pytest.raises(CodexAuthRefreshError, match="not a valid JWT.*new refresh token was kept") as caught:
        store.get_auth()
    assert caught.value.transient
    assert tokens(path)["refresh_token"] == "rt-rotated"
    assert tokens(path)["access_token"] == old_access, "the file stays usable"
    assert "opaque-not-a-jwt" not in path.read_text() and "opaque-not-a-jwt" not in str(caught.value)
    working = FakeRefresher()
    store.refresher = working
    assert store.get_auth().access_token == working.issued[0]["access_token"]
    assert working.seen == ["rt-rotated"], "the kept refresh token renewed the login"


class ShortLivedTokensWithoutIat(FakeRefresher):
    """A token server whose access tokens live 120 s and carry no ``iat``."""

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        self.seen.append(refresh_token)
        n = len(self.seen)
        token = make_jwt(exp=time.time() + 120, secret_tag=f"short-{n}")
        return {"access_token": token, "refresh_token": f"rt-short-{n}", "expires_in": 120}


def test_a_token_shorter_lived_than_the_buffer_without_iat_is_not_refreshed_on_every_call(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    expired_login(path)
    refresher = ShortLivedTokensWithoutIat()
    store = make_store(path, refresher)
    first = store.get_auth()
    for _ in range(10):
        assert store.get_auth() == first
    assert refresher.calls == 1, "the buffer is half the token's life (from last_refresh), not 300 s"


class HeldRefresher(FakeRefresher):
    """A refresh that stays in flight until the test lets it answer."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = threading.Event()
        self.answer = threading.Event()

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        self.inside.set()
        assert self.answer.wait(30)
        return super().refresh(refresh_token)


def test_callers_with_a_still_valid_token_do_not_wait_for_a_refresh(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    write_auth_file(path, codex_auth_document(make_jwt(exp=time.time() + 1000), "rt-initial"))
    old = tokens(path)["access_token"]
    refresher = HeldRefresher()
    now = [time.time()]
    store = make_store(path, refresher, clock=lambda: now[0])
    assert store.get_auth().access_token == old
    now[0] += 800  # inside the 300 s buffer, still valid
    leader: dict[str, Any] = {}
    leading = threading.Thread(target=lambda: leader.update(auth=store.get_auth()))
    leading.start()
    assert refresher.inside.wait(10)
    others: list[str] = []

    async def async_caller() -> None:
        others.append((await store.aget_auth()).access_token)

    callers = [threading.Thread(target=lambda: others.append(store.get_auth().access_token))]
    callers.append(threading.Thread(target=asyncio.run, args=(async_caller(),)))
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(10)
    finished = [not caller.is_alive() for caller in callers]
    refresher.answer.set()
    leading.join()
    assert finished == [True, True], "they were served while the refresh was still out"
    assert others == [old, old]
    assert leader["auth"].access_token == refresher.issued[0]["access_token"] != old
    assert refresher.calls == 1
