"""In-memory fakes of the ports, for unit tests of the application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from litellm_codex_oauth_provider.domain.errors import CodexAPIError
from litellm_codex_oauth_provider.domain.models import ModelSpec
from litellm_codex_oauth_provider.domain.ports import AuthContext, RawEvent, ResponsesRequest


@dataclass
class FakeTokenStore:
    """Hands out ``tokens`` in order: the first until a forced refresh, then the next."""

    tokens: list[str] = field(default_factory=lambda: ["token-1", "token-2"])
    account_id: str = "acct-fake"
    refreshes: int = 0

    def _current(self) -> AuthContext:
        return AuthContext(self.tokens[min(self.refreshes, len(self.tokens) - 1)], self.account_id)

    def get_auth(self) -> AuthContext:
        return self._current()

    async def aget_auth(self) -> AuthContext:
        return self._current()

    def force_refresh(self, rejected: AuthContext) -> AuthContext:
        self.refreshes += 1
        return self._current()

    async def aforce_refresh(self, rejected: AuthContext) -> AuthContext:
        return self.force_refresh(rejected)


@dataclass
class FakeInstructionSource:
    text: str | None = "Fake instructions."

    def get_instructions(self, model: str) -> str | None:
        return self.text

    async def aget_instructions(self, model: str) -> str | None:
        return self.text


@dataclass
class FakeCatalog:
    """A model catalog that knows ``models`` and records every slug it is asked about."""

    models: dict[str, ModelSpec] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def get_model(self, slug: str) -> ModelSpec | None:
        self.asked.append(slug)
        return self.models.get(slug)

    async def aget_model(self, slug: str) -> ModelSpec | None:
        return self.get_model(slug)

    def available_models(self) -> list[ModelSpec] | None:
        return list(self.models.values()) or None


@dataclass
class _Stream:
    batches_: list[list[RawEvent]]
    headers: Mapping[str, str] = field(default_factory=dict)
    closed: bool = False

    def batches(self) -> Iterator[list[RawEvent]]:
        yield from self.batches_

    def close(self) -> None:
        self.closed = True


@dataclass
class _AsyncStream(_Stream):
    async def abatches(self) -> AsyncIterator[list[RawEvent]]:
        for batch in self.batches_:
            yield batch

    async def aclose(self) -> None:
        self.closed = True


class _AsyncView:
    def __init__(self, stream: _AsyncStream) -> None:
        self._stream = stream
        self.headers = stream.headers

    def batches(self) -> AsyncIterator[list[RawEvent]]:
        return self._stream.abatches()

    async def aclose(self) -> None:
        await self._stream.aclose()


@dataclass
class FakeTransport:
    """Replays scripted answers: each is a list of event batches, or a ``CodexAPIError`` to raise."""

    answers: list[list[list[RawEvent]] | CodexAPIError] = field(default_factory=list)
    sent: list[tuple[ResponsesRequest, AuthContext]] = field(default_factory=list)

    def _next(self, request: ResponsesRequest, auth: AuthContext) -> list[list[RawEvent]]:
        self.sent.append((request, auth))
        answer = self.answers.pop(0)
        if isinstance(answer, CodexAPIError):
            raise answer
        return answer

    def open(self, request: ResponsesRequest, auth: AuthContext) -> Any:
        return _Stream(self._next(request, auth))

    async def aopen(self, request: ResponsesRequest, auth: AuthContext) -> Any:
        return _AsyncView(_AsyncStream(self._next(request, auth)))
