"""``HttpxResponsesTransport``: the Responses request over httpx, its answer as SSE event batches."""

from __future__ import annotations

import json
import time
from typing import Any, Literal

import httpx
from httpx_aiohttp import HttpxAiohttpClient

from ..domain.answer_headers import lowered, request_id_of
from ..domain.backend_errors import api_error_from_http
from ..domain.constants import CHATGPT_ACCOUNT_HEADER, CODEX_RESPONSES_ENDPOINT
from ..domain.errors import (
    CodexAPIError,
    CodexAPIStatusError,
    CodexConnectionError,
    CodexStreamError,
    CodexTimeoutError,
)
from ..domain.ports import AuthContext, ResponsesRequest
from .client_identity import user_agent
from .http_event_streams import HttpxAsyncEventStream, HttpxEventStream, public_url
from .lazy_client import LazyClient
from .loop_resources import PerLoop
from .network_errors import NETWORK_ERRORS, Failure, classify

DEFAULT_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=20)
"""HTTP/1.1 carries one stream per connection: httpx's default cap of 100 connections would
queue a proxy's 101st concurrent stream. The idle pool of the sync client stays at httpx's 20:
httpcore checks every pooled connection on every request and every close."""


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def responses_url(base_url: str) -> str:
    """The public address of the Responses endpoint under ``base_url`` (no credentials, no query)."""
    return public_url(httpx.URL(base_url.rstrip("/") + CODEX_RESPONSES_ENDPOINT))


def _open_failure(exc: BaseException, request: httpx.Request) -> CodexStreamError:
    """A network failure before the backend answered: connecting is transient, a silent backend is not.

    Raised ``from None``: httpx's error holds the request, and with it the Authorization header.
    """
    url = public_url(request.url)
    failure = classify(exc)
    if failure is Failure.UNREACHABLE:
        return CodexConnectionError("cannot reach the Codex backend", url=url)
    if failure is Failure.SILENT:
        return CodexTimeoutError("the Codex backend did not answer in time", url=url)
    return CodexConnectionError(
        "no valid answer from the Codex backend (the connection broke, or what came back was not HTTP)",
        status_code=502,
        url=url,
    )


def _redirect_error(response: httpx.Response) -> CodexAPIError:
    """Redirects are never followed: the Authorization header must not reach another host."""
    target = httpx.URL(response.headers.get("location", "")).host or "the same host"
    return CodexAPIStatusError(
        502,
        f"the backend answered {response.status_code} (a redirect to {target}); redirects are not followed",
        headers=lowered(response.headers),
        request_id=request_id_of(response.headers),
        transient=False,
        url=public_url(response.request.url),
    )


class HttpxResponsesTransport:
    """Sends Responses requests with one sync client and one async client per event loop.

    The async client is httpx over aiohttp's network layer (``httpx-aiohttp``, the
    backend openai-python offers too): the same httpx requests, timeouts and errors,
    at about half the CPU per network read of httpx's own, which is what a proxy
    streaming hundreds of answers at once spends its time on (``make bench``).
    ``async_network="httpx"`` (``CODEX_ASYNC_HTTP=httpx``) keeps httpx's own.

    The async client is kept per event loop (``PerLoop``) and closed when its loop shuts down.
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
        async_network: Literal["aiohttp", "httpx"] = "aiohttp",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        async_client_class = HttpxAiohttpClient if async_network == "aiohttp" else httpx.AsyncClient
        self._static_headers = {
            "accept": "text/event-stream",
            "content-type": "application/json",
            "originator": originator,
            "version": client_version,
            "user-agent": user_agent(originator, client_version, user_agent_suffix),
        }
        self._client = LazyClient(timeout=timeout, limits=limits, follow_redirects=False, verify=True)
        self._async_clients: PerLoop[httpx.AsyncClient] = PerLoop(
            lambda: async_client_class(timeout=timeout, limits=limits, follow_redirects=False, verify=True),
            lambda client: client.aclose(),
        )

    # -- clients -------------------------------------------------------------

    @property
    def client(self) -> httpx.Client:
        return self._client.get()

    async def async_client(self) -> httpx.AsyncClient:
        """The running loop's client, made on its first request there and closed when the loop shuts down."""
        return await self._async_clients.get()

    def close(self) -> None:
        self._client.close()

    # -- requests -------------------------------------------------------------

    def _build(
        self, client: httpx.Client | httpx.AsyncClient, request: ResponsesRequest, auth: AuthContext
    ) -> httpx.Request:
        headers = {
            **self._static_headers,
            "authorization": f"Bearer {auth.access_token}",
            CHATGPT_ACCOUNT_HEADER: auth.account_id,
            "session-id": request.session_id,
            "thread-id": request.session_id,
            "x-client-request-id": request.session_id,
        }
        base = (request.api_base or self.base_url).rstrip("/")
        return client.build_request(
            "POST",
            base + CODEX_RESPONSES_ENDPOINT,
            headers=headers,
            content=json.dumps(request.body, separators=(",", ":")).encode(),
            timeout=self._timeout_for(request),
        )

    def _timeout_for(self, request: ResponsesRequest) -> httpx.Timeout:
        """The idle timeout bounds every read; a call's own (shorter) timeout bounds it further.

        httpx's read timeout is exactly "no byte for this long", which is what an idle
        timeout on a stream means: a silent backend cannot hang a call.
        """
        idle, connect = self._timeout.read, self._timeout.connect
        if request.timeout and request.timeout > 0:
            idle = min(idle, request.timeout) if idle else request.timeout
        if request.deadline is not None:
            left = max(request.deadline - time.monotonic(), 0.001)
            idle = min(idle, left) if idle else left
            connect = min(connect, left) if connect else left
        return httpx.Timeout(idle, connect=connect)

    def _check(self, response: httpx.Response, raw_body: bytes | None) -> None:
        if raw_body is not None:
            url = public_url(response.request.url)
            raise api_error_from_http(response.status_code, _json_or_text(raw_body), response.headers, url=url)
        if response.is_redirect or 300 <= response.status_code < 400:
            raise _redirect_error(response)

    def open(self, request: ResponsesRequest, auth: AuthContext) -> HttpxEventStream:
        client = self.client
        sent = self._build(client, request, auth)
        try:
            response = client.send(sent, stream=True)
        except NETWORK_ERRORS as exc:
            raise _open_failure(exc, sent) from None
        if response.status_code >= 300:
            raw: bytes | None = None
            try:
                raw = response.read() if response.status_code >= 400 else None
            except NETWORK_ERRORS:
                raw = b""
            finally:
                response.close()
            self._check(response, raw)
        return HttpxEventStream(response, request.deadline)

    async def aopen(self, request: ResponsesRequest, auth: AuthContext) -> HttpxAsyncEventStream:
        client = await self.async_client()
        sent = self._build(client, request, auth)
        try:
            response = await client.send(sent, stream=True)
        except NETWORK_ERRORS as exc:
            raise _open_failure(exc, sent) from None
        if response.status_code >= 300:
            raw: bytes | None = None
            try:
                raw = await response.aread() if response.status_code >= 400 else None
            except NETWORK_ERRORS:
                raw = b""
            finally:
                await response.aclose()
            self._check(response, raw)
        return HttpxAsyncEventStream(response, request.deadline)
