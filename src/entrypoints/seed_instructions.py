"""The seed's ``get_codex_instructions(normalized_model)``, for callers that import it by name.

It answers as the seed did: the official prompt of the model's family from GitHub
(cached in ``CODEX_CACHE_DIR`` for ``CODEX_INSTRUCTIONS_CACHE_TTL_SECONDS``, a stale
copy on failure), else this project's short text. Requests go through the
provider's own chain, which asks the backend's catalog first; this function is for
code written against the seed.
"""

from __future__ import annotations

import threading

from ..adapters.instruction_chain import InstructionChain
from .container import Container

_lock = threading.Lock()
_chain: InstructionChain | None = None


def get_codex_instructions(normalized_model: str = "gpt-5.1-codex") -> str:
    """Fetches Codex instructions from GitHub with caching (15-minute TTL, ETags)."""
    global _chain
    with _lock:
        if _chain is None:
            _chain = Container().github_instruction_chain()
        chain = _chain
    return chain.get_instructions(normalized_model)


def reset() -> None:
    """Forgets the chain, so the next call reads the settings again (tests, changed environment)."""
    global _chain
    with _lock:
        _chain = None
