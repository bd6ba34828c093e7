"""``CodexAuthProvider``: the LiteLLM ``CustomLLM`` that speaks to the Codex backend.

It turns LiteLLM's keyword arguments into one domain ``ChatRequest``, asks the
application for the answer, and turns domain deltas into LiteLLM chunks (or one
``ModelResponse``). Building the object graph is the container's job; nothing
here does I/O until a call arrives.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import (
    ChatCompletionDeltaToolCall,
    ChatCompletionMessageToolCall,
    Delta,
    Function,
    Message,
    ModelResponse,
    ModelResponseStream,
)
from litellm.types.utils import Usage as LiteLLMUsage

from ..application.completion import CompletionService
from ..domain.limits import RateLimitSnapshot
from ..domain.messages import REASONING_ITEMS_FIELD
from ..domain.models import normalize_model
from ..domain.ports import AuthContext, InstructionSource, ResponsesTransport, TokenStore
from ..domain.stream import CompletionResult, StreamDelta, Usage
from ..domain.translation import ChatRequest
from .chunks import CodexChunk, streaming_choice, text_chunk
from .errors import LiteLLMErrors, catalog_model_names
from .headers import LastHeaders, with_provider_headers
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
        return LiteLLMErrors(chat.model, available_models=lambda: catalog_model_names(self.container))

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        service, kwargs = self._route(kwargs)
        chat, headers = _chat_request(*args, **kwargs), LastHeaders()
        with self._errors(chat):
            result = service.complete(chat, on_headers=headers)
        return with_provider_headers(_model_response(result, chat, kwargs.get("model_response")), headers.value)

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        service, kwargs = self._route(kwargs)
        chat, headers = _chat_request(*args, **kwargs), LastHeaders()
        with self._errors(chat):
            result = await service.acomplete(chat, on_headers=headers)
        return with_provider_headers(_model_response(result, chat, kwargs.get("model_response")), headers.value)

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[ModelResponseStream]:  # type: ignore[override]
        service, kwargs = self._route(kwargs)
        chat = _chat_request(*args, **kwargs)
        chunker = _Chunker(chat)
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
        chunker = _Chunker(chat)
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


# -- LiteLLM objects out ----------------------------------------------------------


def _litellm_usage(usage: Usage | None) -> LiteLLMUsage | None:
    if usage is None:
        return None
    return LiteLLMUsage(
        prompt_tokens=usage.input_tokens,
        completion_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
        prompt_tokens_details={"cached_tokens": usage.cached_tokens},
        completion_tokens_details={"reasoning_tokens": usage.reasoning_tokens},
    )


def _reasoning_fields(items: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    """The answer's encrypted reasoning, for the caller to send back with this message next turn."""
    return {REASONING_ITEMS_FIELD: [dict(item) for item in items]} if items else None


def _model_response(result: CompletionResult, chat: ChatRequest, template: Any) -> ModelResponse:
    response = template if isinstance(template, ModelResponse) else ModelResponse()
    tool_calls = [
        ChatCompletionMessageToolCall(
            id=call.id, type="function", function=Function(name=call.name, arguments=call.arguments)
        )
        for call in result.tool_calls
    ]
    message = Message(
        content=result.text or None,
        role="assistant",
        tool_calls=tool_calls or None,
        reasoning_content=result.reasoning or None,
        provider_specific_fields=_reasoning_fields(result.reasoning_items),
    )
    choice = response.choices[0]
    choice.message = message
    choice.finish_reason = result.finish_reason  # type: ignore[assignment]
    if result.response_id:
        response.id = result.response_id
    response.model = result.model or normalize_model(chat.model)
    response.created = int(time.time())
    usage = _litellm_usage(result.usage)
    if usage is not None:
        response.usage = usage  # type: ignore[attr-defined]
    return response


class _Chunker:
    """Domain deltas to ``ModelResponseStream`` chunks, one chunk per network read, none held back.

    LiteLLM's stream wrapper drops a custom provider's chunk that carries a finish
    reason but no text or tool call, usage and reasoning included (PROTOCOL.md
    section 8). So when the last read adds neither, its reasoning and usage go out
    on a chunk without a finish reason (LiteLLM keeps it for usage and strips it
    before the caller if empty), followed by a chunk with the finish reason alone.
    A last read that does carry text or a tool call goes out as one chunk.

    Every chunk of one answer shares one id, as OpenAI's do; it also spares
    LiteLLM's chunk constructor a uuid per chunk. A read that brought text only
    (nearly every read of an answer) gets the cheap :func:`text_chunk`.
    """

    __slots__ = ("_created", "_id", "_model", "_role")

    def __init__(self, chat: ChatRequest) -> None:
        self._model = normalize_model(chat.model)
        self._created = int(time.time())
        self._id = f"chatcmpl-{uuid.uuid4()}"
        self._role: str | None = "assistant"  # on the first chunk only, as OpenAI streams it

    def push(self, delta: StreamDelta) -> list[ModelResponseStream]:
        if delta.finish_reason is None or delta.text or delta.tool_calls:
            return [self._chunk(delta)]
        chunks = []
        if delta.reasoning or delta.usage is not None or delta.reasoning_items:
            chunks.append(
                self._chunk(
                    StreamDelta(reasoning=delta.reasoning, usage=delta.usage, reasoning_items=delta.reasoning_items)
                )
            )
        chunks.append(self._chunk(StreamDelta(finish_reason=delta.finish_reason)))
        return chunks

    def _chunk(self, delta: StreamDelta) -> ModelResponseStream:
        if (
            self._role is None
            and delta.text
            and not (delta.reasoning or delta.tool_calls or delta.finish_reason or delta.usage or delta.reasoning_items)
        ):
            return text_chunk(chunk_id=self._id, model=self._model, created=self._created, text=delta.text)
        tool_calls = [
            ChatCompletionDeltaToolCall(
                index=piece.index,
                id=piece.id,
                type="function" if piece.id else None,
                function=Function(name=piece.name, arguments=piece.arguments),
            )
            for piece in delta.tool_calls
        ]
        fields = _reasoning_fields(delta.reasoning_items)
        role, self._role = self._role, None
        chunk = CodexChunk(
            id=self._id,
            model=self._model,
            created=self._created,
            choices=[
                streaming_choice(
                    index=0,
                    delta=Delta(
                        content=delta.text or None,
                        reasoning_content=delta.reasoning or None,
                        tool_calls=tool_calls or None,
                        role=role,
                        provider_specific_fields=fields,
                    ),
                    finish_reason=delta.finish_reason,
                )
            ],
        )
        usage = _litellm_usage(delta.usage)
        if usage is not None:
            chunk.usage = usage
        return chunk
