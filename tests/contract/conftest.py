"""Fixtures that bring in LiteLLM (a 5-second import): contract tests only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def litellm_codex(codex_backend: Any, auth_file: Any) -> Iterator[Any]:
    """A fresh provider, built from the environment the fixtures set, registered as ``codex``."""
    import litellm
    from litellm_codex_oauth_provider import CodexAuthProvider, register

    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map[:] = [item for item in saved if item.get("provider") != "codex"]
    provider = register(CodexAuthProvider())
    try:
        yield provider
    finally:
        litellm.custom_provider_map[:] = saved
