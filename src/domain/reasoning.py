"""Reasoning effort, summaries and verbosity: what the caller asked, clamped to what the model takes.

The effort comes from, in order: an explicit ``reasoning_effort`` (or
``reasoning={"effort": ...}``), the model's suffix (``gpt-5.1-codex-high``), the
model's default. A catalog model gets the nearest level it supports, because the
backend answers 400 to any other; an unknown model follows the seed's family
rules and is otherwise sent as asked, the backend being the authority.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import CodexRequestError
from .models import (
    EFFORT_LEVELS,
    VERBOSITY_LEVELS,
    ModelName,
    ModelSpec,
    extract_reasoning_effort_from_model,
    get_model_family,
    get_model_spec,
)

SUMMARY_LEVELS = ("auto", "concise", "detailed", "none")
DEFAULT_SUMMARY = "auto"

# The seed's clamping rules, for models no catalog describes.
_FAMILY_CLAMPS: dict[str, dict[str, str]] = {
    "codex-mini": {"none": "medium", "minimal": "medium", "low": "medium", "xhigh": "high"},
    "codex": {"minimal": "low", "xhigh": "high"},
    "gpt-5.1": {"xhigh": "high"},
    "other": {"xhigh": "high"},
}


def _word(value: Any, what: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.strip().lower() not in allowed:
        raise CodexRequestError(f"{what} {value!r} is not valid; use one of: {', '.join(allowed)}")
    return value.strip().lower()


def _requested(reasoning_effort: Any) -> tuple[str | None, str | None]:
    """The (effort, summary) the caller asked for, from a word or a ``reasoning`` object."""
    if reasoning_effort is None:
        return None, None
    if isinstance(reasoning_effort, Mapping):
        effort = reasoning_effort.get("effort")
        summary = reasoning_effort.get("summary")
        return (
            None if effort is None else _word(effort, "reasoning effort", EFFORT_LEVELS),
            None if summary is None else _word(summary, "reasoning summary", SUMMARY_LEVELS),
        )
    return _word(reasoning_effort, "reasoning effort", EFFORT_LEVELS), None


def clamp_effort(effort: str, *, family: str, spec: ModelSpec | None) -> str:
    """The level the model accepts closest to ``effort`` (the stronger one on a tie)."""
    if spec is None or not spec.efforts:
        return _FAMILY_CLAMPS.get(family, {}).get(effort, effort)
    if effort in spec.efforts:
        return effort
    wanted = EFFORT_LEVELS.index(effort)
    known = [level for level in spec.efforts if level in EFFORT_LEVELS]
    if not known:
        return effort
    return min(known, key=lambda level: (abs(EFFORT_LEVELS.index(level) - wanted), -EFFORT_LEVELS.index(level)))


def apply_reasoning_config(
    *,
    original_model: str,
    normalized_model: str,
    reasoning_effort: Any | None,
    verbosity: str | None,
    model_spec: ModelSpec | None = None,
) -> dict[str, dict[str, str]]:
    """Applies model-specific reasoning constraints (the seed's signature).

    Returns ``{"reasoning": {...}, "text": {...}}``; ``text`` is empty unless a
    verbosity the model accepts was asked for. ``model_spec`` is the live catalog's
    word on the model; without it the static catalog's entry, if any, is used.
    """
    model = ModelName(original_model, normalized_model, extract_reasoning_effort_from_model(original_model))
    return reasoning_config(model, reasoning_effort=reasoning_effort, verbosity=verbosity, model_spec=model_spec)


def reasoning_config(
    model: ModelName,
    *,
    reasoning_effort: Any | None,
    verbosity: str | None,
    model_spec: ModelSpec | None = None,
) -> dict[str, dict[str, str]]:
    """:func:`apply_reasoning_config` for a model name already read (the request path reads it once)."""
    normalized_model = model.slug
    spec = model_spec or get_model_spec(normalized_model)
    family = spec.family if spec is not None else get_model_family(normalized_model)
    explicit, summary = _requested(reasoning_effort)
    effort = explicit or model.effort
    if effort is None and spec is not None:
        effort = spec.default_effort or None

    reasoning: dict[str, str] = {}
    if effort is not None:
        reasoning["effort"] = clamp_effort(effort, family=family, spec=spec)
    if spec is None or spec.supports_reasoning_summaries:
        reasoning["summary"] = summary or DEFAULT_SUMMARY

    text: dict[str, str] = {}
    if verbosity is not None:
        wanted = _word(verbosity, "verbosity", VERBOSITY_LEVELS)
        if spec is None or spec.supports_verbosity:
            text["verbosity"] = wanted
    return {"reasoning": reasoning, "text": text}
