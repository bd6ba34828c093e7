"""The sign-in adapters against the stand-in server: the device poll, the callback server, the write.

The device poll's sleeps are recorded, not slept, so ``slow_down`` (five more seconds
each) is checked without waiting for it.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import structlog
from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore
from litellm_codex_oauth_provider.adapters.oauth_refresh import OAuthRefreshClient
from litellm_codex_oauth_provider.adapters.oauth_signin import OAuthSignInClient
from litellm_codex_oauth_provider.adapters.signin_callback import CallbackServer
from litellm_codex_oauth_provider.domain.signin import CodexSignInError, SignInEndpoints
from litellm_codex_oauth_provider.entrypoints.cli import main

from tests.fakes.auth_server import FakeAuthServer
from tests.fakes.signin_run import assert_codex_cli_format


class RecordedSleep:
    """Sleeps nothing; remembers every wait, and moves a clock by it."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 0.0

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def auth_server() -> Iterator[FakeAuthServer]:
    with FakeAuthServer(interval="2") as server:
        yield server


def signin_client(server: FakeAuthServer, sleep: RecordedSleep) -> OAuthSignInClient:
    return OAuthSignInClient(SignInEndpoints.derive(server.base_url), sleep=sleep, clock=sleep.clock)


def test_the_poll_backs_off_on_slow_down_and_returns_the_approval(auth_server: FakeAuthServer) -> None:
    auth_server.device_script = ["403", "slow_down", "404", "slow_down", "pending"]
    sleep = RecordedSleep()
    with signin_client(auth_server, sleep) as client:
        device = client.request_device_code()
        assert device.interval == 2.0, "the interval arrived as the string '2'"
        auth_server.user_enters(device.user_code)
        approval = client.wait_for_approval(device)
        tokens = client.exchange_code(
            approval.authorization_code, redirect_uri=auth_server.device_redirect_uri, verifier=approval.code_verifier
        )
    assert sleep.waits == [2.0, 2.0, 7.0, 7.0, 12.0, 12.0]
    assert tokens["refresh_token"] in auth_server.valid_refresh


@pytest.mark.parametrize(("script", "said"), [(["403", "expired_token"], "expired"), (["access_denied"], "denied")])
def test_the_poll_stops_when_the_code_expired_or_was_denied(
    auth_server: FakeAuthServer, script: list[str], said: str
) -> None:
    auth_server.device_script = script
    with signin_client(auth_server, RecordedSleep()) as client, pytest.raises(CodexSignInError, match=said):
        client.wait_for_approval(client.request_device_code())


def test_the_poll_gives_up_when_the_code_outlives_its_expiry(auth_server: FakeAuthServer) -> None:
    auth_server.expires_in = "9"
    sleep = RecordedSleep()
    with signin_client(auth_server, sleep) as client:
        device = client.request_device_code()
        with pytest.raises(CodexSignInError, match="expired before it was entered"):
            client.wait_for_approval(device)
    assert device.expires_in == 9.0 and sleep.now >= 9.0


def test_a_server_without_device_codes_points_to_the_browser_flow(auth_server: FakeAuthServer) -> None:
    auth_server.device_code_status = 404
    with signin_client(auth_server, RecordedSleep()) as client, pytest.raises(CodexSignInError) as caught:
        client.request_device_code()
    assert "HTTP 404" in str(caught.value) and "`codex-litellm login`" in str(caught.value)


def test_an_unreachable_server_is_one_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = OAuthSignInClient(SignInEndpoints.derive(f"http://127.0.0.1:{port}"))
    with client:
        with pytest.raises(CodexSignInError, match="could not reach the sign-in server") as caught:
            client.exchange_code("code-secret", redirect_uri="http://localhost:1/auth/callback", verifier="v-secret")
        assert "secret" not in str(caught.value)
        assert client.revoke("rt-x") is False, "revocation is best effort: never an error"


