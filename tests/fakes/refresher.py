"""An in-memory ``LoginRefresher``: rotates refresh tokens like the real endpoint, counts calls."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from litellm_codex_oauth_provider.domain.errors import CodexAuthRefreshError

from tests.fakes.logins import make_jwt


@dataclass
class FakeRefresher:
    """Answers ``refresh`` with fresh tokens; ``errors`` are raised first, one per call."""

    lifetime: float = 10 * 24 * 3600
    delay: float = 0.0
    errors: deque[CodexAuthRefreshError] = field(default_factory=deque)
    omit: set[str] = field(default_factory=set)
    seen: list[str] = field(default_factory=list)
    issued: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def calls(self) -> int:
        return len(self.seen)

    def _answer(self, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            self.seen.append(refresh_token)
            if self.errors:
                raise self.errors.popleft()
            n = len(self.seen)
            now = time.time()
            answer = {
                "access_token": make_jwt(exp=now + self.lifetime, iat=int(now), secret_tag=f"fresh-{n}"),
                "refresh_token": f"rt-fresh-{n}",
                "id_token": make_jwt(exp=now + 3600, secret_tag=f"id-{n}"),
                "expires_in": int(self.lifetime),
            }
            for name in self.omit:
                answer.pop(name)
            self.issued.append(answer)
            return answer

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        if self.delay:
            time.sleep(self.delay)
        return self._answer(refresh_token)

    async def arefresh(self, refresh_token: str) -> dict[str, Any]:
        if self.delay:
            await asyncio.sleep(self.delay)
        return self._answer(refresh_token)
