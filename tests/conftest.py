"""Shared fixtures. No test touches the real ~/.codex, the real cache folder or the network."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.cli_logging import logging_untouched  # noqa: F401 - autouse: an in-process main() configures logging
from tests.fakes.codex_backend import FakeCodexBackend
from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME, login and cache paths, and no CODEX_* from the machine."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith(("CODEX_", "CHATGPT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CODEX_HOME", str(home / ".codex"))
    monkeypatch.setenv("CODEX_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("CODEX_GITHUB_API_URL", "http://127.0.0.1:9/github-api-disabled-in-tests")
    monkeypatch.setenv("CODEX_GITHUB_RAW_URL", "http://127.0.0.1:9/github-raw-disabled-in-tests")
    monkeypatch.setenv("CODEX_OAUTH_TOKEN_URL", "http://127.0.0.1:9/oauth-disabled-in-tests")
    return home


@pytest.fixture(autouse=True)
def _fresh_runtime() -> Iterator[None]:
    """The process's runtime is built from the settings on first use: each test builds its own from its own."""

    def reset() -> None:
        container = sys.modules.get("litellm_codex_oauth_provider.entrypoints.container")
        if container is not None:  # not imported yet: nothing to forget (and no import to pay for)
            container.reset_runtime()

    reset()
    yield
    reset()


@pytest.fixture
def access_token() -> str:
    return make_jwt(exp=time.time() + 7 * 24 * 3600)


@pytest.fixture
def auth_file(tmp_path: Path, access_token: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = write_auth_file(tmp_path / "codex" / "auth.json", codex_auth_document(access_token))
    monkeypatch.setenv("CODEX_AUTH_FILE", str(path))
    return path


@pytest.fixture
def codex_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCodexBackend]:
    with FakeCodexBackend() as backend:
        monkeypatch.setenv("CODEX_BASE_URL", backend.base_url)
        yield backend
