"""``/codex/models`` entries in the backend's shape (PROTOCOL.md section 6), for the fake backend."""

from __future__ import annotations

from typing import Any


def model_entry(
    slug: str,
    efforts: tuple[str, ...] = ("low", "medium", "high"),
    *,
    instructions: str | None = None,
    default: str = "medium",
    visibility: str = "list",
    priority: int = 1,
    verbosity: bool = False,
    context_window: int = 272_000,
) -> dict[str, Any]:
    return {
        "slug": slug,
        "display_name": slug,
        "description": f"{slug} (fake catalog)",
        "default_reasoning_level": default,
        "supported_reasoning_levels": [{"effort": e, "description": e} for e in efforts],
        "visibility": visibility,
        "supported_in_api": True,
        "priority": priority,
        "base_instructions": instructions if instructions is not None else f"Catalog instructions for {slug}.",
        "supports_reasoning_summaries": True,
        "support_verbosity": verbosity,
        "default_verbosity": "medium" if verbosity else None,
        "supports_parallel_tool_calls": True,
        "context_window": context_window,
        "minimal_client_version": "0.100.0",
    }


def catalog_models() -> list[dict[str, Any]]:
    return [
        model_entry("gpt-5.5", ("none", "low", "medium", "high", "xhigh"), priority=1, verbosity=True),
        model_entry("gpt-5.4-mini", ("low", "medium", "high", "xhigh"), priority=3),
        model_entry("gpt-5.1-codex", priority=5),
        model_entry("gpt-5.1-codex-max", ("low", "medium", "high", "xhigh"), visibility="hide", priority=9),
        model_entry("gpt-5.6-sol", ("low", "medium", "high", "xhigh", "max"), priority=2, instructions=""),
    ]