def test_the_callback_listens_on_loopback_and_takes_only_the_right_state() -> None:
    with CallbackServer([0], "state-1") as server:
        assert server._server.server_address[0] == "127.0.0.1"
        assert server.redirect_uri == f"http://localhost:{server.port}/auth/callback"
        base = f"http://127.0.0.1:{server.port}"
        assert httpx.get(f"{base}/favicon.ico").status_code == 404, "other paths are ignored"
        page = httpx.get(f"{base}/auth/callback?code=the-code&state=state-1")
        assert page.status_code == 200 and "close this window" in page.text and "the-code" not in page.text
        late = httpx.get(f"{base}/auth/callback?code=other&state=state-1")
        assert late.status_code == 400, "one request decides"
        assert server.wait_for_code(5) == "the-code"


def test_a_forged_callback_ends_the_sign_in() -> None:
    with CallbackServer([0], "state-1") as server:
        httpx.get(f"http://127.0.0.1:{server.port}/auth/callback?code=forged&state=guess")
        with pytest.raises(CodexSignInError, match="state that does not match"):
            server.wait_for_code(5)


def test_a_taken_port_falls_back_and_all_taken_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with CallbackServer([taken, 0], "s") as server:
            assert server.port != taken
        with pytest.raises(CodexSignInError, match=f"cannot listen on 127.0.0.1 port {taken}"):
            CallbackServer([taken], "s")


def test_signing_in_while_a_store_refreshes_the_file_leaves_the_newest_login(
    auth_server: FakeAuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each sign-in's login must survive a refresh racing it: a refresh works on the login it finds under the lock."""
    path = tmp_path / "auth.json"
    monkeypatch.setenv("CODEX_AUTH_BASE_URL", auth_server.base_url)
    monkeypatch.delenv("CODEX_OAUTH_TOKEN_URL")
    monkeypatch.setenv("CODEX_LOGIN_CALLBACK_PORT", "0")
    auth_server.auto_approve = True
    auth_server.interval = "0.01"
    assert main(["login", "--device", "--auth-file", str(path)]) == 0
    refresher = OAuthRefreshClient(f"{auth_server.base_url}/oauth/token")
    store = CodexAuthFileTokenStore(path, refresher=refresher, check_interval_seconds=0.0)
    stop, failures = threading.Event(), []

    def refresh_all_the_time() -> None:
        while not stop.is_set():
            try:
                store.force_refresh(store.get_auth())
            except Exception as exc:  # collected and reported below
                failures.append(repr(exc))
            stop.wait(0.02)  # the file lock is not fair: leave the sign-ins a moment to take it

    refreshing = threading.Thread(target=refresh_all_the_time)
    refreshing.start()
    try:
        for _ in range(6):
            assert main(["login", "--device", "--auth-file", str(path)]) == 0
    finally:
        stop.set()
        refreshing.join(timeout=60)
    assert failures == []
    assert auth_server.refreshes > 6, "the store refreshed all along"
    document = assert_codex_cli_format(path)
    assert auth_server.valid_refresh.get(document["tokens"]["refresh_token"]) == auth_server.grants[-1], (
        "the file holds the last sign-in's login (or its refresh), not an older one"
    )
    assert store.force_refresh(store.get_auth()).account_id == "acct-test-123"
    assert json.loads(path.read_text())["tokens"]["refresh_token"] in auth_server.valid_refresh
    capsys.readouterr()


def test_no_secret_reaches_a_log_record(
    auth_server: FakeAuthServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CODEX_AUTH_BASE_URL", auth_server.base_url)
    monkeypatch.delenv("CODEX_OAUTH_TOKEN_URL")
    auth_server.interval = "0.01"
    auth_server.device_script = ["403", "pending"]
    auth_server.auto_approve = True
    target = ["--auth-file", str(tmp_path / "a.json")]
    for name in ("litellm_codex_oauth_provider", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))  # as `-v` does
    try:
        with structlog.testing.capture_logs() as events:
            assert main(["login", "--device", *target]) == 0
            assert main(["logout", *target]) == 0
            auth_server.refuse_exchange = (400, {"error": "invalid_grant"})
            assert main(["login", "--device", *target]) == 1
    finally:
        structlog.configure(**saved)
    assert any(event["event"] == "codex_signin_exchange_refused" for event in events), events
    captured = capsys.readouterr()
    texts = [repr(events), captured.out, captured.err]
    texts += [record.getMessage() + repr(record.__dict__) for record in caplog.records]
    for secret in auth_server.secrets():
        assert all(secret not in text for text in texts)
