"""``CodexAuthProvider``: the LiteLLM ``CustomLLM`` that speaks to the Codex backend.

It turns LiteLLM's keyword arguments into one domain ``ChatRequest``, asks the
application for the answer, and turns domain deltas into LiteLLM chunks (or one
``ModelResponse``). Building the object graph is the container's job; nothing
here does I/O until a call arrives.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import (
    ModelResponse,
    ModelResponseStream,
)

from ..adapters.http_transport import responses_url
from ..application.completion import CompletionService
from ..domain.answer import StreamDelta
from ..domain.limits import RateLimitSnapshot
from ..domain.ports import AuthContext, InstructionSource, ModelCatalog, ResponsesTransport, TokenStore
from ..domain.translation import ChatRequest
from .errors import LiteLLMErrors
from .headers import LastHeaders, with_provider_headers
from .litellm_objects import Chunker, model_response
from .logins import LoginChoice, take_login_choice
from .own_ports import OwnPorts, available_model_names

if TYPE_CHECKING:  # the container pulls in dependency-injector (and with it FastAPI): built on first use
    from .container import Container


class CodexAuthProvider(CustomLLM):
    """Use the Codex models of a ChatGPT subscription through LiteLLM.

    With no arguments it uses the process's runtime (the login file, the instruction
    sources, the backend's catalog, httpx), shared with ``codex_provider``. An
    application embeds the provider with its own ports by passing them here, or a
    whole ``Container`` it has overridden; the provider never changes a container.
    An application that passes its own ``transport`` gets no live model catalog
    (nothing is fetched from the backend behind its back) unless it passes one.
    """

    def __init__(
        self,
        *,
        token_store: TokenStore | None = None,
        instruction_source: InstructionSource | None = None,
        transport: ResponsesTransport | None = None,
        model_catalog: ModelCatalog | None = None,
        container: Container | None = None,
    ) -> None:
        super().__init__()
        self._container = container
        self._ports = OwnPorts(token_store, instruction_source, transport, model_catalog)
        self._service: CompletionService | None = None
        self._last_auth: AuthContext | None = None
        self._named: dict[LoginChoice, CompletionService] = {}
        self._lock = threading.Lock()

    # -- wiring ----------------------------------------------------------------

    @property
    def container(self) -> Container:
        """The container handed in, else the process's runtime."""
        if self._container is not None:
            return self._container
        from .container import runtime

        return runtime()

    @property
    def service(self) -> CompletionService:
        """The default login's service: the container's own, or one built with the application's ports."""
        if self._service is not None:
            return self._service
        container = self.container
        if not self._ports.given:
            return container.completion_service()
        with self._lock:
            if self._service is None:
                self._service = self._ports.default_service(container)
            return self._service

    def _service_of(self, choice: LoginChoice) -> CompletionService:
        """The service of a login a deployment names; with the application's ports in place when it gave any."""
        login = self.container.named_logins().login_for(choice)
        if not self._ports.given:
            return login.service
        with self._lock:
            service = self._named.get(choice)
            if service is None:
                service = self._named[choice] = self._ports.named_service(self.container, login)
            return service

    # -- the seed's public surface ----------------------------------------------

    @property
    def base_url(self) -> str:
        return str(self.container.settings().base_url)

    @property
    def _codex_mode_enabled(self) -> bool:
        return self.service.codex_mode

    def get_auth_context(self) -> AuthContext:
        self._last_auth = self.service.tokens.get_auth()
        return self._last_auth

    def get_bearer_token(self) -> str:
        """The current access token, refreshed if due; raises the ``CodexAuth*`` errors."""
        return self.get_auth_context().access_token

    def _cached_auth(self) -> AuthContext | None:
        """What the token store holds now (no I/O); stores without a cache report the last login seen."""
        cached = getattr(self.service.tokens, "cached", None)
        return cached if isinstance(cached, AuthContext) else self._last_auth

    @property
    def cached_token(self) -> str | None:
        auth = self._cached_auth()
        return auth.access_token if auth else None

    @property
    def token_expiry(self) -> float | None:
        auth = self._cached_auth()
        return auth.expires_at if auth else None

    @property
    def account_id(self) -> str | None:
        auth = self._cached_auth()
        return auth.account_id if auth else None

    def _route(self, kwargs: dict[str, Any]) -> tuple[CompletionService, dict[str, Any]]:
        """The service of the login the deployment names (``auth_file``/``redis_key``), else the default."""
        choice, kwargs = take_login_choice(kwargs)
        if choice is None:
            return self.service, kwargs
        return self._service_of(choice), kwargs

    # -- LiteLLM's four entry points ---------------------------------------------

    @property
    def last_rate_limits(self) -> RateLimitSnapshot | None:
        """The latest ``x-codex-*`` snapshot (used percent, windows, resets), for status displays."""
        return self.service.last_rate_limits

    def _errors(self, chat: ChatRequest, service: CompletionService) -> LiteLLMErrors:
        """A 404 lists the models of the catalog of the login that served the call."""
        return LiteLLMErrors(
            chat.model,
            available_models=lambda: available_model_names(service.catalog),
            url=responses_url(chat.api_base or self.base_url),
        )

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        service, kwargs = self._route(kwargs)
        chat, headers = _chat_request(*args, **kwargs), LastHeaders()
        with self._errors(chat, service):
            result = service.complete(chat, on_headers=headers)
        return with_provider_headers(model_response(result, chat, kwargs.get("model_response")), headers.value)

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        service, kwargs = self._route(kwargs)
        chat, headers = _chat_request(*args, **kwargs), LastHeaders()
        with self._errors(chat, service):
            result = await service.acomplete(chat, on_headers=headers)
        return with_provider_headers(model_response(result, chat, kwargs.get("model_response")), headers.value)

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[ModelResponseStream]:  # type: ignore[override]
        """Opens the answer (its headers and first event) before handing LiteLLM the iterator.

        A refusal is then raised from this call as its own class (a usage limit is a
        ``RateLimitError``), as LiteLLM's built-in providers do; raised inside the
        iteration, LiteLLM would wrap it in ``MidStreamFallbackError``. The async path
        must be an async generator, so LiteLLM wraps its early failures (README).
        """
        service, kwargs = self._route(kwargs)
        chat = _chat_request(*args, **kwargs)
        deltas = service.stream(chat)
        with self._errors(chat, service):
            first = next(deltas, None)
        return self._chunks(chat, service, first, deltas)

    def _chunks(
        self, chat: ChatRequest, service: CompletionService, first: StreamDelta | None, deltas: Iterator[StreamDelta]
    ) -> Iterator[ModelResponseStream]:
        chunker = Chunker(chat)
        try:
            with self._errors(chat, service) as errors:
                for delta in itertools.chain((first,) if first is not None else (), deltas):
                    for chunk in chunker.push(delta):
                        errors.sent = True
                        yield chunk
        finally:
            close = getattr(deltas, "close", None)
            if close is not None:
                close()

    async def astreaming(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> AsyncIterator[ModelResponseStream]:
        service, kwargs = self._route(kwargs)
        chat = _chat_request(*args, **kwargs)
        chunker = Chunker(chat)
        with self._errors(chat, service) as errors:
            async for delta in service.astream(chat):
                for chunk in chunker.push(delta):
                    errors.sent = True
                    yield chunk


# -- LiteLLM keywords in --------------------------------------------------------


def _chat_request(
    model: str = "",
    messages: list[dict[str, Any]] | None = None,
    api_base: str | None = None,
    custom_llm_provider: str | None = None,
    **kwargs: Any,
) -> ChatRequest:
    """LiteLLM passes ``optional_params``; direct callers (the seed's examples) pass parameters flat."""
    params: dict[str, Any] = dict(kwargs.get("optional_params") or {})
    for key, value in kwargs.items():
        if key not in _LITELLM_KEYWORDS and value is not None:
            params.setdefault(key, value)
    timeout = kwargs.get("timeout")
    return ChatRequest(
        model=model,
        messages=list(messages or []),
        params=params,
        api_base=api_base or None,
        timeout=float(timeout) if isinstance(timeout, (int, float)) else None,
    )


_LITELLM_KEYWORDS = frozenset(
    {
        "optional_params",
        "litellm_params",
        "headers",
        "timeout",
        "client",
        "logging_obj",
        "model_response",
        "print_verbose",
        "encoding",
        "custom_prompt_dict",
        "logger_fn",
        "acompletion",
        "api_key",
        "stream",
    }
)
