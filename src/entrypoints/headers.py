"""The backend's ``x-codex-*`` limit headers, passed on the way LiteLLM passes provider headers.

LiteLLM puts a provider's response headers in ``_hidden_params["additional_headers"]``
as ``llm_provider-<name>``; the proxy sends those to its clients as response headers.
"""

from __future__ import annotations

from collections.abc import Mapping

from litellm.litellm_core_utils.core_helpers import set_provider_response_headers_in_hidden_params
from litellm.types.utils import ModelResponse

from ..domain.limits import LIMIT_HEADER_PREFIX

_REQUEST_ID_HEADERS = ("x-request-id", "x-oai-request-id")


class LastHeaders:
    """Collects the headers of the answer one call got (the service calls it once per attempt)."""

    def __init__(self) -> None:
        self.value: dict[str, str] = {}

    def __call__(self, headers: Mapping[str, str]) -> None:
        self.value = {k.lower(): v for k, v in headers.items()}


def passable(headers: Mapping[str, str]) -> dict[str, str]:
    """Only the limit headers and the request id: nothing else of the backend's reaches callers."""
    return {k: v for k, v in headers.items() if k.startswith(LIMIT_HEADER_PREFIX) or k in _REQUEST_ID_HEADERS}


def with_provider_headers(response: ModelResponse, headers: Mapping[str, str]) -> ModelResponse:
    """``response`` with the limit headers in its hidden params (``llm_provider-x-codex-...``)."""
    picked = passable(headers)
    if picked:
        set_provider_response_headers_in_hidden_params(response, picked)
    return response
