"""Whether a login's backend answers, so a hung one is not asked on every request.

Redis stopped or hung costs its whole socket timeout on each call that asks it.
While the login held in memory is still good, a failed check is not repeated for a
while, and the outage is logged once when it begins and once when it ends, not on
every request.
"""

from __future__ import annotations

import threading
import time

from ..application.logs import get_logger

logger = get_logger(__name__)


class BackendReachability:
    """One backend's outage episodes: when to ask it again, and the two lines per episode."""

    def __init__(self, where: str, backoff_seconds: float) -> None:
        self.where = where
        self.backoff_seconds = backoff_seconds
        self._quiet_until = float("-inf")
        self._unreachable = False
        self._lock = threading.Lock()

    @property
    def quiet(self) -> bool:
        """The backend failed a moment ago: do not ask it yet."""
        return time.monotonic() < self._quiet_until

    def failed(self) -> None:
        self._quiet_until = time.monotonic() + self.backoff_seconds
        if self._turned(True):
            logger.warning(
                "codex_login_store_unreachable_using_cached", where=self.where, retry_in_seconds=self.backoff_seconds
            )

    def answered(self) -> None:
        if self._unreachable and self._turned(False):
            logger.info("codex_login_store_reachable_again", where=self.where)

    def _turned(self, unreachable: bool) -> bool:
        """Set the state; whether it changed (so concurrent callers log a change once)."""
        with self._lock:
            changed, self._unreachable = self._unreachable != unreachable, unreachable
        return changed
