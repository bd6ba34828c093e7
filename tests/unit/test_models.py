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
