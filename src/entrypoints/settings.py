"""``CodexSettings``: every setting, read from ``CODEX_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..domain.constants import (
    CODEX_API_BASE_URL,
    CODEX_CLIENT_VERSION,
    CODEX_INSTRUCTIONS_CACHE_TTL_SECONDS,
    CODEX_OAUTH_TOKEN_URL,
    DEFAULT_CODEX_MODE,
    DEFAULT_ORIGINATOR,
    GITHUB_API_URL,
    GITHUB_RAW_URL,
    TOKEN_CACHE_BUFFER_SECONDS,
)
from ..domain.signin import AUTH_BASE_URL, CALLBACK_PORT, SignInEndpoints

INSTRUCTION_SOURCES = ("catalog", "github")
"""What ``CODEX_INSTRUCTIONS_SOURCES`` may name."""


class CodexSettings(BaseSettings):
    """One settings object, built only by the container. See the README's settings table."""

    model_config = SettingsConfigDict(env_prefix="CODEX_", extra="ignore", frozen=True)

    auth_file: Path | None = None
    """``CODEX_AUTH_FILE``; else ``$CODEX_HOME/auth.json``; else ``~/.codex/auth.json``."""
    home: Path | None = None
    """``CODEX_HOME``, the Codex CLI's own folder setting."""
    cache_dir: Path = Field(default_factory=lambda: Path.home() / ".opencode" / "cache")
    mode: bool = DEFAULT_CODEX_MODE
    base_url: str = CODEX_API_BASE_URL
    oauth_token_url: str = CODEX_OAUTH_TOKEN_URL
    """``CODEX_OAUTH_TOKEN_URL``: when set, it wins over the token URL derived from ``CODEX_AUTH_BASE_URL``."""
    auth_base_url: str = AUTH_BASE_URL
    """``CODEX_AUTH_BASE_URL``: the sign-in server; the authorize, token, device-code and revoke URLs derive from it."""
    login_callback_port: int = Field(default=CALLBACK_PORT, ge=0, le=65535)
    """``CODEX_LOGIN_CALLBACK_PORT``: where ``codex-litellm login`` waits for the browser (1457 if taken; 0: any)."""
    github_api_url: str = GITHUB_API_URL
    github_raw_url: str = GITHUB_RAW_URL
    instructions_cache_ttl_seconds: float = CODEX_INSTRUCTIONS_CACHE_TTL_SECONDS
    originator: str = DEFAULT_ORIGINATOR
    client_version: str = CODEX_CLIENT_VERSION
    connect_timeout_seconds: float = 10.0
    stream_idle_timeout_seconds: float = 300.0
    """No byte for this long ends the answer with a timeout error (the official client's 300 s)."""
    async_http: Literal["aiohttp", "httpx"] = "aiohttp"
    """``CODEX_ASYNC_HTTP``: the async client's network layer, httpx over ``aiohttp`` (half the CPU per read)
    or plain ``httpx``; the requests, timeouts and errors are httpx's either way."""
    max_retries: int = 2
    """Transient failures (connection errors, 502/503/504, overload) retried before any byte reached the caller."""
    strict_params: bool = False
    """Refuse, instead of dropping with a warning, OpenAI parameters the backend cannot honour."""
    catalog_ttl_seconds: float = 300.0
    """How long the backend's model catalog (``/codex/models``) stays fresh."""
    instructions_fetch_timeout_seconds: float = 5.0
    """How long a request may wait for instructions on a cold cache."""
    instructions_sources: str = "catalog,github"
    """``CODEX_INSTRUCTIONS_SOURCES``: where Codex-mode instructions come from, in order (``catalog``,
    ``github``; a stale copy and this project's short default always follow)."""
    token_refresh_buffer_seconds: float = TOKEN_CACHE_BUFFER_SECONDS
    """Refresh the login this long before its access token expires."""
    oauth_timeout_seconds: float = Field(default=15.0, gt=0)
    """The token endpoint's timeout; only callers whose token has expired or was refused wait for a refresh."""
    token_store: Literal["file", "redis"] = "file"
    """``CODEX_TOKEN_STORE``: ``file`` (the login file) or ``redis`` (one login shared by every replica)."""
    redis_url: SecretStr | None = None
    """``CODEX_REDIS_URL``, e.g. ``redis://:password@redis-host:6379/0`` (a secret: it may hold a password)."""
    redis_key: str = "codex-litellm:login"
    """``CODEX_REDIS_KEY``: the Redis key (a hash) the login lives under."""
    redis_lock_timeout_seconds: float = 60.0
    """The refresh lock expires after this long, so a host that died holding it cannot block the others."""

    @field_validator("instructions_sources")
    @classmethod
    def _known_sources(cls, value: str) -> str:
        """Refused when the settings are read, with the names that are known, not when the first call needs them."""
        names = [name.strip().lower() for name in value.split(",") if name.strip()]
        unknown = sorted(set(names) - set(INSTRUCTION_SOURCES))
        if unknown:
            known = ", ".join(INSTRUCTION_SOURCES)
            raise ValueError(f"CODEX_INSTRUCTIONS_SOURCES: unknown source(s) {unknown}; use {known}")
        return ",".join(dict.fromkeys(names))

    @property
    def instruction_source_names(self) -> tuple[str, ...]:
        """``CODEX_INSTRUCTIONS_SOURCES`` as names, in order, each once (empty: none)."""
        return tuple(name for name in self.instructions_sources.split(",") if name)

    @property
    def signin_endpoints(self) -> SignInEndpoints:
        return SignInEndpoints.derive(self.auth_base_url, self.token_url)

    @property
    def token_url(self) -> str:
        """``CODEX_OAUTH_TOKEN_URL`` when set, else ``{CODEX_AUTH_BASE_URL}/oauth/token``."""
        if "oauth_token_url" in self.model_fields_set:
            return self.oauth_token_url
        return SignInEndpoints.derive(self.auth_base_url).token_url

    @property
    def auth_path(self) -> Path:
        if self.auth_file is not None:
            return self.auth_file.expanduser()
        if self.home is not None:
            return self.home.expanduser() / "auth.json"
        return Path.home() / ".codex" / "auth.json"
