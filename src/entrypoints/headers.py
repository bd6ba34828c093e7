"""The backend's ``x-codex-*`` limit headers, passed on the way LiteLLM passes provider headers.

LiteLLM puts a provider's response headers in ``_hidden_params["additional_headers"]``
as ``llm_provider-<name>``; the proxy sends those to its clients as response headers.
"""

from __future__ import annotations

from collections.abc import Mapping

from litellm.litellm_core_utils.core_helpers import set_provider_response_headers_in_hidden_params
from litellm.types.utils import ModelResponse

from ..domain.answer_headers import lowered, passable


class LastHeaders:
    """Collects the headers of the answer one call got (the service calls it once per attempt)."""

    def __init__(self) -> None:
        self.value: dict[str, str] = {}

    def __call__(self, headers: Mapping[str, str]) -> None:
        self.value = lowered(headers)


def with_provider_headers(response: ModelResponse, headers: Mapping[str, str]) -> ModelResponse:
    """``response`` with the limit headers and request id in its hidden params (``llm_provider-x-codex-...``)."""
    picked = passable(headers)
    if picked:
        set_provider_response_headers_in_hidden_params(response, picked)
    return response
