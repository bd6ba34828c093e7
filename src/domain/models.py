"""Model names: provider prefixes, aliases, effort suffixes, and the static catalog.

A model the catalog does not know is sent as it is: the backend is the authority
on what an account may use, and its refusal comes back as a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVIDER_PREFIXES = ("codex/", "codex-oauth/", "codex-")
EFFORT_LEVELS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")

MODEL_ALIASES = {
    "gpt-5-codex": "gpt-5.1-codex",
    "gpt-5-codex-max": "gpt-5.1-codex-max",
    "gpt-5-codex-mini": "gpt-5.1-codex-mini",
    "gpt-5": "gpt-5.1",
}


@dataclass(frozen=True, slots=True)
class ModelSpec:
    slug: str
    family: str
    efforts: tuple[str, ...]
    default_effort: str
    supports_verbosity: bool
    context_window: int


def _spec(slug: str, family: str, efforts: str, default: str, verbosity: bool, window: int) -> ModelSpec:
    return ModelSpec(slug, family, tuple(efforts.split()), default, verbosity, window)


MODEL_CATALOG: dict[str, ModelSpec] = {
    spec.slug: spec
    for spec in (
        _spec("gpt-5.1-codex", "codex", "low medium high", "medium", False, 272_000),
        _spec("gpt-5.1-codex-max", "codex-max", "low medium high xhigh", "medium", False, 272_000),
        _spec("gpt-5.1-codex-mini", "codex-mini", "medium high", "medium", False, 272_000),
        _spec("gpt-5.1", "gpt-5.1", "none low medium high", "medium", True, 272_000),
    )
}


def strip_provider_prefix(model: str) -> str:
    """Removes LiteLLM provider prefixes (``codex/``, ``codex-oauth/``, ``codex-``)."""
    name = model.strip()
    for prefix in PROVIDER_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _split_effort(name: str) -> tuple[str, str | None]:
    """``gpt-5.1-codex-low`` -> (``gpt-5.1-codex``, ``low``); a known slug is never split."""
    if name in MODEL_CATALOG or name in MODEL_ALIASES:
        return name, None
    base, sep, suffix = name.rpartition("-")
    if sep and suffix in EFFORT_LEVELS and base:
        return base, suffix
    return name, None


def normalize_model(model: str) -> str:
    """Normalizes model identifiers to the backend's slug (no prefix, no effort suffix, no alias)."""
    base, _ = _split_effort(strip_provider_prefix(model))
    return MODEL_ALIASES.get(base, base)


def extract_reasoning_effort_from_model(model: str) -> str | None:
    """Infers reasoning effort from the model's suffix, or ``None``."""
    return _split_effort(strip_provider_prefix(model))[1]


def get_model_spec(normalized_model: str) -> ModelSpec | None:
    return MODEL_CATALOG.get(normalized_model)


def get_model_family(normalized_model: str) -> str:
    """Returns the model family label for reasoning constraints."""
    spec = MODEL_CATALOG.get(normalized_model)
    return spec.family if spec else "other"
