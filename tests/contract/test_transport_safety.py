"""The transport on its own: TLS verified, silence times out, no redirects, both clients failing alike."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time

import httpx
import pytest
from litellm_codex_oauth_provider.adapters.http_transport import HttpxResponsesTransport
from litellm_codex_oauth_provider.domain.errors import CodexAPIError, CodexConnectionError, CodexTimeoutError
from litellm_codex_oauth_provider.domain.ports import AuthContext, ResponsesRequest

from tests.fakes.codex_backend import FakeCodexBackend, Reply, text_answer
from tests.fakes.raw_http import RawHTTPServer

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
    sync_context = http.client._transport._pool._ssl_context  # type: ignore[attr-defined]
    async_client = asyncio.run(http.async_client())
    async_context = async_client._transport.ssl_context  # type: ignore[attr-defined]  # httpx-aiohttp's
    for context in (sync_context, async_context):
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True
    assert http.client.follow_redirects is False
    assert async_client.follow_redirects is False


def test_a_loops_client_is_closed_when_the_loop_shuts_down(codex_backend: FakeCodexBackend) -> None:
    """``asyncio.run`` per call (a script's habit) leaves no unclosed aiohttp session behind."""
    http = transport(codex_backend.base_url)

    async def one_answer() -> httpx.AsyncClient:
        stream = await http.aopen(ResponsesRequest(body=BODY, session_id="s"), AUTH)
        try:
            events = [event async for batch in stream.batches() for event in batch]
        finally:
            await stream.aclose()
        assert events[-1]["type"] == "response.completed"
        return await http.async_client()

    clients = [asyncio.run(one_answer()) for _ in range(3)]
    assert len({id(client) for client in clients}) == 3
    for client in clients:
        assert client.is_closed
        assert client._transport.client.closed  # type: ignore[attr-defined]  # the aiohttp session
    assert len(http._async_clients) == 0


async def test_one_client_serves_every_call_on_a_loop() -> None:
    http = transport("http://127.0.0.1:9/backend-api")
    first, second = await http.async_client(), await http.async_client()
    assert first is second and not first.is_closed


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
    try:
        with pytest.raises(CodexTimeoutError, match="Codex API error 408: the answer stream was silent"):
            async for _ in stream.batches():
                pass
    finally:
        await stream.aclose()
    assert 0.4 < time.monotonic() - started < 3


async def test_a_calls_own_shorter_timeout_bounds_the_idle_wait(codex_backend: FakeCodexBackend) -> None:
    codex_backend.enqueue(Reply(events=text_answer("never ends"), silent_after=2, silence=10))
    request = ResponsesRequest(body=BODY, session_id="s", timeout=0.3)
    stream = await transport(codex_backend.base_url, idle=30).aopen(request, AUTH)
    started = time.monotonic()
    try:
        with pytest.raises(CodexTimeoutError):
            async for _ in stream.batches():
                pass
    finally:
        await stream.aclose()
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_authorization_never_follows_a_redirect_to_another_host(
    codex_backend: FakeCodexBackend, use_async: bool
) -> None:
    with FakeCodexBackend() as elsewhere:
        target = elsewhere.base_url.replace("127.0.0.1", "localhost") + "/codex/responses"
        codex_backend.enqueue(Reply(status=308, body="", headers={"location": target}))
        with pytest.raises(CodexAPIError, match="redirect to localhost") as caught:
            _read_all(
                ResponsesRequest(body=BODY, session_id="s"), transport(codex_backend.base_url), use_async=use_async
            )
        assert not caught.value.transient
        assert elsewhere.requests == []
    assert len(codex_backend.requests) == 1
    assert "tok-transport-test" not in str(caught.value)


async def _read_all_async(request: ResponsesRequest, http: HttpxResponsesTransport) -> None:
    stream = await http.aopen(request, AUTH)
    try:
        async for _ in stream.batches():
            pass
    finally:
        await stream.aclose()


def _read_all(request: ResponsesRequest, http: HttpxResponsesTransport, *, use_async: bool) -> None:
    if use_async:
        asyncio.run(_read_all_async(request, http))
        return
    stream = http.open(request, AUTH)
    try:
        for _ in stream.batches():
            pass
    finally:
        stream.close()


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_both_network_layers_name_a_dropped_stream_alike(codex_backend: FakeCodexBackend, use_async: bool) -> None:
    """The sync client is httpx's own, the async one httpx over aiohttp: their failures read the same."""
    codex_backend.enqueue(Reply(events=text_answer("never whole"), drop_after=3))
    with pytest.raises(CodexAPIError) as caught:
        _read_all(ResponsesRequest(body=BODY, session_id="s"), transport(codex_backend.base_url), use_async=use_async)
    assert caught.value.status_code == 502
    assert "the answer stream closed before response.completed" in str(caught.value)
    assert caught.value.transient


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_both_network_layers_name_an_unreachable_backend_alike(use_async: bool) -> None:
    with pytest.raises(CodexAPIError) as caught:
        _read_all(ResponsesRequest(body=BODY, session_id="s"), transport("http://127.0.0.1:9/x"), use_async=use_async)
    assert "cannot reach the Codex backend" in str(caught.value)
    assert caught.value.transient


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_both_clients_honour_the_proxy_environment(monkeypatch: pytest.MonkeyPatch, use_async: bool) -> None:
    """A corporate network's ``HTTPS_PROXY``/``HTTP_PROXY`` carries the request, as with any httpx client."""
    refusing = b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    with RawHTTPServer(refusing) as proxy:  # notes each request line and answers 502: enough to see it used
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with pytest.raises(CodexAPIError) as caught:
            _read_all(
                ResponsesRequest(body=BODY, session_id="s"),
                transport("http://codex.invalid/backend-api"),
                use_async=use_async,
            )
    assert caught.value.status_code == 502
    assert proxy.request_lines == ["POST http://codex.invalid/backend-api/codex/responses HTTP/1.1"]


@pytest.mark.parametrize(("setting", "client_class"), [(None, "HttpxAiohttpClient"), ("httpx", "AsyncClient")])
def test_codex_async_http_chooses_the_async_network_layer(
    codex_backend: FakeCodexBackend, monkeypatch: pytest.MonkeyPatch, setting: str | None, client_class: str
) -> None:
    """``CODEX_ASYNC_HTTP=httpx`` is the way back to httpx's own network layer; both answer alike."""
    from litellm_codex_oauth_provider.entrypoints.container import Container

    if setting:
        monkeypatch.setenv("CODEX_ASYNC_HTTP", setting)
    http = Container().http_transport()

    async def answer() -> tuple[str, list[str]]:
        stream = await http.aopen(ResponsesRequest(body=BODY, session_id="s", api_base=codex_backend.base_url), AUTH)
        try:
            types = [event["type"] async for batch in stream.batches() for event in batch]
        finally:
            await stream.aclose()
        return type(await http.async_client()).__name__, types

    used, types = asyncio.run(answer())
    assert used == client_class
    assert types[0] == "response.created" and types[-1] == "response.completed"


_SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
_NO_VALID_ANSWER = "no valid answer from the Codex backend"
_CLOSED_EARLY = "the answer stream closed before response.completed"
BROKEN_HTTP = [
    pytest.param(b"HTTP/1.1 2OO OK\r\ncontent-length: 0\r\n\r\n", (_NO_VALID_ANSWER,), id="bad-status-line"),
    pytest.param(b"SSH-2.0-OpenSSH_9.6\r\n", (_NO_VALID_ANSWER,), id="not-http"),
    # aiohttp finds the bad framing while opening the answer, httpx while reading it.
    pytest.param(_SSE_HEAD + b"zz\r\nnot a chunk\r\n", (_NO_VALID_ANSWER, _CLOSED_EARLY), id="broken-chunks"),
]


def _assert_clean_502(error: CodexConnectionError, says: tuple[str, ...]) -> None:
    text = str(error)
    assert any(phrase in text for phrase in says), text
    assert error.status_code == 502 and error.transient
    assert not any(word in text for word in ("Traceback", "message=", "aiohttp", "Timeout", "tok-transport-test"))


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(("answer", "says"), BROKEN_HTTP)
def test_broken_http_is_one_typed_transient_error_on_both_layers(
    use_async: bool, answer: bytes, says: tuple[str, ...]
) -> None:
    """Not aiohttp's parser text, not a traceback: the same CodexConnectionError from either network layer."""
    with RawHTTPServer(answer) as server, pytest.raises(CodexConnectionError) as caught:
        _read_all(ResponsesRequest(body=BODY, session_id="s"), transport(server.base_url), use_async=use_async)
    _assert_clean_502(caught.value, says)


def test_too_many_headers_is_a_typed_error_on_the_async_layer() -> None:
    """aiohttp refuses an oversized header block (httpx reads it); either way nothing untyped escapes."""
    filler = b"".join(b"x-filler-%d: %s\r\n" % (i, b"y" * 100) for i in range(1000))
    answer = b"HTTP/1.1 200 OK\r\n" + filler + b"content-length: 0\r\n\r\n"
    with RawHTTPServer(answer) as server, pytest.raises(CodexConnectionError) as caught:
        _read_all(ResponsesRequest(body=BODY, session_id="s"), transport(server.base_url), use_async=True)
    _assert_clean_502(caught.value, (_NO_VALID_ANSWER,))


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_a_refused_connection_reads_as_unreachable_not_as_a_timeout(use_async: bool) -> None:
    with socket.socket() as held:  # bound, never listening: a connection here is refused
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}/x"
        with pytest.raises(CodexConnectionError) as caught:
            _read_all(ResponsesRequest(body=BODY, session_id="s"), transport(url), use_async=use_async)
    assert str(caught.value).startswith("Codex API error 503: cannot reach the Codex backend")
    assert "Timeout" not in str(caught.value) and not isinstance(caught.value, CodexTimeoutError)
