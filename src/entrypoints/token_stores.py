"""Building the token stores the settings and the proxy's deployments name.

Redis is an optional extra (``pip install 'litellm-codex-oauth-provider[redis]'``), so
its adapter is imported only when a Redis store is asked for, with a clear error
when the package is missing.
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from ..domain.errors import CodexTokenStoreUnavailableError
from ..domain.ports import TokenStore


def build_redis_token_store(url: SecretStr | str | None, key: str, **options: Any) -> TokenStore:
    """A ``RedisTokenStore``; ``url`` is ``CODEX_REDIS_URL`` unless a deployment names its own."""
    if url is None:
        raise CodexTokenStoreUnavailableError(
            "the Redis login store needs a URL: set CODEX_REDIS_URL (e.g. redis://redis-host:6379/0) "
            "or name redis_url in the deployment's litellm_params"
        )
    try:
        from ..adapters.redis_token_store import RedisTokenStore
    except ImportError as exc:  # "No module named 'redis'": nothing secret to hide
        raise CodexTokenStoreUnavailableError(
            "the Redis login store needs the redis package: pip install 'litellm-codex-oauth-provider[redis]'"
        ) from exc
    plain = url.get_secret_value() if isinstance(url, SecretStr) else url
    return RedisTokenStore(plain, key, **options)
