"""``HttpxResponsesTransport``: the Responses request over httpx, its answer as SSE event batches."""

from __future__ import annotations

import asyncio
import json
import platform
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from ..domain.errors import CodexStreamError, api_error_from_http
from ..domain.ports import AuthContext, RawEvent, ResponsesRequest
from ..domain.sse import SSEDecoder

RESPONSES_PATH = "/codex/responses"
DEFAULT_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=20)
"""HTTP/1.1 carries one stream per connection: httpx's default cap of 100 connections would
queue a proxy's 101st concurrent stream. The idle pool stays at httpx's 20: httpcore checks
every pooled connection on every request and every close, and with 100 idle connections
kept the benchmark's 100 concurrent streams spent four times as long in ``send``."""


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


class HttpxEventStream:
    """An open sync answer stream."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    def batches(self) -> Iterator[list[RawEvent]]:
        decoder = SSEDecoder()
        try:
            for chunk in self._response.iter_bytes():
                events = decoder.feed(chunk)
                if events:
                    yield events
        except httpx.TimeoutException as exc:
            raise CodexStreamError(408, f"the answer stream went silent ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise CodexStreamError(502, f"the answer stream broke ({type(exc).__name__})") from None
        rest = decoder.flush()
        if rest:
            yield rest

    def close(self) -> None:
        self._response.close()


class HttpxAsyncEventStream:
    """An open async answer stream."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    async def batches(self) -> AsyncIterator[list[RawEvent]]:
        decoder = SSEDecoder()
        try:
            async for chunk in self._response.aiter_bytes():
                events = decoder.feed(chunk)
                if events:
                    yield events
        except httpx.TimeoutException as exc:
            raise CodexStreamError(408, f"the answer stream went silent ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise CodexStreamError(502, f"the answer stream broke ({type(exc).__name__})") from None
        rest = decoder.flush()
        if rest:
            yield rest

    async def aclose(self) -> None:
        await self._response.aclose()


class HttpxResponsesTransport:
    """Sends Responses requests with one sync client and one async client per event loop.

    An ``httpx.AsyncClient``'s connections belong to the loop that opened them, and
    LiteLLM users run several loops in one process (``asyncio.run`` per call, the
    proxy's own loop), so the async client is kept per loop.
    """

    def __init__(
        self,
        *,
        base_url: str,
        originator: str,
        client_version: str,
        timeout: httpx.Timeout,
        user_agent_suffix: str = "",
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._limits = limits
        self._static_headers = {
            "accept": "text/event-stream",
            "content-type": "application/json",
            "originator": originator,
            "version": client_version,
            "user-agent": (
                f"{originator}/{client_version} ({platform.system()} {platform.release()}; "
                f"{platform.machine()}){user_agent_suffix}"
            ),
        }
        self._client: httpx.Client | None = None
        self._async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    # -- clients -------------------------------------------------------------

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self._timeout, limits=self._limits, follow_redirects=False)
        return self._client

    @property
    def async_client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            client = httpx.AsyncClient(timeout=self._timeout, limits=self._limits, follow_redirects=False)
            self._async_clients[loop] = client
        return client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- requests -------------------------------------------------------------

    def _build(
        self, client: httpx.Client | httpx.AsyncClient, request: ResponsesRequest, auth: AuthContext
    ) -> httpx.Request:
        headers = {
            **self._static_headers,
            "authorization": f"Bearer {auth.access_token}",
            "chatgpt-account-id": auth.account_id,
            "session-id": request.session_id,
            "thread-id": request.session_id,
            "x-client-request-id": request.session_id,
        }
        base = (request.api_base or self.base_url).rstrip("/")
        timeout = (
            httpx.Timeout(request.timeout, connect=self._timeout.connect)
            if request.timeout
            else httpx.USE_CLIENT_DEFAULT
        )
        return client.build_request(
            "POST",
            base + RESPONSES_PATH,
            headers=headers,
            content=json.dumps(request.body, separators=(",", ":")).encode(),
            timeout=timeout,
        )

    def open(self, request: ResponsesRequest, auth: AuthContext) -> HttpxEventStream:
        client = self.client
        try:
            response = client.send(self._build(client, request, auth), stream=True)
        except httpx.TimeoutException as exc:
            raise CodexStreamError(408, f"the backend did not answer in time ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise CodexStreamError(503, f"cannot reach the Codex backend ({type(exc).__name__})") from None
        if response.status_code >= 400:
            try:
                body = _json_or_text(response.read())
            finally:
                response.close()
            raise api_error_from_http(response.status_code, body, response.headers)
        return HttpxEventStream(response)

    async def aopen(self, request: ResponsesRequest, auth: AuthContext) -> HttpxAsyncEventStream:
        client = self.async_client
        try:
            response = await client.send(self._build(client, request, auth), stream=True)
        except httpx.TimeoutException as exc:
            raise CodexStreamError(408, f"the backend did not answer in time ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise CodexStreamError(503, f"cannot reach the Codex backend ({type(exc).__name__})") from None
        if response.status_code >= 400:
            try:
                body = _json_or_text(await response.aread())
            finally:
                await response.aclose()
            raise api_error_from_http(response.status_code, body, response.headers)
        return HttpxAsyncEventStream(response)
