from __future__ import annotations

import pytest
from litellm_codex_oauth_provider.domain.models import (
    extract_reasoning_effort_from_model,
    get_model_family,
    normalize_model,
    strip_provider_prefix,
)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("codex/gpt-5.1-codex-low", "gpt-5.1-codex"),
        ("codex-oauth/gpt-5-codex-high", "gpt-5.1-codex"),
        ("gpt-5.1-codex-mini", "gpt-5.1-codex-mini"),
        ("gpt-5.1-codex-max", "gpt-5.1-codex-max"),
        ("codex/gpt-5", "gpt-5.1"),
        ("codex/some-future-model", "some-future-model"),
    ],
)
def test_normalize_model(model: str, expected: str) -> None:
    assert normalize_model(model) == expected


def test_prefixes_and_suffixes() -> None:
    assert strip_provider_prefix("codex/gpt-5.1") == "gpt-5.1"
    assert strip_provider_prefix("codex-oauth/gpt-5.1") == "gpt-5.1"
    assert strip_provider_prefix("codex-gpt-5.1") == "gpt-5.1"
    assert extract_reasoning_effort_from_model("codex/gpt-5.1-codex-low") == "low"
    assert extract_reasoning_effort_from_model("gpt-5.1-codex-max") is None
    assert get_model_family("gpt-5.1-codex-max") == "codex-max"
    assert get_model_family("unknown") == "other"


@pytest.mark.parametrize(
    ("model", "slug", "effort"),
    [
        ("codex/gpt-5.1-codex-low", "gpt-5.1-codex", "low"),
        ("codex-oauth/gpt-5-codex-high", "gpt-5.1-codex", "high"),
        ("gpt-5.1-codex-mini", "gpt-5.1-codex-mini", None),
        ("gpt-5.1-codex-max", "gpt-5.1-codex-max", None),  # a known slug wins over "-max" the effort
        ("gpt-5-codex-max", "gpt-5.1-codex-max", None),
        ("gpt-5-codex-mini", "gpt-5.1-codex-mini", None),
        ("gpt-5.1-codex-max-xhigh", "gpt-5.1-codex-max", "xhigh"),
        ("codex/gpt-5.1-none", "gpt-5.1", "none"),
        ("gpt-5-minimal", "gpt-5.1", "minimal"),
        ("codex/gpt-5.6-sol-max", "gpt-5.6-sol", "max"),
        ("gpt-6-astra-max", "gpt-6-astra", "max"),
        ("gpt-5.5-medium", "gpt-5.5", "medium"),
        ("gpt-5.4-max", "gpt-5.4-max", None),  # gpt-5.4 has no "max" level: not an effort suffix
        ("some-future-model-max", "some-future-model-max", None),
        ("some-future-model-high", "some-future-model", "high"),
    ],
)
def test_slug_and_effort_suffix(model: str, slug: str, effort: str | None) -> None:
    assert normalize_model(model) == slug
    assert extract_reasoning_effort_from_model(model) == effort


def test_the_catalog_knows_the_seed_models_and_todays() -> None:
    from litellm_codex_oauth_provider.domain.models import MODEL_CATALOG

    for slug in (
        "gpt-5.1-codex",
        "gpt-5.1-codex-max",
        "gpt-5.1-codex-mini",
        "gpt-5.1",
        "gpt-5.2",
        "gpt-5.2-codex",
        "gpt-5.3-codex",
        "gpt-5.3-codex-spark",
        "gpt-5.4",
        "gpt-5.4-mini",
        "gpt-5.5",
        "gpt-5.6-sol",
        "gpt-5.6-terra",
        "gpt-5.6-luna",
        "gpt-6-astra",
    ):
        spec = MODEL_CATALOG[slug]
        assert spec.default_effort in spec.efforts
        assert spec.context_window > 0
    assert MODEL_CATALOG["gpt-5.1-codex-mini"].efforts == ("medium", "high")
    assert MODEL_CATALOG["gpt-6-astra"].efforts == ("low", "medium", "high", "xhigh", "max")
    assert MODEL_CATALOG["gpt-5.5"].efforts[0] == "none"
    assert not MODEL_CATALOG["gpt-5.3-codex-spark"].supports_reasoning_summaries
    assert not MODEL_CATALOG["gpt-5.1-codex"].supports_verbosity
    assert MODEL_CATALOG["gpt-5.1"].supports_verbosity


@pytest.mark.parametrize(
    ("slug", "family"),
    [
        ("gpt-5.1-codex", "codex"),
        ("gpt-5.1-codex-max", "codex-max"),
        ("gpt-5.1-codex-mini", "codex-mini"),
        ("gpt-5.1", "gpt-5.1"),
        ("gpt-5.3-codex-spark", "codex-spark"),
        ("gpt-5.6-luna", "gpt-5.6"),
        ("gpt-6-astra", "gpt-6"),
        ("gpt-9-codex-mini", "codex-mini"),  # unknown, placed by its name
        ("gpt-9-codex", "codex"),
        ("llama", "other"),
    ],
)
def test_families(slug: str, family: str) -> None:
    assert get_model_family(slug) == family
