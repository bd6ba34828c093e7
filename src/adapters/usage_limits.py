"""The plan's usage limits, as last seen in the backend's ``x-codex-*`` answer headers.

The backend reports how much of the 5-hour and weekly windows is spent on every
answer, refused or not (PROTOCOL.md section 5). ``UsageLimitsRecordingTransport``
keeps the latest report in a small JSON file in the cache folder, so
``codex-litellm status`` can show it without spending a request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..application.logs import get_logger
from ..domain.errors import CodexAPIError
from ..domain.ports import AsyncEventStream, AuthContext, EventStream, ResponsesRequest, ResponsesTransport
from .atomic_write import write_atomically

logger = get_logger(__name__)

_PREFIX = "x-codex-"
_WINDOW_FIELDS = ("used-percent", "window-minutes", "reset-after-seconds", "reset-at")


@dataclass(frozen=True, slots=True)
class LimitWindow:
    name: str
    used_percent: float | None
    window_minutes: int | None
    resets_at: float | None


@dataclass(frozen=True, slots=True)
class UsageLimits:
    seen_at: float
    plan_type: str | None
    windows: tuple[LimitWindow, ...]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def limits_from_headers(headers: Mapping[str, str], now: float) -> dict[str, Any] | None:
    """The limit headers of one answer as a JSON-ready document; ``None`` if it had none."""
    lowered = {k.lower(): v for k, v in headers.items()}
    windows: dict[str, dict[str, float | None]] = {}
    for name in ("primary", "secondary"):
        values = {f: _number(lowered.get(f"{_PREFIX}{name}-{f}")) for f in _WINDOW_FIELDS}
        if any(v is not None for v in values.values()):
            reset_at = values["reset-at"]
            if reset_at is None and values["reset-after-seconds"] is not None:
                reset_at = now + values["reset-after-seconds"]
            windows[name] = {
                "used_percent": values["used-percent"],
                "window_minutes": values["window-minutes"],
                "resets_at": reset_at,
            }
    if not windows:
        return None
    return {"seen_at": now, "plan_type": lowered.get(f"{_PREFIX}plan-type"), "windows": windows}


class UsageLimitsFile:
    """The last report, kept in ``path``; written at most every ``min_interval`` seconds."""

    def __init__(self, path: Path, *, min_interval: float = 5.0) -> None:
        self.path = path
        self._min_interval = min_interval
        self._last_write = 0.0

    def observe(self, headers: Mapping[str, str], *, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._last_write < self._min_interval:
            return
        document = limits_from_headers(headers, now)
        if document is None:
            return
        self._last_write = now
        try:
            write_atomically(self.path, json.dumps(document).encode("utf-8"))
        except OSError as exc:
            logger.debug("usage_limits_not_saved", error=type(exc).__name__)

    def load(self) -> UsageLimits | None:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            windows = tuple(
                LimitWindow(
                    name=name,
                    used_percent=_number(w.get("used_percent")),
                    window_minutes=int(w["window_minutes"]) if w.get("window_minutes") is not None else None,
                    resets_at=_number(w.get("resets_at")),
                )
                for name, w in document["windows"].items()
            )
            return UsageLimits(float(document["seen_at"]), document.get("plan_type"), windows)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


class UsageLimitsRecordingTransport:
    """Sends through ``inner`` and hands every answer's headers to ``limits``."""

    def __init__(self, inner: ResponsesTransport, limits: UsageLimitsFile) -> None:
        self.inner = inner
        self.limits = limits

    def __getattr__(self, name: str) -> Any:
        # The wrapped transport's own attributes (base_url, close, clients) stay reachable.
        return getattr(self.inner, name)

    def open(self, request: ResponsesRequest, auth: AuthContext) -> EventStream:
        try:
            stream = self.inner.open(request, auth)
        except CodexAPIError as exc:
            self.limits.observe(exc.headers, force=True)
            raise
        self.limits.observe(stream.headers)
        return stream

    async def aopen(self, request: ResponsesRequest, auth: AuthContext) -> AsyncEventStream:
        try:
            stream = await self.inner.aopen(request, auth)
        except CodexAPIError as exc:
            self.limits.observe(exc.headers, force=True)
            raise
        self.limits.observe(stream.headers)
        return stream
