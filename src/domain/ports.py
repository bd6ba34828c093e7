"""The ports the application talks through, and the values that cross them.

LiteLLM calls providers both sync (``completion``, ``streaming``) and async
(``acompletion``, ``astreaming``), so every port offers both. Adapters share their
logic between the two and differ only in the I/O call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .models import ModelSpec

RawEvent = dict[str, Any]
"""One decoded server-sent event: the JSON object of its ``data`` line."""


@dataclass(frozen=True, slots=True)
class AuthContext:
    """Immutable authentication context: what a request needs to prove who it is."""

    access_token: str = field(repr=False)
    account_id: str
    expires_at: float | None = None
    """Epoch seconds when the access token stops working; ``None`` when unknown."""
    plan_type: str | None = None


@dataclass(frozen=True, slots=True)
class ResponsesRequest:
    """One request to ``POST {base}/codex/responses``."""

    body: Mapping[str, Any]
    session_id: str
    api_base: str | None = None
    """The call's own base URL; ``None`` means the configured one."""
    timeout: float | None = None
    deadline: float | None = None
    """``time.monotonic()`` by which the whole call must end: the caller's timeout, retries included."""


@runtime_checkable
class TokenStore(Protocol):
    """Gives the current login, refreshing it when it is near its expiry.

    ``force_refresh`` is called when the backend refused ``rejected``: the store
    refreshes unless someone already replaced that token, and returns the login to
    retry with.
    """

    def get_auth(self) -> AuthContext: ...

    async def aget_auth(self) -> AuthContext: ...

    def force_refresh(self, rejected: AuthContext) -> AuthContext: ...

    async def aforce_refresh(self, rejected: AuthContext) -> AuthContext: ...


@runtime_checkable
class InstructionSource(Protocol):
    """Gives the ``instructions`` text for a model, or ``None`` when it has none."""

    def get_instructions(self, model: str) -> str | None: ...

    async def aget_instructions(self, model: str) -> str | None: ...


@runtime_checkable
class ModelCatalog(Protocol):
    """What the account may use today (the backend's ``/codex/models``), when known.

    ``get_model`` answers ``None`` for a model the catalog does not list or when the
    catalog is not known yet; it never waits on the network once warm.
    """

    def get_model(self, slug: str) -> ModelSpec | None: ...

    async def aget_model(self, slug: str) -> ModelSpec | None: ...

    def available_models(self) -> list[ModelSpec] | None: ...


@runtime_checkable
class ModelBriefing(Protocol):
    """An instruction source that can also give a model's live spec from the same look at ``catalog``.

    The login's instruction chain is one when ``catalog`` is one of its links: a request then
    looks its catalog up once, for the instructions and the spec together, within one wait.
    """

    def brief(
        self, model: str, catalog: ModelCatalog | None, *, instructions: bool
    ) -> tuple[str | None, ModelSpec | None]: ...

    async def abrief(
        self, model: str, catalog: ModelCatalog | None, *, instructions: bool
    ) -> tuple[str | None, ModelSpec | None]: ...


class EventStream(Protocol):
    """An open answer stream (sync). ``batches`` yields, per network read, the events it completed."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    def batches(self) -> Iterator[list[RawEvent]]: ...

    def close(self) -> None: ...


class AsyncEventStream(Protocol):
    """An open answer stream (async); see :class:`EventStream`."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    def batches(self) -> AsyncIterator[list[RawEvent]]: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class ResponsesTransport(Protocol):
    """Sends one Responses request and opens its event stream.

    ``open`` returns only once the backend accepted the request: an HTTP failure
    raises :class:`~.errors.CodexAPIError` before any event exists, so the caller can
    refresh and retry before anything reached its own caller.
    """

    def open(self, request: ResponsesRequest, auth: AuthContext) -> EventStream: ...

    async def aopen(self, request: ResponsesRequest, auth: AuthContext) -> AsyncEventStream: ...
