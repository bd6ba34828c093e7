"""The completion use case: one chat call, streamed or whole, sync or async.

It resolves the instructions, lets the domain build the body, opens the stream
through the transport (refreshing the login once if the backend refused it,
before anything reached the caller), and feeds every network read to the
domain's state machine. Sync and async differ only in the awaited calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import structlog

from ..domain.errors import CodexAPIError
from ..domain.models import ModelSpec, normalize_model
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
from ..domain.translation import ChatRequest, build_request_body

logger = structlog.get_logger(__name__)

_UNAUTHORIZED = 401


class CompletionService:
    """Runs chat calls against the Codex backend through the three ports."""

    def __init__(
        self,
        *,
        tokens: TokenStore,
        instructions: InstructionSource,
        transport: ResponsesTransport,
        codex_mode: bool = True,
        catalog: ModelCatalog | None = None,
    ) -> None:
        self.tokens = tokens
        self.instructions = instructions
        self.transport = transport
        self.codex_mode = codex_mode
        self.catalog = catalog
        """What the account may use today; ``catalog.available_models()`` lists it for a 404's message."""

    # -- building ----------------------------------------------------------------

    def _request(self, chat: ChatRequest, instructions: str | None, spec: ModelSpec | None) -> ResponsesRequest:
        body, session_id = build_request_body(
            chat, instructions=instructions, codex_mode=self.codex_mode, model_spec=spec
        )
        return ResponsesRequest(body=body, session_id=session_id, api_base=chat.api_base, timeout=chat.timeout)

    def prepare(self, chat: ChatRequest) -> ResponsesRequest:
        """Instructions first: the catalog fetch they start is the one ``get_model`` then finds done.

        Without Codex mode the caller's system text is the instructions: no source is asked.
        """
        slug = self._slug(chat)
        instructions = self.instructions.get_instructions(slug) if self.codex_mode else None
        spec = self.catalog.get_model(slug) if self.catalog is not None else None
        return self._request(chat, instructions, spec)

    async def aprepare(self, chat: ChatRequest) -> ResponsesRequest:
        slug = self._slug(chat)
        instructions = await self.instructions.aget_instructions(slug) if self.codex_mode else None
        spec = await self.catalog.aget_model(slug) if self.catalog is not None else None
        return self._request(chat, instructions, spec)

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
        events = self._open(self.prepare(chat))
        try:
            for batch in events.batches():
                delta = state.feed(batch)
                if delta is not None:
                    yield delta
        finally:
            events.close()
        state.result()  # raises if the stream ended early

    async def astream(self, chat: ChatRequest) -> AsyncIterator[StreamDelta]:
        state = ResponseStreamState()
        events = await self._aopen(await self.aprepare(chat))
        try:
            async for batch in events.batches():
                delta = state.feed(batch)
                if delta is not None:
                    yield delta
        finally:
            await events.aclose()
        state.result()

    def complete(self, chat: ChatRequest) -> CompletionResult:
        state = ResponseStreamState()
        events = self._open(self.prepare(chat))
        try:
            for batch in events.batches():
                state.feed(batch)
        finally:
            events.close()
        return state.result()

    async def acomplete(self, chat: ChatRequest) -> CompletionResult:
        state = ResponseStreamState()
        events = await self._aopen(await self.aprepare(chat))
        try:
            async for batch in events.batches():
                state.feed(batch)
        finally:
            await events.aclose()
        return state.result()
