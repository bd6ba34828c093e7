"""``CodexAuthProvider``: the LiteLLM ``CustomLLM`` that speaks to the Codex backend.

It turns LiteLLM's keyword arguments into one domain ``ChatRequest``, asks the
application for the answer, and turns domain deltas into LiteLLM chunks (or one
``ModelResponse``). Building the object graph is the container's job; nothing
here does I/O until a call arrives.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import (
    ModelResponse,
    ModelResponseStream,
)

from ..adapters.http_transport import responses_url
from ..application.completion import CompletionService
from ..domain.limits import RateLimitSnapshot
from ..domain.ports import AuthContext, InstructionSource, ResponsesTransport, TokenStore
from ..domain.translation import ChatRequest
from .errors import LiteLLMErrors, catalog_model_names
from .headers import LastHeaders, with_provider_headers
from .litellm_objects import Chunker, model_response
from .logins import LoginServices, take_login_choice

if TYPE_CHECKING:  # the container pulls in dependency-injector (and with it FastAPI): built on first use
    from .container import Container


class CodexAuthProvider(CustomLLM):
    """Use the Codex models of a ChatGPT subscription through LiteLLM.

    With no arguments the container builds the default adapters (the login file,
    the instruction sources, httpx). An application embeds the provider with its
    own adapters by passing them here, or a whole ``Container`` it has overridden.
    """

    def __init__(
        self,
        *,
        token_store: TokenStore | None = None,
        instruction_source: InstructionSource | None = None,
        transport: ResponsesTransport | None = None,
        container: Container | None = None,
    ) -> None:
        super().__init__()
        self._container = container
        self._overrides = {
            "token_store": token_store,
            "instruction_source": instruction_source,
            "transport": transport,
        }
        self._service: CompletionService | None = None
        self._last_auth: AuthContext | None = None
        self._logins = LoginServices(lambda: self.container)

    # -- wiring ----------------------------------------------------------------

    @property
    def container(self) -> Container:
        if self._container is None:
            from .container import Container

            self._container = Container()
        return self._container

    @property
    def service(self) -> CompletionService:
        if self._service is None:
            from dependency_injector import providers

            container = self.container
            for name, adapter in self._overrides.items():
                if adapter is not None:
                    getattr(container, name).override(providers.Object(adapter))
            self._service = container.completion_service()
        return self._service

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
        service = self.service
        if choice is None:
            return service, kwargs
        return self._logins.service_for(choice), kwargs

    # -- LiteLLM's four entry points ---------------------------------------------

    @property
    def last_rate_limits(self) -> RateLimitSnapshot | None:
        """The latest ``x-codex-*`` snapshot (used percent, windows, resets), for status displays."""
        return self.service.last_rate_limits

    def _errors(self, chat: ChatRequest) -> LiteLLMErrors:
        return LiteLLMErrors(
            chat.model,
            available_models=lambda: catalog_model_names(self.container),
            url=responses_url(chat.api_base or self.base_url),
        )

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        service, kwargs = self._route(kwargs)
        chat, headers = _chat_request(*args, **kwargs), LastHeaders()
        with self._errors(chat):
            result = service.complete(chat, on_headers=headers)
        return with_provider_headers(model_response(result, chat, kwargs.get("model_response")), headers.value)

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        service, kwargs = self._route(kwargs)
        chat, headers = _chat_request(*args, **kwargs), LastHeaders()
        with self._errors(chat):
            result = await service.acomplete(chat, on_headers=headers)
        return with_provider_headers(model_response(result, chat, kwargs.get("model_response")), headers.value)

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[ModelResponseStream]:  # type: ignore[override]
        service, kwargs = self._route(kwargs)
        chat = _chat_request(*args, **kwargs)
        chunker = Chunker(chat)
        with self._errors(chat) as errors:
            for delta in service.stream(chat):
                for chunk in chunker.push(delta):
                    errors.sent = True
                    yield chunk

    async def astreaming(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> AsyncIterator[ModelResponseStream]:
        service, kwargs = self._route(kwargs)
        chat = _chat_request(*args, **kwargs)
        chunker = Chunker(chat)
        with self._errors(chat) as errors:
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
