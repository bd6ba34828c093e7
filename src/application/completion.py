"""The completion use case: one chat call, streamed or whole, sync or async.

It resolves the instructions, lets the domain build the body, opens the stream
through the transport (refreshing the login once if the backend refused it,
before anything reached the caller), and feeds every network read to the
domain's state machine. Sync and async differ only in the awaited calls.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass

import structlog

from ..domain.errors import CodexAPIError
from ..domain.limits import RateLimitSnapshot
from ..domain.models import normalize_model
from ..domain.ports import (
    AsyncEventStream,
    AuthContext,
    EventStream,
    InstructionSource,
    ResponsesRequest,
    ResponsesTransport,
    TokenStore,
)
from ..domain.stream import CompletionResult, ResponseStreamState, StreamDelta
from ..domain.translation import ChatRequest, build_request_body

logger = structlog.get_logger(__name__)

_UNAUTHORIZED = 401

HeadersCallback = Callable[[Mapping[str, str]], None]
"""Told the headers of the answer a call got (success or failure), for that call's own response."""


@dataclass(slots=True)
class _Call:
    """What one call has spent: retries so far, and whether its one refresh is used."""

    attempt: int = 0
    refreshed: bool = False


class CompletionService:
    """Runs chat calls against the Codex backend through the three ports.

    Transient failures (connection errors, 502/503/504, overload) are retried up to
    ``max_retries`` times with jittered exponential backoff that honours the
    backend's ``Retry-After``, but only while nothing has reached the caller: never
    after a delta was yielded, never a usage limit. ``last_rate_limits`` keeps the
    latest ``x-codex-*`` snapshot for status displays.
    """

    def __init__(
        self,
        *,
        tokens: TokenStore,
        instructions: InstructionSource,
        transport: ResponsesTransport,
        codex_mode: bool = True,
        max_retries: int = 2,
        retry_base_delay: float = 0.25,
        max_retry_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.tokens = tokens
        self.instructions = instructions
        self.transport = transport
        self.codex_mode = codex_mode
        self.max_retries = max(0, int(max_retries))
        self.retry_base_delay = retry_base_delay
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._asleep = asleep
        self.last_rate_limits: RateLimitSnapshot | None = None

    # -- building ----------------------------------------------------------------

    def _request(self, chat: ChatRequest, instructions: str | None) -> ResponsesRequest:
        body, session_id = build_request_body(chat, instructions=instructions, codex_mode=self.codex_mode)
        return ResponsesRequest(body=body, session_id=session_id, api_base=chat.api_base, timeout=chat.timeout)

    def prepare(self, chat: ChatRequest) -> ResponsesRequest:
        return self._request(chat, self.instructions.get_instructions(self._slug(chat)))

    async def aprepare(self, chat: ChatRequest) -> ResponsesRequest:
        return self._request(chat, await self.instructions.aget_instructions(self._slug(chat)))

    @staticmethod
    def _slug(chat: ChatRequest) -> str:
        return normalize_model(chat.model)

    # -- opening, with one refresh on 401 ---------------------------------------

    def _open(self, request: ResponsesRequest, call: _Call) -> EventStream:
        auth = self.tokens.get_auth()
        try:
            return self.transport.open(request, auth)
        except CodexAPIError as exc:
            if exc.status_code != _UNAUTHORIZED or call.refreshed:
                raise
            call.refreshed = True
            return self.transport.open(request, self._refresh_after_401(auth))

    async def _aopen(self, request: ResponsesRequest, call: _Call) -> AsyncEventStream:
        auth = await self.tokens.aget_auth()
        try:
            return await self.transport.aopen(request, auth)
        except CodexAPIError as exc:
            if exc.status_code != _UNAUTHORIZED or call.refreshed:
                raise
            call.refreshed = True
            logger.info("codex_backend_refused_token", action="refresh_and_retry")
            return await self.transport.aopen(request, await self.tokens.aforce_refresh(auth))

    def _refresh_after_401(self, auth: AuthContext) -> AuthContext:
        logger.info("codex_backend_refused_token", action="refresh_and_retry")
        return self.tokens.force_refresh(auth)

    # -- limits and retries --------------------------------------------------------

    def _note_headers(self, headers: Mapping[str, str], on_headers: HeadersCallback | None) -> None:
        snapshot = RateLimitSnapshot.from_headers(headers)
        if snapshot is not None:
            self.last_rate_limits = snapshot
        if on_headers is not None:
            on_headers(headers)

    def _add_answer_context(self, exc: CodexAPIError, events: EventStream | AsyncEventStream | None) -> None:
        """Give an in-stream failure the answer's request id and limit headers."""
        if events is not None:
            headers = events.headers
            if not exc.headers:
                exc.headers = {k.lower(): v for k, v in headers.items()}
            exc.request_id = exc.request_id or headers.get("x-request-id") or headers.get("x-oai-request-id")

    def _retry_wait(self, exc: CodexAPIError, call: _Call) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` when this failure is final."""
        if not exc.transient or call.attempt >= self.max_retries:
            return None
        backoff = self.retry_base_delay * (2.0**call.attempt) * (0.5 + random.random())  # noqa: S311 - jitter
        wait = max(backoff, exc.retry_after or 0.0)
        if wait > self.max_retry_wait:
            return None
        call.attempt += 1
        logger.warning(
            "codex_request_retry",
            attempt=call.attempt,
            max_retries=self.max_retries,
            status_code=exc.status_code,
            code=exc.code,
            wait_seconds=round(wait, 3),
            request_id=exc.request_id,
        )
        return wait

    # -- streaming ---------------------------------------------------------------

    def stream(self, chat: ChatRequest, *, on_headers: HeadersCallback | None = None) -> Iterator[StreamDelta]:
        """Yield one merged delta per network read; the last one carries finish reason and usage."""
        request, call = self.prepare(chat), _Call()
        while True:
            state, events, yielded = ResponseStreamState(), None, False
            try:
                events = self._open(request, call)
                self._note_headers(events.headers, on_headers)
                try:
                    for batch in events.batches():
                        delta = state.feed(batch)
                        if delta is not None:
                            yielded = True
                            yield delta
                finally:
                    events.close()
                state.result()  # raises if the stream ended early
                return
            except CodexAPIError as exc:
                self._add_answer_context(exc, events)
                self._note_headers(exc.headers, on_headers)
                wait = None if yielded else self._retry_wait(exc, call)
                if wait is None:
                    raise
            self._sleep(wait)

    async def astream(
        self, chat: ChatRequest, *, on_headers: HeadersCallback | None = None
    ) -> AsyncIterator[StreamDelta]:
        request, call = await self.aprepare(chat), _Call()
        while True:
            state, events, yielded = ResponseStreamState(), None, False
            try:
                events = await self._aopen(request, call)
                self._note_headers(events.headers, on_headers)
                try:
                    async for batch in events.batches():
                        delta = state.feed(batch)
                        if delta is not None:
                            yielded = True
                            yield delta
                finally:
                    await events.aclose()
                state.result()
                return
            except CodexAPIError as exc:
                self._add_answer_context(exc, events)
                self._note_headers(exc.headers, on_headers)
                wait = None if yielded else self._retry_wait(exc, call)
                if wait is None:
                    raise
            await self._asleep(wait)

    def complete(self, chat: ChatRequest, *, on_headers: HeadersCallback | None = None) -> CompletionResult:
        request, call = self.prepare(chat), _Call()
        while True:
            state, events = ResponseStreamState(), None
            try:
                events = self._open(request, call)
                self._note_headers(events.headers, on_headers)
                try:
                    for batch in events.batches():
                        state.feed(batch)
                finally:
                    events.close()
                return state.result()
            except CodexAPIError as exc:
                self._add_answer_context(exc, events)
                self._note_headers(exc.headers, on_headers)
                wait = self._retry_wait(exc, call)
                if wait is None:
                    raise
            self._sleep(wait)

    async def acomplete(self, chat: ChatRequest, *, on_headers: HeadersCallback | None = None) -> CompletionResult:
        request, call = await self.aprepare(chat), _Call()
        while True:
            state, events = ResponseStreamState(), None
            try:
                events = await self._aopen(request, call)
                self._note_headers(events.headers, on_headers)
                try:
                    async for batch in events.batches():
                        state.feed(batch)
                finally:
                    await events.aclose()
                return state.result()
            except CodexAPIError as exc:
                self._add_answer_context(exc, events)
                self._note_headers(exc.headers, on_headers)
                wait = self._retry_wait(exc, call)
                if wait is None:
                    raise
            await self._asleep(wait)
