"""Writing a refreshed login back, and never losing one that could not be written.

The refresh token is single-use: once the endpoint answers, the old one is spent and
the new login exists only in this process until it is written. So the write is made
only over the version the refresh started from (a newer login written meanwhile
wins), and a write that fails keeps the new login in memory, says so loudly (naming
where), tries again on later calls, and once more when the process exits.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..application.logs import get_logger
from ..domain.errors import CodexAuthFileNotFoundError, CodexError
from ..domain.login import answer_expiry, merge_refresh
from .login_snapshot import LoginBackend, LoginSnapshot, WriteBackFailed, decode_claims, snapshot_of

logger = get_logger(__name__)

V = TypeVar("V")

WRITE_ATTEMPTS = 3
"""Rewrites of a login someone else keeps rewriting (with the spent token still in it) before giving up."""


class _Unusable(Exception):
    """Why a refresh answer makes no login this package can use."""


@dataclass(frozen=True, slots=True)
class UnsavedLogin(Generic[V]):
    """A login obtained but not yet written: the spent refresh token is gone, so this one must not be."""

    base: LoginSnapshot[V]
    answer: dict[str, Any] = field(repr=False)
    spent: str = field(repr=False)
    refreshed_at: float
    snapshot: LoginSnapshot[V]


class LoginWriter(Generic[V]):
    """Writes refreshed logins to one backend; holds the one it could not write."""

    def __init__(self, backend: LoginBackend[V]) -> None:
        self.backend = backend
        self.unsaved: UnsavedLogin[V] | None = None
        self._exit_hook = False

    def write_back(
        self, base: LoginSnapshot[V], answer: dict[str, Any], spent: str, refreshed_at: float
    ) -> LoginSnapshot[V]:
        """Write the refreshed login over ``base``; a newer login written meanwhile wins.

        Someone may write while the refresh call is out (the user's ``codex login``, the
        Codex CLI, another host). If their login holds a new refresh token it is the newer
        one and stays; if it still holds the one just spent, the new tokens go into their
        document. A write that cannot be made keeps the new login in memory and retries.
        """
        for _ in range(WRITE_ATTEMPTS):
            document = self.merged(base, answer, refreshed_at)
            try:
                written = self.backend.write_if_unchanged(base, document)
            except WriteBackFailed as exc:
                return self._keep(base, answer, spent, refreshed_at, str(exc))
            if written is not None:
                event = "codex_login_refreshed" if self.unsaved is None else "codex_login_saved_late"
                logger.info(event, where=self.backend.where, expires_at=written.auth.expires_at)
                self.unsaved = None
                return written
            try:
                current = self.backend.snapshot()
            except CodexAuthFileNotFoundError:  # signed out meanwhile: not brought back, served from here
                logger.warning("codex_login_removed_during_refresh", where=self.backend.where)
                self.unsaved = None
                return self.backend.snapshot_of(document, base.version)
            except CodexError as exc:
                why = f"the login there changed and cannot be read ({type(exc).__name__})"
                return self._keep(base, answer, spent, refreshed_at, why)
            if current.login.refresh_token != spent:
                logger.warning("codex_login_newer_in_store", where=self.backend.where)
                self.unsaved = None
                return current
            base = current
        return self._keep(base, answer, spent, refreshed_at, "it kept changing while being written")

    def unusable(self, base: LoginSnapshot[V], answer: dict[str, Any], now: float) -> str | None:
        """Why the login the answer makes could not be used (say, an access token that is no JWT), or ``None``.

        Such an answer is not written as it is: the file would be refused on every call.
        """
        try:
            snapshot_of(self.merged(base, answer, now), base.version, _Unusable)
        except _Unusable as exc:
            return str(exc)
        return None

    def merged(self, base: LoginSnapshot[V], answer: dict[str, Any], now: float) -> dict[str, Any]:
        claims = decode_claims(str(answer.get("access_token", ""))) or {}
        exp = claims.get("exp")
        expires_at = float(exp) if isinstance(exp, int | float) else answer_expiry(answer, now)
        return merge_refresh(base.document, base.login.shape, answer, now=now, expires_at=expires_at)

    def _keep(
        self, base: LoginSnapshot[V], answer: dict[str, Any], spent: str, refreshed_at: float, why: str
    ) -> LoginSnapshot[V]:
        """The new login lives on in this process, and the write is tried again on later calls."""
        snapshot = self.backend.snapshot_of(self.merged(base, answer, refreshed_at), base.version)
        first = self.unsaved is None
        self.unsaved = UnsavedLogin(base, answer, spent, refreshed_at, snapshot)
        log = logger.error if first else logger.warning
        log("codex_login_write_failed", where=self.backend.where, error=why, kept="in memory only, retrying")
        if not self._exit_hook:
            self._exit_hook = True
            atexit.register(self.save_before_exit)
        return snapshot

    def retry(self) -> None:
        """Write the login kept in memory, under the backend's lock; any failure keeps it for later."""
        unsaved = self.unsaved
        if unsaved is None:
            return
        try:
            with self.backend.locked():
                self.write_back(unsaved.base, unsaved.answer, unsaved.spent, unsaved.refreshed_at)
        except CodexError as exc:  # the lock or the backend is still out of reach
            logger.warning("codex_login_write_failed", where=self.backend.where, error=type(exc).__name__)

    def save_before_exit(self) -> None:
        """A process must not end quietly holding the only live login."""
        self.retry()
        if self.unsaved is not None:
            logger.critical(
                "codex_login_lost_at_exit",
                where=self.backend.where,
                hint="the refreshed login could not be written; sign in again with `codex login`",
            )
