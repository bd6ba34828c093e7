"""This package's files in the shared cache folder: one JSON document per entry, written atomically.

``CODEX_CACHE_DIR`` defaults to ``~/.opencode/cache``, a folder the OpenCode plugin
also fills (``codex-instructions.md``, ``codex-instructions-meta.json``). So every
file here starts with :data:`FILE_PREFIX`, carries a ``format`` marker and a SHA-256
of its payload, and keeps text and metadata in one document: a half-written,
foreign or tampered file is never mistaken for ours, and text and metadata can
never disagree.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from ..application.logs import get_logger
from .atomic_write import write_atomically

logger = get_logger(__name__)

FILE_PREFIX = "litellm-codex-oauth-"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def cache_path(folder: Path, kind: str, key: str) -> Path:
    """``<folder>/litellm-codex-oauth-<kind>-<key>.json`` with ``key`` made safe for a file name."""
    return folder.expanduser() / f"{FILE_PREFIX}{kind}-{_UNSAFE.sub('_', key)}.json"


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def write_document(path: Path, kind: str, payload: dict[str, Any]) -> None:
    """Temp file in the same folder, fsync, ``os.replace``: readers see the old file or the new one."""
    document = {"format": f"{FILE_PREFIX}{kind}/1", "sha256": _digest(payload), "payload": payload}
    write_atomically(path, json.dumps(document, ensure_ascii=False).encode("utf-8"))


def write_quietly(path: Path, kind: str, payload: dict[str, Any]) -> None:
    """A folder that cannot be written costs the disk copy, never the text just fetched."""
    try:
        write_document(path, kind, payload)
    except OSError as exc:
        logger.warning("cache_file_not_written", path=str(path), reason=type(exc).__name__)


def read_document(path: Path, kind: str) -> dict[str, Any] | None:
    """The payload, or ``None`` when the file is absent, unreadable, foreign or does not match its checksum."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        logger.warning("cache_file_ignored", path=str(path), reason=type(exc).__name__)
        return None
    try:
        document = json.loads(raw)
    except ValueError:
        logger.warning("cache_file_ignored", path=str(path), reason="not JSON")
        return None
    if not isinstance(document, dict) or document.get("format") != f"{FILE_PREFIX}{kind}/1":
        logger.warning("cache_file_ignored", path=str(path), reason="unknown format")
        return None
    payload = document.get("payload")
    if not isinstance(payload, dict) or document.get("sha256") != _digest(payload):
        logger.warning("cache_file_ignored", path=str(path), reason="checksum mismatch")
        return None
    return payload


def number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
