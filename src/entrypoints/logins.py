"""Several logins behind one proxy: a deployment names its own login in ``litellm_params``.

A ``model_list`` with one entry per login (``auth_file: /secrets/alice.json`` or
``redis_key: codex:login:bob``) lets LiteLLM's Router spread requests over the logins
and move to the next when one answers with its usage limit. LiteLLM hands those keys
to the provider inside ``optional_params``; they are taken out here, before anything
is sent to the backend. Each names one login, whose token store, model catalog and
instruction chain the runtime builds once, from the same sub-graph as the default login's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..application.completion import CompletionService
from ..domain.errors import CodexRequestError
from ..domain.ports import InstructionSource, ModelCatalog, TokenStore

LOGIN_KEYS = ("auth_file", "redis_key", "redis_url")


@dataclass(frozen=True, slots=True)
class LoginChoice:
    """The login one deployment names: a login file, or a Redis key (and optionally its own Redis)."""

    auth_file: str | None = None
    redis_key: str | None = None
    redis_url: str | None = None

    def __repr__(self) -> str:  # a Redis URL may hold a password
        return f"LoginChoice(auth_file={self.auth_file!r}, redis_key={self.redis_key!r})"


def take_login_choice(kwargs: dict[str, Any]) -> tuple[LoginChoice | None, dict[str, Any]]:
    """The login the call names, and the call's keywords without it (they must not reach the backend)."""
    found: dict[str, str] = {}
    cleaned = dict(kwargs)
    optional = dict(cleaned.get("optional_params") or {})
    for name in LOGIN_KEYS:
        for holder in (optional, cleaned):
            value = holder.pop(name, None)
            if value is not None:
                if not isinstance(value, str) or not value.strip():
                    raise CodexRequestError(f"the deployment's {name} must be a non-empty string")
                found.setdefault(name, value.strip())
    if "optional_params" in cleaned:
        cleaned["optional_params"] = optional
    if not found:
        return None, cleaned
    choice = LoginChoice(**found)
    if choice.auth_file and (choice.redis_key or choice.redis_url):
        raise CodexRequestError("a deployment names either auth_file or redis_key, not both")
    return choice, cleaned


@dataclass(frozen=True, slots=True)
class Login:
    """One login's sub-graph: its token store, its own catalog and instruction chain, its completion service.

    Every login (the default, each deployment's ``auth_file`` / ``redis_key``) gets one, so
    a request is served with its own account's catalog, effort levels and instructions.
    """

    tokens: TokenStore
    catalog: ModelCatalog | None
    instructions: InstructionSource
    service: CompletionService


def build_login(
    tokens: TokenStore,
    *,
    catalog_for: Callable[..., ModelCatalog],
    instructions_for: Callable[..., InstructionSource],
    service_for: Callable[..., CompletionService],
) -> Login:
    """The container's per-login factories, tied to one token store."""
    catalog = catalog_for(tokens=tokens)
    instructions = instructions_for(catalog=catalog)
    return Login(tokens, catalog, instructions, service_for(tokens=tokens, instructions=instructions, catalog=catalog))


class NamedLogins:
    """The logins deployments name, each built once per runtime and kept for its life."""

    def __init__(
        self,
        *,
        file_store: Callable[..., TokenStore],
        redis_store: Callable[..., TokenStore],
        login: Callable[..., Login],
    ) -> None:
        self._file_store = file_store
        self._redis_store = redis_store
        self._login = login
        self._logins: dict[LoginChoice, Login] = {}
        self._lock = threading.Lock()

    def login_for(self, choice: LoginChoice) -> Login:
        with self._lock:
            login = self._logins.get(choice)
            if login is None:
                login = self._logins[choice] = self._login(tokens=self._token_store(choice))
            return login

    def service_for(self, choice: LoginChoice) -> CompletionService:
        return self.login_for(choice).service

    def _token_store(self, choice: LoginChoice) -> TokenStore:
        if choice.auth_file:
            return self._file_store(path=Path(choice.auth_file).expanduser())
        options: dict[str, Any] = {}
        if choice.redis_key:
            options["key"] = choice.redis_key
        if choice.redis_url:
            options["url"] = choice.redis_url
        return self._redis_store(**options)
