"""An autouse fixture (tests/conftest.py imports it for every test): logging as the test found it.

``codex-litellm``'s ``main`` configures logging for the process it runs in (structlog's
level filter, a handler on the package logger); tests that run it in the test process
would otherwise change what later tests' log capture sees.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def logging_untouched() -> Iterator[None]:
    package = logging.getLogger("litellm_codex_oauth_provider")
    level, handlers = package.level, list(package.handlers)
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()
    package.setLevel(level)
    package.handlers[:] = handlers
