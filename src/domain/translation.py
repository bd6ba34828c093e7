"""Chat Completions in, a Codex Responses request body out.

Pure: the application hands in the caller's messages and parameters and the
instructions it found; this module decides the body the backend accepts
(PROTOCOL.md section 3). The body is built from what is known to be accepted,
never copied from the caller's parameters, so a refused parameter cannot slip in.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import CodexRequestError
from .messages import input_items
from .models import ModelName, ModelSpec, resolve_model
from .params import check_choice_count, not_sent_params, stop_sequences
from .prompts import build_tool_bridge_message, instructions_for, message_text, system_text
from .reasoning import reasoning_config
from .request_checks import check_input, check_messages, check_model, check_sendable, header_safe_session_id
from .tools import convert_function_call, convert_functions, convert_response_format, convert_tool_choice, convert_tools

INCLUDE = ("reasoning.encrypted_content",)
_CACHE_KEY_NAMESPACE = uuid.UUID("6b1f3c5e-3d7a-4c55-9a55-4f3b0a6c2e11")


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One Chat Completions call as LiteLLM hands it over."""

    model: str
    messages: Sequence[Mapping[str, Any]]
    params: Mapping[str, Any] = field(default_factory=dict)
    api_base: str | None = None
    timeout: float | None = None
    target: ModelName = field(init=False, repr=False, compare=False)
    """``model`` read once (slug, effort suffix): every step of the request uses this reading."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", resolve_model(self.model))


@dataclass(frozen=True, slots=True)
class RequestPlan:
    """The body, and what the application must do about the parts that were not sent."""

    body: dict[str, Any]
    session_id: str
    dropped_params: tuple[str, ...] = ()
    """Parameters the backend refuses, left out: warn about them, or refuse in strict mode."""
    orphan_call_ids: tuple[str, ...] = ()
    """Tool results whose call was not in the history, sent as plain text instead."""
    stop: tuple[str, ...] = ()
    """Stop sequences to apply to the answer on this side."""


def derive_prompt_cache_key(messages: Sequence[Mapping[str, Any]]) -> str:
    """A stable key for a conversation: the same opening gives the same key on every turn.

    Built from the system text and the first user message, so follow-up turns of one
    conversation share it and hit the backend's prompt cache.
    """
    first_user = next((m for m in messages if isinstance(m, Mapping) and m.get("role") == "user"), None)
    seed = system_text(messages) + "\x00" + message_text(first_user.get("content") if first_user else "")
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return str(uuid.uuid5(_CACHE_KEY_NAMESPACE, digest))


def _param(params: Mapping[str, Any], name: str) -> Any:
    """A parameter, from the call or else from its ``extra_body``."""
    value = params.get(name)
    if value is None:
        extra = params.get("extra_body")
        if isinstance(extra, Mapping):
            value = extra.get(name)
    return value


def plan_request(
    chat: ChatRequest,
    *,
    instructions: str | None,
    codex_mode: bool,
    model_spec: ModelSpec | None = None,
) -> RequestPlan:
    """The Responses body for ``chat``, its prompt cache key (also the session id), and what was left out.

    ``instructions`` are the ones the application found for the model (``None``: none
    found); :func:`~.prompts.instructions_for` decides what is sent. ``model_spec`` is
    what the live catalog says of the model (efforts, verbosity); ``None`` means the
    static catalog's entry, or none for an unknown model.
    """
    params = chat.params
    check_choice_count(params)
    model = chat.target.slug
    check_model(chat.model, model)
    check_messages(chat.messages)
    for name, value in params.items():
        check_sendable(value, name)
    final_instructions = instructions_for(chat.messages, codex_mode=codex_mode, codex_instructions=instructions)
    translated = input_items(chat.messages, system_as_developer=codex_mode)
    check_input(translated.items)

    tools = convert_tools(params.get("tools")) + convert_functions(params.get("functions"))
    items = translated.items
    if codex_mode and tools:
        items = [build_tool_bridge_message(), *items]

    reasoning_request = _param(params, "reasoning_effort")
    if reasoning_request is None:
        reasoning_request = _param(params, "reasoning")
    config = reasoning_config(
        chat.target,
        reasoning_effort=reasoning_request,
        verbosity=_param(params, "verbosity"),
        model_spec=model_spec,
    )
    cache_key = str(_param(params, "prompt_cache_key") or derive_prompt_cache_key(chat.messages))
    body: dict[str, Any] = {
        "model": model,
        "instructions": final_instructions,
        "input": items,
        "tools": tools,
        "tool_choice": _tool_choice(params),
        "parallel_tool_calls": _parallel_tool_calls(params),
        "reasoning": config["reasoning"],
        "store": False,
        "stream": True,
        "include": list(INCLUDE),
        "prompt_cache_key": cache_key,
    }
    text: dict[str, Any] = dict(config["text"])
    text_format = convert_response_format(params.get("response_format"))
    if text_format is not None:
        text["format"] = text_format
    if text:
        body["text"] = text
    service_tier = _param(params, "service_tier")
    if service_tier is not None:
        if not isinstance(service_tier, str):
            raise CodexRequestError("service_tier must be a string such as 'priority'")
        body["service_tier"] = service_tier
    return RequestPlan(
        body=body,
        session_id=header_safe_session_id(cache_key),
        dropped_params=not_sent_params(params),
        orphan_call_ids=tuple(translated.orphan_call_ids),
        stop=stop_sequences(params),
    )


def _tool_choice(params: Mapping[str, Any]) -> str | dict[str, Any]:
    if params.get("tool_choice") is not None:
        return convert_tool_choice(params["tool_choice"])
    if params.get("function_call") is not None:
        return convert_function_call(params["function_call"])
    return "auto"


def _parallel_tool_calls(params: Mapping[str, Any]) -> bool:
    value = params.get("parallel_tool_calls")
    if value is None:
        return True
    if not isinstance(value, bool):
        raise CodexRequestError(f"parallel_tool_calls must be true or false, not {value!r}")
    return value
