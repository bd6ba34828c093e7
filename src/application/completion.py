"""The completion use case: one chat call, streamed or whole, sync or async.

It resolves the instructions, lets the domain build the body, opens the stream
through the transport (refreshing the login once if the backend refused it,
before anything reached the caller), and feeds every network read to the
domain's state machine. Sync and async differ only in the awaited calls.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import AsyncIterator, Iterator

import structlog

from ..domain.errors import CodexAPIError, CodexRequestError
from ..domain.models import ModelSpec, normalize_model
from ..domain.params import StopCutter
from ..domain.ports import (
    AsyncEventStream,
    AuthContext,
    EventStream,
    InstructionSource,
    ModelCatalog,
    ResponsesRequest,
    ResponsesTransport,
    TokenStore,
)
from ..domain.stream import CompletionResult, ResponseStreamState, StreamDelta
from ..domain.translation import ChatRequest, RequestPlan, plan_request

logger = structlog.get_logger(__name__)

_UNAUTHORIZED = 401

_warned_params: set[str] = set()
_warned_lock = threading.Lock()


def _report_dropped(plan: RequestPlan, *, strict: bool) -> None:
    """Refuse the parameters the backend cannot take (strict), or warn once per parameter per process."""
    if not plan.dropped_params:
        return
    if strict:
        names = ", ".join(plan.dropped_params)
        raise CodexRequestError(
            f"the Codex backend does not support these parameters: {names}; "
            "remove them, or unset CODEX_STRICT_PARAMS to have them dropped with a warning"
        )
    with _warned_lock:
        fresh = [name for name in plan.dropped_params if name not in _warned_params]
        _warned_params.update(fresh)
    for name in fresh:
        logger.warning("codex_parameter_not_sent", parameter=name, reason="unsupported_by_codex_backend")


class _StopFilter:
    """Applies the caller's ``stop`` to streamed deltas: cut text, finish reason ``stop``."""

    def __init__(self, stops: tuple[str, ...]) -> None:
        self._cutter = StopCutter(stops)

    def apply(self, delta: StreamDelta) -> StreamDelta | None:
        if not self._cutter.active:
            return delta
        delta.text = self._cutter.feed(delta.text)
        if delta.finish_reason is not None:
            delta.text += self._cutter.finish()
            if self._cutter.stopped:
                delta.finish_reason = "stop"
        if delta.has_content or delta.finish_reason is not None:
            return delta
        return None


def _cut(result: CompletionResult, stops: tuple[str, ...]) -> CompletionResult:
    if not stops:
        return result
    text, stopped = StopCutter.cut(result.text, stops)
    return dataclasses.replace(result, text=text, finish_reason="stop") if stopped else result


class CompletionService:
    """Runs chat calls against the Codex backend through the three ports."""

    def __init__(
        self,
        *,
        tokens: TokenStore,
        instructions: InstructionSource,
        transport: ResponsesTransport,
        codex_mode: bool = True,
        strict_params: bool = False,
        catalog: ModelCatalog | None = None,
    ) -> None:
        self.tokens = tokens
        self.instructions = instructions
        self.transport = transport
        self.codex_mode = codex_mode
        self.strict_params = strict_params
        self.catalog = catalog
        """What the account may use today; ``catalog.available_models()`` lists it for a 404's message."""

    # -- building ----------------------------------------------------------------

    def _plan(
        self, chat: ChatRequest, instructions: str | None, spec: ModelSpec | None
    ) -> tuple[ResponsesRequest, RequestPlan]:
        plan = plan_request(chat, instructions=instructions, codex_mode=self.codex_mode, model_spec=spec)
        _report_dropped(plan, strict=self.strict_params)
        for call_id in plan.orphan_call_ids:
            logger.warning("codex_tool_result_without_call", call_id=call_id, sent_as="user_message")
        request = ResponsesRequest(
            body=plan.body, session_id=plan.session_id, api_base=chat.api_base, timeout=chat.timeout
        )
        return request, plan

    def prepare(self, chat: ChatRequest) -> tuple[ResponsesRequest, RequestPlan]:
        """Instructions first: the catalog fetch they start is the one ``get_model`` then finds done.

        Without Codex mode the caller's system text is the instructions: no source is asked.
        """
        slug = self._slug(chat)
        instructions = self.instructions.get_instructions(slug) if self.codex_mode else None
        spec = self.catalog.get_model(slug) if self.catalog is not None else None
        return self._plan(chat, instructions, spec)

    async def aprepare(self, chat: ChatRequest) -> tuple[ResponsesRequest, RequestPlan]:
        slug = self._slug(chat)
        instructions = await self.instructions.aget_instructions(slug) if self.codex_mode else None
        spec = await self.catalog.aget_model(slug) if self.catalog is not None else None
        return self._plan(chat, instructions, spec)

    @staticmethod
    def _slug(chat: ChatRequest) -> str:
        return normalize_model(chat.model)

    # -- opening, with one refresh on 401 ---------------------------------------

    def _open(self, request: ResponsesRequest) -> EventStream:
        auth = self.tokens.get_auth()
        try:
            return self.transport.open(request, auth)
        except CodexAPIError as exc:
            if exc.status_code != _UNAUTHORIZED:
                raise
            return self.transport.open(request, self._refresh_after_401(auth))

    async def _aopen(self, request: ResponsesRequest) -> AsyncEventStream:
        auth = await self.tokens.aget_auth()
        try:
            return await self.transport.aopen(request, auth)
        except CodexAPIError as exc:
            if exc.status_code != _UNAUTHORIZED:
                raise
            logger.info("codex_backend_refused_token", action="refresh_and_retry")
            return await self.transport.aopen(request, await self.tokens.aforce_refresh(auth))

    def _refresh_after_401(self, auth: AuthContext) -> AuthContext:
        logger.info("codex_backend_refused_token", action="refresh_and_retry")
        return self.tokens.force_refresh(auth)

    # -- streaming ---------------------------------------------------------------

    def stream(self, chat: ChatRequest) -> Iterator[StreamDelta]:
        """Yield one merged delta per network read; the last one carries finish reason and usage."""
        state = ResponseStreamState()
        request, plan = self.prepare(chat)
        stop = _StopFilter(plan.stop)
        events = self._open(request)
        try:
            for batch in events.batches():
                delta = state.feed(batch)
                if delta is not None and (delta := stop.apply(delta)) is not None:
                    yield delta
        finally:
            events.close()
        state.result()  # raises if the stream ended early

    async def astream(self, chat: ChatRequest) -> AsyncIterator[StreamDelta]:
        state = ResponseStreamState()
        request, plan = await self.aprepare(chat)
        stop = _StopFilter(plan.stop)
        events = await self._aopen(request)
        try:
            async for batch in events.batches():
                delta = state.feed(batch)
                if delta is not None and (delta := stop.apply(delta)) is not None:
                    yield delta
        finally:
            await events.aclose()
        state.result()

    def complete(self, chat: ChatRequest) -> CompletionResult:
        state = ResponseStreamState()
        request, plan = self.prepare(chat)
        events = self._open(request)
        try:
            for batch in events.batches():
                state.feed(batch)
        finally:
            events.close()
        return _cut(state.result(), plan.stop)

    async def acomplete(self, chat: ChatRequest) -> CompletionResult:
        state = ResponseStreamState()
        request, plan = await self.aprepare(chat)
        events = await self._aopen(request)
        try:
            async for batch in events.batches():
                state.feed(batch)
        finally:
            await events.aclose()
        return _cut(state.result(), plan.stop)
