"""The memory of logins the backend refused right after their refresh.

A 401 earns one refresh per call. When the token just refreshed is refused too, the
backend refuses the login itself (the account lost access to Codex, say): refreshing
again on every later request would spend a refresh each time and change nothing. The
memory is keyed by the access token and lives with the caller, not in the token store:
only the caller knows a refresh was followed by a refusal (a deliberate second refresh
is not one), and a new sign-in (another token) is tried again at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..domain.errors import CodexAPIError, CodexAPIStatusError
from .logs import get_logger

logger = get_logger(__name__)

UNAUTHORIZED = 401
REFUSED_LOGIN_MEMORY_SECONDS = 300.0
"""How long a token refused right after its refresh is not refreshed again on a 401."""


class RefusedLogins:
    """Access tokens refused right after their refresh, each remembered for a while."""

    def __init__(
        self, seconds: float = REFUSED_LOGIN_MEMORY_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._refused: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"RefusedLogins({len(self._refused)} remembered)"

    def holds(self, token: str) -> bool:
        refused_at = self._refused.get(token)
        return refused_at is not None and self._clock() - refused_at < self.seconds

    def remember(self, token: str) -> None:
        now = self._clock()
        self._refused = {t: at for t, at in self._refused.items() if now - at < self.seconds}
        self._refused[token] = now
        logger.warning("codex_backend_refused_fresh_token", action="no_refresh_for_seconds", seconds=self.seconds)

    def error(self, exc: CodexAPIError) -> CodexAPIStatusError:
        """The backend's 401, saying the login is refused even right after a refresh and what to do."""
        return CodexAPIStatusError(
            UNAUTHORIZED,
            f"the backend refuses this login even right after a refresh ({exc.message}); the account may "
            "have lost access to Codex: sign in again with `codex login`",
            body=exc.body,
            request_id=exc.request_id,
            headers=exc.headers,
            code=exc.code or "login_refused_after_refresh",
            transient=False,
            url=exc.url,
        )
