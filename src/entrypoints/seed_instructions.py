"""The seed's ``get_codex_instructions(normalized_model)``, for callers that import it by name.

It answers as the seed did: the official prompt of the model's family from GitHub
(cached in ``CODEX_CACHE_DIR`` for ``CODEX_INSTRUCTIONS_CACHE_TTL_SECONDS``, a stale
copy on failure), else this project's short text. Requests go through the
provider's own chain, which asks the backend's catalog first; this function is for
code written against the seed. Its GitHub source is the runtime's, shared with the provider.
"""

from __future__ import annotations

from .container import reset_runtime, runtime


def get_codex_instructions(normalized_model: str = "gpt-5.1-codex") -> str:
    """Fetches Codex instructions from GitHub with caching (15-minute TTL, ETags)."""
    return runtime().github_instruction_chain().get_instructions(normalized_model)


def reset() -> None:
    """Forgets the process's runtime, so the next call reads the settings again (tests, changed environment)."""
    reset_runtime()
