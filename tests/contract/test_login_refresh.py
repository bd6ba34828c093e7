"""The refresh over real HTTP, against a loopback token endpoint that rotates and refuses reuse."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore
from litellm_codex_oauth_provider.adapters.oauth_refresh import OAuthRefreshClient
from litellm_codex_oauth_provider.auth import AuthContext, get_auth_context
from litellm_codex_oauth_provider.domain.errors import CodexAuthRefreshError

from tests.fakes.logins import ACCOUNT_ID, codex_auth_document, make_jwt, write_auth_file
from tests.fakes.token_endpoint import CLOUDFLARE_403, Failure, FakeTokenEndpoint, oauth_error


def expired_login(path: Path, refresh_token: str = "rt-initial") -> str:
    token = make_jwt(exp=time.time() - 60)
    write_auth_file(path, codex_auth_document(token, refresh_token, agent_identity={"kept": True}))
    return token


def dead_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/oauth/token"


# -- the HTTP call ----------------------------------------------------------------------------


def test_the_refresh_call_rotates_and_reuse_is_refused(token_endpoint: FakeTokenEndpoint) -> None:
    client = OAuthRefreshClient(token_endpoint.url)
    answer = client.refresh("rt-initial")
    assert answer["refresh_token"] == token_endpoint.current_refresh_token != "rt-initial"
    (body,) = token_endpoint.bodies
    assert body["client_id"] == "app_EMoamEEZ73f0CkXaXp7hrann"
    assert body["grant_type"] == "refresh_token"
    with pytest.raises(CodexAuthRefreshError) as caught:
        client.refresh("rt-initial")
    assert caught.value.code == "refresh_token_reused"
    assert not caught.value.transient
    assert "rt-initial" not in str(caught.value)


async def test_the_async_refresh_call(token_endpoint: FakeTokenEndpoint) -> None:
    client = OAuthRefreshClient(token_endpoint.url)
    answer = await client.arefresh("rt-initial")
    assert answer["refresh_token"] == token_endpoint.current_refresh_token
    with pytest.raises(CodexAuthRefreshError, match="refresh_token_invalidated"):
        await client.arefresh("rt-never-issued")


@pytest.mark.parametrize(
    ("failure", "code", "transient"),
    [
        (Failure(503), "server_error", True),
        (Failure(401, oauth_error("refresh_token_expired")), "refresh_token_expired", False),
        (Failure(400, {"error": "invalid_grant", "error_description": "bad"}), "invalid_grant", False),
        (Failure(200, {"token_type": "Bearer"}), "invalid_response", True),
        (Failure(drop=True), "network_error", True),
    ],
)
def test_refresh_failures(token_endpoint: FakeTokenEndpoint, failure: Failure, code: str, transient: bool) -> None:
    token_endpoint.fail_next(failure)
    with pytest.raises(CodexAuthRefreshError) as caught:
        OAuthRefreshClient(token_endpoint.url).refresh("rt-initial")
    assert (caught.value.code, caught.value.transient) == (code, transient)


async def test_an_unreachable_endpoint_is_transient() -> None:
    with pytest.raises(CodexAuthRefreshError, match="could not be reached") as caught:
        await OAuthRefreshClient(dead_port_url(), timeout=2).arefresh("rt")
    assert caught.value.transient


# -- the store over HTTP ---------------------------------------------------------------------------


def test_an_expired_login_is_refreshed_through_the_endpoint(token_endpoint: FakeTokenEndpoint, auth_file: Path) -> None:
    expired_login(auth_file)
    auth = get_auth_context()
    assert isinstance(auth, AuthContext)
    (issued,) = token_endpoint.issued
    assert auth.access_token == issued["access_token"]
    assert auth.account_id == ACCOUNT_ID
    saved = json.loads(auth_file.read_text())
    assert saved["tokens"]["refresh_token"] == token_endpoint.current_refresh_token
    assert saved["agent_identity"] == {"kept": True}
    assert get_auth_context() == auth
    assert token_endpoint.calls == 1


async def test_the_async_path_refreshes_through_the_endpoint(token_endpoint: FakeTokenEndpoint, tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    expired_login(path)
    store = CodexAuthFileTokenStore(path, refresher=OAuthRefreshClient(token_endpoint.url))
    auth = await store.aget_auth()
    assert auth.access_token == token_endpoint.issued[0]["access_token"]
    again = await store.aforce_refresh(auth)
    assert again.access_token == token_endpoint.issued[1]["access_token"]
    assert json.loads(path.read_text())["tokens"]["refresh_token"] == token_endpoint.current_refresh_token


def test_a_login_that_lost_the_race_for_good_says_sign_in_again(
    token_endpoint: FakeTokenEndpoint, tmp_path: Path
) -> None:
    path = tmp_path / "auth.json"
    expired_login(path)
    OAuthRefreshClient(token_endpoint.url).refresh("rt-initial")  # someone spent it and never wrote it down
    before = path.read_bytes()
    store = CodexAuthFileTokenStore(path, refresher=OAuthRefreshClient(token_endpoint.url), reused_grace_seconds=0.3)
    with pytest.raises(CodexAuthRefreshError, match="refresh_token_reused") as caught:
        store.get_auth()
    assert "codex login" in str(caught.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "failure",
    [Failure(403, html=CLOUDFLARE_403), Failure(502, html="<html><body>Bad gateway</body></html>"), Failure(401, {})],
)
async def test_a_non_oauth_refusal_is_temporary_and_keeps_the_login(
    token_endpoint: FakeTokenEndpoint, tmp_path: Path, failure: Failure
) -> None:
    """A CDN's block page is not the OAuth server refusing the token: the login is fine."""
    path = tmp_path / "auth.json"
    expired_login(path)
    before = path.read_bytes()
    store = CodexAuthFileTokenStore(path, refresher=OAuthRefreshClient(token_endpoint.url))
    token_endpoint.fail_next(failure, failure)
    with pytest.raises(CodexAuthRefreshError) as caught:
        store.get_auth()
    with pytest.raises(CodexAuthRefreshError) as caught_async:
        await store.aget_auth()
    for error in (caught.value, caught_async.value):
        assert error.transient
        assert "codex login" not in str(error)
        assert "sign in again" not in str(error)
        assert f"answered {failure.status}" in str(error)
        assert "try again later" in str(error)
        assert len(str(error)) < 400
    if failure.html == CLOUDFLARE_403:
        assert "Cloudflare" in str(caught.value)
    assert path.read_bytes() == before
    assert store.get_auth().access_token == token_endpoint.issued[0]["access_token"]


