"""Replacing a file so that a reader sees the old file or the new one, never half of either.

The login file, the caches and the usage-limit snapshot all go through here: a
temporary file in the same folder (so ``os.replace`` is a rename, not a copy),
private to the user from its first byte, flushed and fsynced, then renamed over
the old one, and the folder fsynced so the rename itself survives a crash.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

PRIVATE = 0o600


def write_atomically(
    path: Path,
    data: bytes,
    *,
    mode: int = PRIVATE,
    owner: tuple[int, int] | None = None,
    still_current: Callable[[], bool] | None = None,
) -> bool:
    """Replace ``path`` with ``data``; ``False`` (nothing written) when ``still_current`` says no.

    ``still_current`` is asked at the last moment, just before the rename, so a file
    another program rewrote meanwhile is not replaced. ``owner`` ``(uid, gid)`` is
    given to the new file where the process may (a root process keeps a user's file
    the user's).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        if owner is not None and owner != (os.geteuid(), os.getegid()):
            with contextlib.suppress(OSError):
                os.fchown(fd, *owner)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if still_current is not None and not still_current():
            os.unlink(temp_name)
            return False
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_folder(path.parent)
    return True


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every platform can open a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
