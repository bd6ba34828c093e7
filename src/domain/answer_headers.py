"""The headers of the backend's answers that mean something here: its request id and its limits.

The one place their names are written: the request id (``x-request-id``, or
``x-oai-request-id`` behind some gateways) and the ``x-codex-*`` limit headers are
what a caller may see of an answer's headers; nothing else of the backend's is passed on.
"""

from __future__ import annotations

from collections.abc import Mapping

LIMIT_HEADER_PREFIX = "x-codex-"
REQUEST_ID_HEADERS = ("x-request-id", "x-oai-request-id")


def lowered(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers with lower-case names (an ``httpx.Headers`` is already case-blind; a dict is not)."""
    return {k.lower(): v for k, v in headers.items()}


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The backend's id for the answer, which its support asks for."""
    names = lowered(headers)
    for name in REQUEST_ID_HEADERS:
        if names.get(name):
            return names[name]
    return None


def limit_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The ``x-codex-*`` headers (lower-case names)."""
    return {k: v for k, v in lowered(headers).items() if k.startswith(LIMIT_HEADER_PREFIX)}


def passable(headers: Mapping[str, str]) -> dict[str, str]:
    """What may reach a caller: the limit headers and the request id, never cookies or the like."""
    return {k: v for k, v in lowered(headers).items() if k.startswith(LIMIT_HEADER_PREFIX) or k in REQUEST_ID_HEADERS}
