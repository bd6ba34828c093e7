"""The seed's constants module (``litellm_codex_oauth_provider.constants``)."""

from .domain.constants import *  # noqa: F403
