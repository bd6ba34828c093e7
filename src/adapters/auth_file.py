"""``CodexAuthFileTokenStore``: the login the Codex CLI keeps in ``auth.json``, kept alive.

The refresh policy is :class:`~.refreshing_token_store.RefreshingTokenStore`'s; this
module is the file's side of it. The hot path's check is one ``stat`` (the file's
signature); a lock file beside ``auth.json`` serialises the processes that refresh;
a write goes through a temporary file and one rename, and only if the file is still
the one the refresh started from (the Codex CLI does not take this package's lock, so
that is checked again at the last moment).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from ..application.logs import get_logger
from ..domain.login_errors import lock_timeout, lock_unavailable, unusable_file
from .login_document import (
    DEFAULT_MODE,
    FileState,
    JsonStyle,
    LoginFile,
    current_signature,
    read_login_file,
    write_login_file,
)
from .login_snapshot import WriteBackFailed, snapshot_of
from .refresh_options import RefreshPolicy
from .refreshing_token_store import RefreshingTokenStore

if TYPE_CHECKING:
    from typing_extensions import Unpack

logger = get_logger(__name__)

SHARED_BITS = 0o077


def lock_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextmanager
def file_lock(path: Path, wait_seconds: float) -> Iterator[None]:
    """The lock file beside ``path``, held for the block; a fresh lock object (and descriptor) per use,
    so two holders in one process exclude each other too."""
    lock = FileLock(lock_path_for(path), mode=0o600, thread_local=False)
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        raise lock_timeout(lock_path_for(path), wait_seconds) from None
    except OSError as exc:
        raise lock_unavailable(lock_path_for(path), exc.strerror or type(exc).__name__) from None
    try:
        yield
    finally:
        lock.release()


class FileLoginBackend:
    """``auth.json`` as a :class:`~.login_snapshot.LoginBackend`: stat signature, file lock, atomic write."""

    def __init__(self, path: Path, *, lock_wait_seconds: float = 60.0) -> None:
        self.path = Path(path)
        self.lock_wait_seconds = lock_wait_seconds
        self._warned_mode = False

    @property
    def where(self) -> str:
        return str(self.path)

    @property
    def flight_name(self) -> str:
        return str(self.path.expanduser().absolute())

    def snapshot(self) -> LoginFile:
        return read_login_file(self.path)

    def changed_since(self, snapshot: LoginFile) -> bool:
        return current_signature(self.path) != snapshot.version.signature

    async def achanged_since(self, snapshot: LoginFile) -> bool:
        return self.changed_since(snapshot)  # one stat: cheaper than a hop to a worker thread

    def locked(self) -> AbstractContextManager[None]:
        return file_lock(self.path, self.lock_wait_seconds)

    def write_if_unchanged(self, base: LoginFile, document: dict[str, Any]) -> LoginFile | None:
        state = base.version
        self._warn_if_shared(state.mode)
        try:
            written = write_login_file(
                self.path,
                document,
                state.style,
                state.mode,
                owner=state.owner,
                still_current=lambda: current_signature(self.path) == state.signature,
            )
        except OSError as exc:
            raise WriteBackFailed(exc.strerror or type(exc).__name__) from None
        return read_login_file(self.path) if written else None

    def snapshot_of(self, document: dict[str, Any], version: FileState) -> LoginFile:
        return snapshot_of(document, version, lambda why: unusable_file(self.path, why))

    def lock_timed_out(self, seconds: float) -> Exception:
        return lock_timeout(lock_path_for(self.path), seconds)

    def _warn_if_shared(self, mode: int) -> None:
        """A login file others may read is kept as the user set it, but said once."""
        if mode & SHARED_BITS and not self._warned_mode:
            self._warned_mode = True
            logger.warning(
                "codex_login_file_readable_by_others", path=str(self.path), mode=oct(mode), advice="chmod 600"
            )


def write_login_document(path: Path, document: dict[str, Any], *, lock_wait_seconds: float = 60.0) -> None:
    """Write a whole login (a new sign-in) to ``path`` under the refresh lock, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path, lock_wait_seconds):
        replace_login_document(path, document)


def replace_login_document(path: Path, document: dict[str, Any]) -> None:
    """:func:`write_login_document` for a caller that holds the lock already (``codex-litellm login``).

    The document is checked first (a login this package can use), the file keeps its mode
    and owner when it exists (0600 otherwise), and a symlink is written through.
    """
    snapshot_of(document, None, lambda why: unusable_file(path, why))  # refuses a login that cannot be used
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        mode, owner = DEFAULT_MODE, None
    else:
        mode, owner = stat.S_IMODE(st.st_mode) or DEFAULT_MODE, (st.st_uid, st.st_gid)
    style = JsonStyle(indent=2, trailing_newline=True)
    try:
        write_login_file(path, document, style, mode, owner=owner)
    except OSError as exc:
        raise unusable_file(path, f"it cannot be written ({exc.strerror or type(exc).__name__})") from None


class CodexAuthFileTokenStore(RefreshingTokenStore[FileState]):
    """The ``TokenStore`` of a login file shared with the Codex CLI and other processes."""

    def __init__(self, path: Path, *, lock_timeout_seconds: float = 60.0, **policy: Unpack[RefreshPolicy]) -> None:
        """``lock_timeout_seconds``: how long to wait for another process's refresh; ``policy``: see
        :class:`~.refreshing_token_store.RefreshPolicy` (a file is checked at most once a second)."""
        self.path = Path(path)
        self.lock_timeout_seconds = lock_timeout_seconds
        super().__init__(FileLoginBackend(self.path, lock_wait_seconds=lock_timeout_seconds), **policy)

    def __repr__(self) -> str:
        return f"CodexAuthFileTokenStore(path={str(self.path)!r})"
