"""The completion use case: one chat call, streamed or whole, sync or async.

It resolves the instructions and the model's live spec, lets the domain build the
body, opens the stream through the transport (refreshing the login once if the
backend refused it), and feeds every network read to the domain's state machine.
Transient failures are retried while nothing has reached the caller. Sync and
async differ only in the awaited calls.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field

from ..domain.answer import CompletionResult, StreamDelta
from ..domain.errors import CodexAPIError
from ..domain.limits import RateLimitSnapshot
from ..domain.models import ModelSpec
from ..domain.ports import (
    AsyncEventStream,
    EventStream,
    InstructionSource,
    ModelBriefing,
    ModelCatalog,
    ResponsesRequest,
    ResponsesTransport,
    TokenStore,
)
from ..domain.stream import ResponseStreamState
from ..domain.translation import ChatRequest, RequestPlan, plan_request
from .answer_rules import DroppedParamWarnings, StopFilter, cut_at_stop
from .logs import get_logger
from .refused_logins import UNAUTHORIZED, RefusedLogins

logger = get_logger(__name__)


HeadersCallback = Callable[[Mapping[str, str]], None]
"""Told the headers of the answer a call got (success or failure), for that call's own response."""


@dataclass(slots=True)
class _Call:
    """One call across its attempts: retries spent, whether its one refresh is used, the latest state."""

    request: ResponsesRequest
    on_headers: HeadersCallback | None
    attempt: int = 0
    refreshed: bool = False
    state: ResponseStreamState = field(default_factory=ResponseStreamState)


