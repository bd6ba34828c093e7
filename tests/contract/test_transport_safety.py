"""The httpx transport on its own: TLS stays verified, a silent stream times out, redirects are not followed."""

from __future__ import annotations

import asyncio
import ssl
import time

import httpx
import pytest
from litellm_codex_oauth_provider.adapters.http_transport import HttpxResponsesTransport
from litellm_codex_oauth_provider.domain.errors import CodexAPIError, CodexTimeoutError
from litellm_codex_oauth_provider.domain.ports import AuthContext, ResponsesRequest

from tests.fakes.codex_backend import FakeCodexBackend, Reply, text_answer

AUTH = AuthContext(access_token="tok-transport-test", account_id="acct-1")
BODY = {
    "model": "gpt-5.1-codex",
    "instructions": "x",
    "input": [],
    "store": False,
    "stream": True,
}


def transport(base_url: str, idle: float = 0.5) -> HttpxResponsesTransport:
    return HttpxResponsesTransport(
        base_url=base_url, originator="codex_cli_rs", client_version="0.155.0", timeout=httpx.Timeout(idle, connect=2)
    )


def test_tls_verification_stays_on() -> None:
    http = transport("https://chatgpt.com/backend-api")
    for client in (http.client, asyncio.run(_async_client(http))):
        context = client._transport._pool._ssl_context
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True
        assert client.follow_redirects is False


async def _async_client(http: HttpxResponsesTransport) -> httpx.AsyncClient:
    return http.async_client


def test_the_idle_timeout_fires_on_a_silent_stream_sync(codex_backend: FakeCodexBackend) -> None:
    codex_backend.enqueue(Reply(events=text_answer("never ends"), silent_after=2, silence=10))
    stream = transport(codex_backend.base_url).open(ResponsesRequest(body=BODY, session_id="s"), AUTH)
    started = time.monotonic()
    with pytest.raises(CodexTimeoutError, match="Codex API error 408: the answer stream was silent"):
        for _ in stream.batches():
            pass
    assert 0.4 < time.monotonic() - started < 3


async def test_the_idle_timeout_fires_on_a_silent_stream_async(codex_backend: FakeCodexBackend) -> None:
    codex_backend.enqueue(Reply(events=text_answer("never ends"), silent_after=2, silence=10))
    stream = await transport(codex_backend.base_url).aopen(ResponsesRequest(body=BODY, session_id="s"), AUTH)
    started = time.monotonic()
    with pytest.raises(CodexTimeoutError):
        async for _ in stream.batches():
            pass
    assert 0.4 < time.monotonic() - started < 3


async def test_a_calls_own_shorter_timeout_bounds_the_idle_wait(codex_backend: FakeCodexBackend) -> None:
    codex_backend.enqueue(Reply(events=text_answer("never ends"), silent_after=2, silence=10))
    request = ResponsesRequest(body=BODY, session_id="s", timeout=0.3)
    stream = await transport(codex_backend.base_url, idle=30).aopen(request, AUTH)
    started = time.monotonic()
    with pytest.raises(CodexTimeoutError):
        async for _ in stream.batches():
            pass
    assert time.monotonic() - started < 3


def test_authorization_never_follows_a_redirect_to_another_host(codex_backend: FakeCodexBackend) -> None:
    with FakeCodexBackend() as elsewhere:
        target = elsewhere.base_url.replace("127.0.0.1", "localhost") + "/codex/responses"
        codex_backend.enqueue(Reply(status=308, body="", headers={"location": target}))
        with pytest.raises(CodexAPIError, match="redirect to localhost") as caught:
            transport(codex_backend.base_url).open(ResponsesRequest(body=BODY, session_id="s"), AUTH)
        assert not caught.value.transient
        assert elsewhere.requests == []
    assert len(codex_backend.requests) == 1
    assert "tok-transport-test" not in str(caught.value)
