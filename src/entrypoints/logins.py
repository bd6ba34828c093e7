"""Several logins behind one proxy: a deployment names its own login in ``litellm_params``.

A ``model_list`` with one entry per login (``auth_file: /secrets/alice.json`` or
``redis_key: codex:login:bob``) lets LiteLLM's Router spread requests over the logins
and move to the next when one answers with its usage limit. LiteLLM hands those keys
to the provider inside ``optional_params``; they are taken out here, before anything
is sent to the backend, and each names one token store, built once by the container
and kept for the provider's life.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..application.completion import CompletionService
from ..domain.errors import CodexRequestError

if TYPE_CHECKING:
    from .container import Container

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


class LoginServices:
    """One ``CompletionService`` per named login, all sharing the transport and instructions."""

    def __init__(self, container: Callable[[], Container]) -> None:
        self._container = container
        self._services: dict[LoginChoice, CompletionService] = {}
        self._lock = threading.Lock()

    def service_for(self, choice: LoginChoice) -> CompletionService:
        with self._lock:
            service = self._services.get(choice)
            if service is None:
                tokens = self._token_store(choice)
                service = self._container().login_completion_service(tokens=tokens)
                self._services[choice] = service
            return service

    def _token_store(self, choice: LoginChoice) -> Any:
        if choice.auth_file:
            return self._container().file_token_store_for(path=Path(choice.auth_file).expanduser())
        options: dict[str, Any] = {}
        if choice.redis_key:
            options["key"] = choice.redis_key
        if choice.redis_url:
            options["url"] = choice.redis_url
        return self._container().redis_token_store_for(**options)
