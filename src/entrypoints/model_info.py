"""What LiteLLM reports about a ``codex/`` model: its context window and capabilities, at no cost.

Without it LiteLLM reports no context window and no capabilities for a custom
provider's models, and ``/v1/models`` falls back to the public API's price-map entry
of the same name (1,050,000 tokens for gpt-5.5, where the subscription backend says
272,000): a client sizing its context from that overflows (PROTOCOL.md section 8).
The bundled proxy config carries the same values (a test keeps them equal);
``register()`` registers them for SDK users (``litellm.get_model_info("codex/gpt-5.5")``).
"""

from __future__ import annotations

from typing import Any

from ..domain.models import MODEL_CATALOG, ModelSpec


def model_info(spec: ModelSpec, provider: str = "codex") -> dict[str, Any]:
    """LiteLLM's ``model_info`` for one model of the static table (the subscription is flat: cost 0)."""
    return {
        "max_input_tokens": spec.context_window,
        "input_cost_per_token": 0.0,
        "output_cost_per_token": 0.0,
        "cache_read_input_token_cost": 0.0,
        "cache_creation_input_token_cost": 0.0,
        "litellm_provider": provider,
        "mode": "chat",
        "supports_function_calling": True,
        "supports_parallel_function_calling": True,
        "supports_tool_choice": True,
        "supports_vision": True,
        "supports_reasoning": True,
        "supports_response_schema": True,
        "supports_system_messages": True,
    }


def registered_models(provider: str = "codex") -> dict[str, dict[str, Any]]:
    """``litellm.register_model``'s argument: every model of the static table, as ``<provider>/<slug>``."""
    return {f"{provider}/{slug}": model_info(spec, provider) for slug, spec in MODEL_CATALOG.items()}
