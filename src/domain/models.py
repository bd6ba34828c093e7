"""Model names: provider prefixes, aliases, effort suffixes, and the static catalog.

A model the catalog does not know is sent as it is: the backend is the authority
on what an account may use, and its refusal comes back as a clear error. The
static catalog is what was known when this was written (PROTOCOL.md section 6);
the live catalog (``/codex/models``), when the application has it, wins.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVIDER_PREFIXES = ("codex/", "codex-oauth/", "codex-")
EFFORT_LEVELS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
"""Every effort word the backend knows, weakest first: clamping moves along this order."""
VERBOSITY_LEVELS = ("low", "medium", "high")

MODEL_ALIASES = {
    "gpt-5-codex": "gpt-5.1-codex",
    "gpt-5-codex-max": "gpt-5.1-codex-max",
    "gpt-5-codex-mini": "gpt-5.1-codex-mini",
    "gpt-5": "gpt-5.1",
}

DEFAULT_CONTEXT_WINDOW = 272_000


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """What the backend accepts for one model slug."""

    slug: str
    family: str
    efforts: tuple[str, ...]
    default_effort: str
    supports_verbosity: bool
    context_window: int
    supports_reasoning_summaries: bool = True
    """``gpt-5.3-codex-spark`` refuses ``reasoning.summary``."""


def _levels(first: str, last: str) -> str:
    """``_levels("low", "xhigh")`` -> ``"low medium high xhigh"``."""
    return " ".join(EFFORT_LEVELS[EFFORT_LEVELS.index(first) : EFFORT_LEVELS.index(last) + 1])


def _spec(
    slug: str,
    family: str,
    efforts: str,
    *,
    default: str = "medium",
    verbosity: bool = False,
    window: int = DEFAULT_CONTEXT_WINDOW,
    summaries: bool = True,
) -> ModelSpec:
    return ModelSpec(slug, family, tuple(efforts.split()), default, verbosity, window, summaries)


MODEL_CATALOG: dict[str, ModelSpec] = {
    spec.slug: spec
    for spec in (
        # The seed's models.
        _spec("gpt-5.1-codex", "codex", "low medium high"),
        _spec("gpt-5.1-codex-max", "codex-max", _levels("low", "xhigh")),
        _spec("gpt-5.1-codex-mini", "codex-mini", "medium high"),
        _spec("gpt-5.1", "gpt-5.1", "none low medium high", verbosity=True),
        # Later ones (PROTOCOL.md section 6). Codex models accept verbosity "medium" only.
        _spec("gpt-5.2", "gpt-5.2", _levels("none", "xhigh"), verbosity=True),
        _spec("gpt-5.2-codex", "codex", _levels("low", "xhigh")),
        _spec("gpt-5.3-codex", "codex", _levels("low", "xhigh")),
        _spec("gpt-5.3-codex-spark", "codex-spark", _levels("low", "xhigh"), window=128_000, summaries=False),
        _spec("gpt-5.4", "gpt-5.4", _levels("none", "xhigh"), verbosity=True),
        _spec("gpt-5.4-mini", "gpt-5.4-mini", _levels("low", "xhigh"), verbosity=True),
        _spec("gpt-5.5", "gpt-5.5", _levels("none", "xhigh"), verbosity=True),
        _spec("gpt-5.6-sol", "gpt-5.6", _levels("low", "max"), verbosity=True),
        _spec("gpt-5.6-terra", "gpt-5.6", _levels("low", "max"), verbosity=True),
        _spec("gpt-5.6-luna", "gpt-5.6", _levels("low", "max"), verbosity=True),
        _spec("gpt-6-astra", "gpt-6", _levels("low", "max"), verbosity=True),
    )
}


def strip_provider_prefix(model: str) -> str:
    """Removes LiteLLM provider prefixes (``codex/``, ``codex-oauth/``, ``codex-``)."""
    name = model.strip()
    for prefix in PROVIDER_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _known(name: str) -> bool:
    return name in MODEL_CATALOG or name in MODEL_ALIASES


def _has_max(base: str) -> bool:
    spec = MODEL_CATALOG.get(MODEL_ALIASES.get(base, base))
    return spec is not None and "max" in spec.efforts


def _split_effort(name: str) -> tuple[str, str | None]:
    """``gpt-5.1-codex-low`` -> (``gpt-5.1-codex``, ``low``).

    A known slug is never split (``gpt-5.1-codex-max`` is a model), and ``-max`` is an
    effort only after a model known to have that level: an unknown ``foo-max`` is a name.
    """
    if _known(name):
        return name, None
    base, sep, suffix = name.rpartition("-")
    if not (sep and base and suffix in EFFORT_LEVELS):
        return name, None
    if suffix == "max" and not _has_max(base):
        return name, None
    return base, suffix


@dataclass(frozen=True, slots=True)
class ModelName:
    """A requested model name read once: the backend's slug and the effort its suffix asks for."""

    requested: str
    slug: str
    """No provider prefix, no effort suffix, no alias: what the backend and the catalogs know."""
    effort: str | None
    """``low`` for ``gpt-5.1-codex-low``; ``None`` without an effort suffix."""


def resolve_model(model: str) -> ModelName:
    """The one reading of a requested model name that a request's every step uses."""
    base, effort = _split_effort(strip_provider_prefix(model))
    return ModelName(requested=model, slug=MODEL_ALIASES.get(base, base), effort=effort)


def normalize_model(model: str) -> str:
    """Normalizes model identifiers to the backend's slug (no prefix, no effort suffix, no alias)."""
    return resolve_model(model).slug


def extract_reasoning_effort_from_model(model: str) -> str | None:
    """Infers reasoning effort from the model's suffix, or ``None``."""
    return resolve_model(model).effort


def get_model_spec(normalized_model: str) -> ModelSpec | None:
    return MODEL_CATALOG.get(normalized_model)


def get_model_family(normalized_model: str) -> str:
    """Returns the model family label for reasoning constraints.

    A catalog model has its own family; an unknown one is placed by its name, so the
    seed's rules still reach a ``...-codex-mini`` the catalog has not heard of.
    """
    spec = MODEL_CATALOG.get(normalized_model)
    if spec is not None:
        return spec.family
    name = normalized_model.lower()
    if "codex-max" in name:
        return "codex-max"
    if "codex-mini" in name:
        return "codex-mini"
    if "codex" in name:
        return "codex"
    if name.startswith("gpt-5.1"):
        return "gpt-5.1"
    return "other"
