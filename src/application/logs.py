"""The package's loggers: structlog, written through the standard library's ``logging``.

A library must not decide where its logs go. structlog's own default prints every
event to standard output, which would put this package's info lines into the
output of any program that uses it without configuring structlog. So each logger
here wraps a ``logging`` logger of the module's name: an application that has
configured structlog gets its processors (``wrap_logger`` reads the global
configuration at every call), and the destination and level are whatever the
application's ``logging`` says (with none configured, warnings and errors reach
standard error, info lines nothing).
"""

from __future__ import annotations

import logging
from typing import Any

import structlog


def get_logger(name: str) -> Any:
    return structlog.wrap_logger(logging.getLogger(name))