class CompletionService:
    """Runs chat calls against the Codex backend through the ports."""

    def __init__(
        self,
        *,
        tokens: TokenStore,
        instructions: InstructionSource,
        transport: ResponsesTransport,
        codex_mode: bool = True,
        strict_params: bool = False,
        catalog: ModelCatalog | None = None,
        max_retries: int = 2,
        retry_base_delay: float = 0.25,
        max_retry_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        param_warnings: DroppedParamWarnings | None = None,
    ) -> None:
        self.tokens = tokens
        self.instructions = instructions
        self.transport = transport
        self.codex_mode = codex_mode
        self.strict_params = strict_params
        self.catalog = catalog
        """What the account may use today; ``catalog.available_models()`` lists it for a 404's message."""
        # isinstance against a runtime Protocol costs microseconds: decided once, not per request.
        self._briefing = instructions if isinstance(instructions, ModelBriefing) else None
        self.max_retries = max(0, int(max_retries))
        self.retry_base_delay = retry_base_delay
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._asleep = asleep
        self.last_rate_limits: RateLimitSnapshot | None = None
        self.param_warnings = param_warnings or DroppedParamWarnings()
        """The runtime's record of refused parameters already warned about (the container shares one)."""
        self.refused_logins = RefusedLogins()

    # -- building ----------------------------------------------------------------

    def _plan(
        self, chat: ChatRequest, instructions: str | None, spec: ModelSpec | None
    ) -> tuple[ResponsesRequest, RequestPlan]:
        plan = plan_request(chat, instructions=instructions, codex_mode=self.codex_mode, model_spec=spec)
        self.param_warnings.report(plan, strict=self.strict_params)
        for call_id in plan.orphan_call_ids:
            logger.warning("codex_tool_result_without_call", call_id=call_id, sent_as="user_message")
        request = ResponsesRequest(
            body=plan.body,
            session_id=plan.session_id,
            api_base=chat.api_base,
            timeout=chat.timeout,
            deadline=time.monotonic() + chat.timeout if chat.timeout and chat.timeout > 0 else None,
        )
        return request, plan

    def prepare(self, chat: ChatRequest) -> tuple[ResponsesRequest, RequestPlan]:
        """The instructions and the model's live spec, the catalog looked up once for both.

        Without Codex mode the caller's system text is the instructions: no source is asked.
        """
        slug = chat.target.slug
        if self._briefing is not None:
            instructions, spec = self._briefing.brief(slug, self.catalog, instructions=self.codex_mode)
        else:
            instructions = self.instructions.get_instructions(slug) if self.codex_mode else None
            spec = self.catalog.get_model(slug) if self.catalog is not None else None
        return self._plan(chat, instructions, spec)

    async def aprepare(self, chat: ChatRequest) -> tuple[ResponsesRequest, RequestPlan]:
        slug = chat.target.slug
        if self._briefing is not None:
            instructions, spec = await self._briefing.abrief(slug, self.catalog, instructions=self.codex_mode)
        else:
            instructions = await self.instructions.aget_instructions(slug) if self.codex_mode else None
            spec = await self.catalog.aget_model(slug) if self.catalog is not None else None
        return self._plan(chat, instructions, spec)

    # -- opening, with one refresh on 401 ---------------------------------------

    def _open(self, call: _Call) -> EventStream:
        auth = self.tokens.get_auth()
        try:
            return self.transport.open(call.request, auth)
        except CodexAPIError as exc:
            if not self._may_refresh(exc, call, auth.access_token):
                raise
        fresh = self.tokens.force_refresh(auth)
        try:
            return self.transport.open(call.request, fresh)
        except CodexAPIError as exc:
            self._refused_fresh(exc, fresh.access_token)
            raise

    async def _aopen(self, call: _Call) -> AsyncEventStream:
        auth = await self.tokens.aget_auth()
        try:
            return await self.transport.aopen(call.request, auth)
        except CodexAPIError as exc:
            if not self._may_refresh(exc, call, auth.access_token):
                raise
        fresh = await self.tokens.aforce_refresh(auth)
        try:
            return await self.transport.aopen(call.request, fresh)
        except CodexAPIError as exc:
            self._refused_fresh(exc, fresh.access_token)
            raise

    def _may_refresh(self, exc: CodexAPIError, call: _Call, token: str) -> bool:
        """A 401 earns one refresh per call, unless this token was refused right after its own refresh."""
        if exc.status_code != UNAUTHORIZED or call.refreshed:
            return False
        call.refreshed = True
        if self.refused_logins.holds(token):
            raise self.refused_logins.error(exc) from None
        logger.info("codex_backend_refused_token", action="refresh_and_retry")
        return True

    def _refused_fresh(self, exc: CodexAPIError, token: str) -> None:
        if exc.status_code == UNAUTHORIZED:
            self.refused_logins.remember(token)
            raise self.refused_logins.error(exc) from None

    # -- limits and retries --------------------------------------------------------

    def _note_headers(self, headers: Mapping[str, str], call: _Call) -> None:
        snapshot = RateLimitSnapshot.from_headers(headers)
        if snapshot is not None:
            self.last_rate_limits = snapshot
        if call.on_headers is not None:
            call.on_headers(headers)

    def _failed(self, exc: CodexAPIError, call: _Call, *, final: bool) -> float:
        """Seconds to wait before the next attempt; re-raises ``exc`` when this failure is final.

        An in-stream failure carries the answer's headers from where it was raised (the
        state machine and the event streams are given them), so nothing is added here.
        """
        self._note_headers(exc.headers, call)
        if final or not exc.transient or call.attempt >= self.max_retries:
            raise exc
        backoff = self.retry_base_delay * (2.0**call.attempt) * (0.5 + random.random())  # noqa: S311 - jitter
        wait = max(backoff, exc.retry_after or 0.0)
        deadline = call.request.deadline
        if wait > self.max_retry_wait or (deadline is not None and time.monotonic() + wait >= deadline):
            raise exc
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

    def _attempts(self, call: _Call, *, streaming: bool) -> Iterator[StreamDelta]:
        """Every delta of the answer, retrying transient failures; once a streamed delta is out, never."""
        while True:
            call.state, yielded = ResponseStreamState(), False
            try:
                events = self._open(call)
                call.state = ResponseStreamState(events.headers)
                self._note_headers(events.headers, call)
                try:
                    for batch in events.batches():
                        delta = call.state.feed(batch)
                        if delta is not None:
                            yielded = streaming
                            yield delta
                finally:
                    events.close()
                call.state.result()  # raises if the stream ended early
                return
            except CodexAPIError as exc:
                wait = self._failed(exc, call, final=yielded)
            self._sleep(wait)

    async def _aattempts(self, call: _Call, *, streaming: bool) -> AsyncIterator[StreamDelta]:
        while True:
            call.state, yielded = ResponseStreamState(), False
            try:
                events = await self._aopen(call)
                call.state = ResponseStreamState(events.headers)
                self._note_headers(events.headers, call)
                try:
                    async for batch in events.batches():
                        delta = call.state.feed(batch)
                        if delta is not None:
                            yielded = streaming
                            yield delta
                finally:
                    await events.aclose()
                call.state.result()
                return
            except CodexAPIError as exc:
                wait = self._failed(exc, call, final=yielded)
            await self._asleep(wait)

    # -- the four ways to call -----------------------------------------------------

    def stream(self, chat: ChatRequest, *, on_headers: HeadersCallback | None = None) -> Iterator[StreamDelta]:
        """Yield one merged delta per network read; the last one carries finish reason and usage."""
        request, plan = self.prepare(chat)
        stop = StopFilter(plan.stop)
        for delta in self._attempts(_Call(request, on_headers), streaming=True):
            kept = stop.apply(delta)
            if kept is not None:
                yield kept

    async def astream(
        self, chat: ChatRequest, *, on_headers: HeadersCallback | None = None
    ) -> AsyncIterator[StreamDelta]:
        request, plan = await self.aprepare(chat)
        stop = StopFilter(plan.stop)
        async for delta in self._aattempts(_Call(request, on_headers), streaming=True):
            kept = stop.apply(delta)
            if kept is not None:
                yield kept

    def complete(self, chat: ChatRequest, *, on_headers: HeadersCallback | None = None) -> CompletionResult:
        request, plan = self.prepare(chat)
        call = _Call(request, on_headers)
        for _ in self._attempts(call, streaming=False):
            pass
        return cut_at_stop(call.state.result(), plan.stop)

    async def acomplete(self, chat: ChatRequest, *, on_headers: HeadersCallback | None = None) -> CompletionResult:
        request, plan = await self.aprepare(chat)
        call = _Call(request, on_headers)
        async for _ in self._aattempts(call, streaming=False):
            pass
        return cut_at_stop(call.state.result(), plan.stop)
