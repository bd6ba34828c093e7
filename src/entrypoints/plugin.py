"""The LiteLLM plugin entrypoint: one shared provider instance and ``register()``.

Proxy config files name ``litellm_codex_oauth_provider.codex_provider`` as the
``custom_handler``; Python users call ``register()`` once and then use
``model="codex/<model>"``.
"""

from __future__ import annotations

import threading
from typing import cast

import litellm

from .litellm_provider import CodexAuthProvider

PROVIDER_NAME = "codex"

codex_provider = CodexAuthProvider()
"""The module-level instance for ``custom_provider_map``; builds nothing until its first call."""

_lock = threading.Lock()


def register(provider: CodexAuthProvider | None = None, *, name: str = PROVIDER_NAME) -> CodexAuthProvider:
    """Add the provider to ``litellm.custom_provider_map`` once; return the handler in use.

    Idempotent: a second call finds the entry and changes nothing (with ``provider``
    given, the entry is pointed at it).
    """
    handler = provider or codex_provider
    with _lock:
        for item in litellm.custom_provider_map:
            if item.get("provider") == name:
                if provider is not None:
                    item["custom_handler"] = provider
                handler = cast(CodexAuthProvider, item["custom_handler"])
                break
        else:
            litellm.custom_provider_map.append({"provider": name, "custom_handler": handler})
        litellm.utils.custom_llm_setup()  # type: ignore[no-untyped-call]
    return handler
