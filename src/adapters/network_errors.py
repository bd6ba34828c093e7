"""The network layers' failures in one vocabulary, so the sync client (httpx) and the async one
(httpx over aiohttp) fail alike.

httpx-aiohttp maps only some of aiohttp's errors to httpx's, and some oddly: a refused
connection arrives as ``ConnectTimeout``, a dropped one as another timeout, and a bad
status line or a non-HTTP answer not at all (aiohttp's ``ClientResponseError``, whose
text is its parser's). Here each failure is judged by what it really was (the aiohttp
error behind an httpx one where there is one), and named without the library's words.
"""

from __future__ import annotations

import enum

import aiohttp
import httpx

NETWORK_ERRORS: tuple[type[BaseException], ...] = (httpx.HTTPError, aiohttp.ClientError)
"""What a request or a read may raise, from either network layer."""


class Failure(enum.Enum):
    UNREACHABLE = enum.auto()
    """No connection: refused, unresolvable, or not made within the connect timeout."""
    NO_VALID_ANSWER = enum.auto()
    """Connected, but the answer was not HTTP (a bad status line, broken framing) or the connection broke.

    One kind, because the two layers draw that line differently (httpx calls a
    dropped connection a protocol error, aiohttp a payload or disconnection error).
    """
    SILENT = enum.auto()
    """No byte for longer than the read timeout."""


def classify(exc: BaseException) -> Failure:
    cause = exc.__cause__ if isinstance(exc.__cause__, aiohttp.ClientError) else exc
    if isinstance(cause, aiohttp.ClientConnectorError | httpx.ConnectError | httpx.ConnectTimeout):
        return Failure.UNREACHABLE
    if isinstance(cause, aiohttp.ServerTimeoutError | httpx.TimeoutException):
        return Failure.SILENT
    return Failure.NO_VALID_ANSWER