class AnyTokenBut(set[str]):
    """The fake backend's ``valid_tokens``: everything but the token it refuses."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused

    def __contains__(self, token: object) -> bool:
        return token != self.refused


def test_a_401_refreshes_once_and_retries(
    token_endpoint: FakeTokenEndpoint, litellm_codex: Any, codex_backend: Any, access_token: str, auth_file: Path
) -> None:
    import litellm

    from tests.fakes.codex_backend import Reply, text_answer

    codex_backend.valid_tokens = AnyTokenBut(access_token)
    codex_backend.enqueue(Reply(events=text_answer("after refresh")))
    response = litellm.completion(model="codex/gpt-5.1-codex", messages=[{"role": "user", "content": "hi"}])
    assert response.choices[0].message.content == "after refresh"
    assert token_endpoint.calls == 1
    new_token = token_endpoint.issued[0]["access_token"]
    sent = [r.headers["authorization"] for r in codex_backend.response_requests]
    assert sent == [f"Bearer {access_token}", f"Bearer {new_token}"]
    assert litellm_codex.cached_token == new_token
    assert litellm_codex.account_id == ACCOUNT_ID
    assert litellm_codex.token_expiry == pytest.approx(time.time() + token_endpoint.lifetime, abs=30)
    assert json.loads(auth_file.read_text())["tokens"]["access_token"] == new_token


async def test_a_login_refused_even_after_its_refresh_is_not_refreshed_again(
    token_endpoint: FakeTokenEndpoint, litellm_codex: Any, codex_backend: Any, access_token: str
) -> None:
    """A persistent 401 (the account lost access) costs one refresh, not one per request."""
    import litellm

    codex_backend.valid_tokens = set()

    async def call(n: int) -> object:
        if n % 2:
            return await litellm.acompletion(model="codex/gpt-5.1-codex", messages=MESSAGES)
        return litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES)

    for n in range(10):
        with pytest.raises(litellm.AuthenticationError) as caught:
            await call(n)
        assert caught.value.status_code == 401
        assert "even right after a refresh" in str(caught.value)
        assert "codex login" in str(caught.value)
    assert token_endpoint.calls == 1
    new_token = token_endpoint.issued[0]["access_token"]
    sent = [r.headers["authorization"] for r in codex_backend.response_requests]
    assert sent == [f"Bearer {access_token}"] + [f"Bearer {new_token}"] * 10


def test_the_provider_surface(litellm_codex: Any, access_token: str) -> None:
    assert litellm_codex.cached_token is None
    assert litellm_codex.get_bearer_token() == access_token
    assert litellm_codex.cached_token == access_token
    assert litellm_codex.account_id == ACCOUNT_ID
    assert litellm_codex.token_expiry == pytest.approx(time.time() + 7 * 24 * 3600, abs=30)


# -- through LiteLLM, auth errors are AuthenticationError (401) with the guidance ---------------------

MESSAGES = [{"role": "user", "content": "hi"}]


def test_a_missing_login_file_through_litellm(litellm_codex: Any, codex_backend: Any, auth_file: Path) -> None:
    import litellm

    auth_file.unlink()
    with pytest.raises(litellm.AuthenticationError) as caught:
        litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES)
    assert caught.value.status_code == 401
    assert "codex login" in str(caught.value)
    assert 'cli_auth_credentials_store = "file"' in str(caught.value)
    assert codex_backend.response_requests == []


async def test_a_spent_refresh_token_through_litellm(
    token_endpoint: FakeTokenEndpoint, litellm_codex: Any, codex_backend: Any, auth_file: Path
) -> None:
    import litellm

    expired_login(auth_file, refresh_token="rt-spent")
    token_endpoint.spent.add("rt-spent")
    with pytest.raises(litellm.AuthenticationError) as caught:
        await litellm.acompletion(model="codex/gpt-5.1-codex", messages=MESSAGES)
    assert caught.value.status_code == 401
    assert "refresh_token_reused" in str(caught.value)
    assert "codex login" in str(caught.value)
    assert codex_backend.response_requests == []


def test_a_corrupt_login_file_through_litellm(litellm_codex: Any, auth_file: Path) -> None:
    import litellm

    auth_file.write_text('{"tokens": {"access_token": ')
    with pytest.raises(litellm.AuthenticationError, match="not valid JSON") as caught:
        list(litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True))
    assert caught.value.status_code == 401
    assert auth_file.read_text() == '{"tokens": {"access_token": '
