"""Effort, summary and verbosity: the seed's clamping rules and the catalog's levels."""

from __future__ import annotations

from typing import Any

import pytest
from litellm_codex_oauth_provider.domain.errors import CodexRequestError
from litellm_codex_oauth_provider.domain.models import ModelSpec, normalize_model
from litellm_codex_oauth_provider.domain.reasoning import apply_reasoning_config


def config(model: str, effort: Any = None, verbosity: str | None = None, spec: ModelSpec | None = None) -> Any:
    return apply_reasoning_config(
        original_model=model,
        normalized_model=normalize_model(model),
        reasoning_effort=effort,
        verbosity=verbosity,
        model_spec=spec,
    )


@pytest.mark.parametrize(
    ("model", "effort", "expected"),
    [
        # the seed's rules
        ("gpt-5.1-codex-mini", "none", "medium"),
        ("gpt-5.1-codex-mini", "minimal", "medium"),
        ("gpt-5.1-codex-mini", "low", "medium"),
        ("gpt-5.1-codex-mini", "xhigh", "high"),
        ("gpt-5.1-codex", "minimal", "low"),
        ("gpt-5.1-codex", "xhigh", "high"),
        ("gpt-5.1", "xhigh", "high"),
        ("gpt-5.1-codex-max", "xhigh", "xhigh"),
        # every other known model: the nearest level it supports (the stronger on a tie)
        ("gpt-5.1-codex", "none", "low"),
        ("gpt-5.1", "minimal", "low"),
        ("gpt-5.1-codex-max", "max", "xhigh"),
        ("gpt-5.5", "max", "xhigh"),
        ("gpt-5.5", "none", "none"),
        ("gpt-6-astra", "max", "max"),
        ("gpt-6-astra", "none", "low"),
        ("gpt-5.4-mini", "minimal", "low"),
        # unknown models: the seed's family rules by name, otherwise as asked
        ("gpt-9-codex-mini", "low", "medium"),
        ("gpt-9-codex", "minimal", "low"),
        ("mystery-model", "xhigh", "high"),
        ("mystery-model", "max", "max"),
    ],
)
def test_clamping(model: str, effort: str, expected: str) -> None:
    assert config(model, effort)["reasoning"]["effort"] == expected


def test_effort_comes_from_explicit_then_suffix_then_default() -> None:
    assert config("gpt-5.1-codex-high", "low")["reasoning"] == {"effort": "low", "summary": "auto"}
    assert config("gpt-5.1-codex-high")["reasoning"]["effort"] == "high"
    assert config("gpt-5.1-codex")["reasoning"]["effort"] == "medium"
    assert config("gpt-5.1-codex-mini-low")["reasoning"]["effort"] == "medium"
    assert "effort" not in config("mystery-model")["reasoning"]  # nothing asked, nothing known


def test_a_reasoning_object_sets_effort_and_summary() -> None:
    assert config("gpt-5.1-codex", {"effort": "HIGH", "summary": "detailed"})["reasoning"] == {
        "effort": "high",
        "summary": "detailed",
    }
    assert config("gpt-5.1-codex", {"summary": "concise"})["reasoning"] == {"effort": "medium", "summary": "concise"}


def test_the_live_catalog_spec_wins() -> None:
    live = ModelSpec("gpt-5.1-codex", "codex", ("low", "medium", "high", "xhigh"), "high", True, 400_000)
    out = config("gpt-5.1-codex", "xhigh", "low", spec=live)
    assert out["reasoning"]["effort"] == "xhigh"
    assert out["text"] == {"verbosity": "low"}
    assert config("gpt-5.1-codex", None, spec=live)["reasoning"]["effort"] == "high"


def test_verbosity_only_where_the_model_takes_it() -> None:
    assert config("gpt-5.1", verbosity="low")["text"] == {"verbosity": "low"}
    assert config("gpt-5.1-codex", verbosity="low")["text"] == {}
    assert config("mystery-model", verbosity="high")["text"] == {"verbosity": "high"}
    assert config("gpt-5.1")["text"] == {}


def test_a_model_that_refuses_summaries_gets_none() -> None:
    assert config("gpt-5.3-codex-spark", "high")["reasoning"] == {"effort": "high"}


@pytest.mark.parametrize(
    ("effort", "verbosity", "named"),
    [("turbo", None, "reasoning effort 'turbo'"), (3, None, "reasoning effort 3"), (None, "loud", "verbosity 'loud'")],
)
def test_invalid_words_are_clear_errors(effort: Any, verbosity: str | None, named: str) -> None:
    with pytest.raises(CodexRequestError, match=named) as caught:
        config("gpt-5.1-codex", effort, verbosity)
    assert "medium" in str(caught.value)  # the valid values are listed
    assert caught.value.status_code == 400
    assert isinstance(caught.value, ValueError)
