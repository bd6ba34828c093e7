"""An autouse fixture for test modules that run ``codex-litellm``'s ``main`` in the test process.

``main`` configures logging for the process it runs in (structlog's level filter, a
handler on the package logger); this keeps that out of the other tests. Import it
into the test module (``from tests.fakes.cli_logging import logging_untouched``):
an imported fixture is the module's own.
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
