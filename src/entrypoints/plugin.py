"""The LiteLLM plugin entrypoint: one shared provider instance and ``register()``.

Proxy config files name ``litellm_codex_oauth_provider.codex_provider`` as the
``custom_handler``; Python users call ``register()`` once and then use
``model="codex/<model>"``. Building the instance reads nothing and opens nothing:
the container is made on the first call.
"""

from __future__ import annotations

import threading
from typing import Any, cast

import litellm
from litellm.llms.custom_llm import CustomLLM

from ..application.logs import get_logger
from .litellm_provider import CodexAuthProvider
from .model_info import registered_models

logger = get_logger(__name__)

PROVIDER_NAME = "codex"

codex_provider = CodexAuthProvider()
"""The module-level instance for ``custom_provider_map``; builds nothing until its first call."""

_lock = threading.Lock()


def register(provider: CodexAuthProvider | None = None, *, name: str = PROVIDER_NAME) -> CodexAuthProvider:
    """Add the provider to ``litellm.custom_provider_map`` once; return the handler in use.

    Idempotent: a second call finds the entry and changes nothing. With ``provider``
    given, the entry is pointed at it. An entry whose handler is not a provider
    object (a dotted-path string some configs leave behind) is repaired, and
    duplicate entries for ``name`` are folded into one.
    """
    with _lock:
        entries: list[Any] = [
            item for item in litellm.custom_provider_map if isinstance(item, dict) and item.get("provider") == name
        ]
        if not entries:
            handler: Any = provider or codex_provider
            litellm.custom_provider_map.append({"provider": name, "custom_handler": handler})
        else:
            first, *duplicates = entries
            current = first.get("custom_handler")
            if provider is not None or not isinstance(current, CustomLLM):
                first["custom_handler"] = provider or codex_provider
            if duplicates:
                litellm.custom_provider_map[:] = [
                    item for item in litellm.custom_provider_map if not any(item is d for d in duplicates)
                ]
                logger.warning("codex_provider_registered_twice", provider=name, removed=len(duplicates))
            handler = first["custom_handler"]
        litellm.utils.custom_llm_setup()  # type: ignore[no-untyped-call]
        litellm.register_model(registered_models(name))  # context windows and capabilities, cost 0
    return cast(CodexAuthProvider, handler)
