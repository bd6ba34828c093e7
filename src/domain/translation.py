"""Chat Completions in, a Codex Responses request body out.

Pure: the application hands in the caller's messages and parameters and the
instructions it found; this module decides the body the backend accepts
(PROTOCOL.md section 3).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import CodexRequestError
from .models import ModelSpec, normalize_model
from .prompts import DEFAULT_INSTRUCTIONS, message_text, system_text

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


def derive_prompt_cache_key(messages: Sequence[Mapping[str, Any]]) -> str:
    """A stable key for a conversation: the same opening gives the same key on every turn.

    Built from the system text and the first user message, so follow-up turns of one
    conversation share it and hit the backend's prompt cache.
    """
    first_user = next((m for m in messages if m.get("role") == "user"), None)
    seed = system_text(messages) + "\x00" + message_text(first_user.get("content") if first_user else "")
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return str(uuid.uuid5(_CACHE_KEY_NAMESPACE, digest))


def _input_items(messages: Sequence[Mapping[str, Any]], *, system_as_developer: bool) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        role = message.get("role")
        text = message_text(message.get("content"))
        if role in ("system", "developer"):
            if system_as_developer and text:
                items.append(_message("developer", "input_text", text))
        elif role == "user":
            items.append(_message("user", "input_text", text))
        elif role == "assistant":
            if text:
                items.append(_message("assistant", "output_text", text))
        else:
            raise CodexRequestError(
                f"messages[{index}] has role {role!r}; expected system, developer, user or assistant"
            )
    return items


def _message(role: str, part_type: str, text: str) -> dict[str, Any]:
    return {"type": "message", "role": role, "content": [{"type": part_type, "text": text}]}


def build_request_body(
    chat: ChatRequest,
    *,
    instructions: str | None,
    codex_mode: bool,
    model_spec: ModelSpec | None = None,
) -> tuple[dict[str, Any], str]:
    """The Responses body for ``chat`` and its prompt cache key (also the session id).

    ``model_spec`` is what the live catalog says of the model (efforts, verbosity);
    ``None`` means the static catalog's entry, or none for an unknown model.

    With ``codex_mode`` the given instructions lead and the caller's system text
    stays in place as developer messages; without it the caller's system text is
    the instructions.
    """
    model = normalize_model(chat.model)
    caller_system = system_text(chat.messages)
    if codex_mode:
        final_instructions = instructions or DEFAULT_INSTRUCTIONS
    else:
        final_instructions = caller_system or instructions or DEFAULT_INSTRUCTIONS
    cache_key = str(chat.params.get("prompt_cache_key") or derive_prompt_cache_key(chat.messages))
    body: dict[str, Any] = {
        "model": model,
        "instructions": final_instructions,
        "input": _input_items(chat.messages, system_as_developer=codex_mode),
        "tools": [],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "reasoning": {"summary": "auto"},
        "store": False,
        "stream": True,
        "include": list(INCLUDE),
        "prompt_cache_key": cache_key,
    }
    return body, cache_key
