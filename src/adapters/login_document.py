"""Reading and atomically rewriting ``auth.json``.

A read either yields a whole, understood login or a clear error; nothing here
writes a file it could not read. A write goes to a temporary file in the same
folder, is flushed and fsynced, keeps the old file's mode and owner, and replaces it
in one ``os.replace``: a reader (this package in another process, or the Codex CLI)
sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain.login_errors import file_not_found, unusable_file
from .atomic_write import write_atomically
from .login_snapshot import LoginSnapshot, snapshot_of

FileSignature = tuple[int, int, int]
"""``(st_ino, st_mtime_ns, st_size)``: changes whenever the file is replaced or rewritten."""

DEFAULT_MODE = 0o600


@dataclass(frozen=True, slots=True)
class JsonStyle:
    """How the file was laid out, so a rewrite changes only the values."""

    indent: int | str | None = 2
    trailing_newline: bool = False

    def render(self, document: Any) -> str:
        separators = (",", ": ") if self.indent is not None else (", ", ": ")
        text = json.dumps(document, indent=self.indent, separators=separators, ensure_ascii=False)
        return text + "\n" if self.trailing_newline else text


def detect_style(text: str) -> JsonStyle:
    """The indentation of the first nested line (``None`` for one-line JSON)."""
    trailing = text.endswith("\n")
    lines = text.strip().splitlines()
    if len(lines) < 2:
        return JsonStyle(indent=None, trailing_newline=trailing)
    second = lines[1]
    indent = second[: len(second) - len(second.lstrip(" \t"))]
    if not indent:
        return JsonStyle(indent=0, trailing_newline=trailing)
    return JsonStyle(indent=len(indent) if set(indent) == {" "} else indent, trailing_newline=trailing)


@dataclass(frozen=True, slots=True)
class FileState:
    """The file as it was read: its signature (did it change since?) and how to write it back."""

    signature: FileSignature
    style: JsonStyle
    mode: int
    owner: tuple[int, int]
    """``(uid, gid)``: a write-back keeps them where the process may (a proxy running as root)."""


LoginFile = LoginSnapshot[FileState]
"""One read of the login file."""


def signature_of(st: os.stat_result) -> FileSignature:
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def current_signature(path: Path) -> FileSignature | None:
    """The file's signature, ``None`` when it is gone: one ``stat``, the hot path's only I/O."""
    try:
        return signature_of(os.stat(path))
    except FileNotFoundError:
        return None


class _HalfWritten(Exception):
    """Empty or not JSON: maybe another program is writing the file in place right now."""


def read_login_file(path: Path, *, attempts: int = 3, pause: float = 0.02) -> LoginFile:
    """The login file, read whole; a file that looks half-written is read again before it is judged.

    The Codex CLI rewrites ``auth.json`` in place, so a reader can catch it empty or
    cut short for an instant; a file that stays that way is reported as broken.
    """
    for attempt in range(attempts):
        try:
            return _read_once(path)
        except _HalfWritten as exc:
            if attempt == attempts - 1:
                raise unusable_file(path, str(exc)) from None
            time.sleep(pause)
    raise AssertionError("unreachable")


def _read_once(path: Path) -> LoginFile:
    try:
        with open(path, "rb") as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise unusable_file(path, "it is not a regular file")
            raw = handle.read()
    except FileNotFoundError:
        raise file_not_found(path) from None
    except PermissionError:
        raise unusable_file(path, "this user may not read it (permission denied)") from None
    except IsADirectoryError:
        raise unusable_file(path, "it is a folder, not a file") from None
    except OSError as exc:
        raise unusable_file(path, f"it cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _HalfWritten("it is not UTF-8 text") from None
    if not text.strip():
        raise _HalfWritten("it is empty")
    try:
        document = json.loads(text)
    except ValueError:
        raise _HalfWritten("it is not valid JSON (truncated or damaged)") from None
    state = FileState(
        signature=signature_of(st),
        style=detect_style(text),
        mode=stat.S_IMODE(st.st_mode) or DEFAULT_MODE,
        owner=(st.st_uid, st.st_gid),
    )
    return snapshot_of(document, state, lambda why: unusable_file(path, why))


def write_login_file(
    path: Path,
    document: dict[str, Any],
    style: JsonStyle,
    mode: int,
    *,
    owner: tuple[int, int] | None = None,
    still_current: Callable[[], bool] | None = None,
) -> bool:
    """Replace the file atomically; ``False`` when ``still_current`` found it rewritten meanwhile.

    A symlinked ``auth.json`` (a dotfile manager, a shared secrets folder) is written
    through to its target: the link stays a link and the target gets the new login.
    """
    target = Path(os.path.realpath(path))
    data = style.render(document).encode("utf-8")
    return write_atomically(target, data, mode=mode, owner=owner, still_current=still_current)
