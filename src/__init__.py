"""Use the Codex models of your ChatGPT subscription from LiteLLM.

``import litellm_codex_oauth_provider`` is cheap and does no I/O: LiteLLM (a
5-second import) is loaded only when ``CodexAuthProvider``, ``codex_provider`` or
``register`` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .entrypoints.litellm_provider import CodexAuthProvider
    from .entrypoints.plugin import codex_provider, register

__all__ = ["CodexAuthProvider", "__version__", "codex_provider", "register"]


def __getattr__(name: str) -> Any:
    if name == "CodexAuthProvider":
        from .entrypoints.litellm_provider import CodexAuthProvider

        return CodexAuthProvider
    if name in ("codex_provider", "register"):
        from .entrypoints import plugin

        return getattr(plugin, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
