"""The plan's usage limits, as last seen in the backend's ``x-codex-*`` answer headers.

The backend reports how much of the 5-hour and weekly windows is spent on every
answer, refused or not (PROTOCOL.md section 5). ``UsageLimitsObservingTransport``
hands each answer's limit headers to a ``UsageLimitsFile``, which keeps the latest
report in a small JSON file in the cache folder, so ``codex-litellm status`` can
show it without spending a request.

Writing a file (a temporary file, fsync, rename, the folder's fsync) takes
milliseconds a proxy's event loop cannot spare on every answer, so the file is
written on a worker thread, at most once per ``min_interval``, with the latest
report winning; the request only hands over the headers. The headers are read
by the domain's one parser (``RateLimitSnapshot``), on that worker thread too.
"""

from __future__ import annotations

import atexit
import json
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..application.logs import get_logger
from ..domain.answer_headers import limit_headers
from ..domain.errors import CodexAPIError
from ..domain.limits import RateLimitSnapshot, UsageWindow, finite_float
from ..domain.ports import AsyncEventStream, AuthContext, EventStream, ResponsesRequest, ResponsesTransport
from .atomic_write import write_atomically

logger = get_logger(__name__)


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


def _window_document(window: UsageWindow, seen_at: float) -> dict[str, float | None]:
    resets_at = window.reset_at
    if resets_at is None and window.reset_after_seconds is not None:
        resets_at = seen_at + window.reset_after_seconds
    return {"used_percent": window.used_percent, "window_minutes": window.window_minutes, "resets_at": resets_at}


def limits_from_headers(headers: Mapping[str, str], now: float) -> dict[str, Any] | None:
    """The limit headers of one answer as a JSON-ready document; ``None`` if it had none."""
    snapshot = RateLimitSnapshot.from_headers(headers, now=now)
    if snapshot is None:
        return None
    windows = {
        name: _window_document(window, now)
        for name, window in (("primary", snapshot.primary), ("secondary", snapshot.secondary))
        if window is not None and _has_values(window)
    }
    if not windows:
        return None
    return {"seen_at": now, "plan_type": snapshot.plan_type, "windows": windows}


def _has_values(window: UsageWindow) -> bool:
    values = (window.used_percent, window.window_minutes, window.reset_after_seconds, window.reset_at)
    return any(value is not None for value in values)


_open_files: weakref.WeakSet[UsageLimitsFile] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    """A short-lived process (``codex-litellm chat``, a script) still leaves its last report for ``status``."""
    for limits in list(_open_files):
        limits.flush()


class UsageLimitsFile:
    """The last report, kept in ``path``; written on a worker thread, at most every ``min_interval`` seconds.

    :meth:`observe` never touches the disk: it keeps the headers and, when no write
    is due yet, schedules one (right away if the last was long enough ago, else when
    the interval is over). :meth:`flush` writes what is pending now, in the caller's thread.
    """

    def __init__(self, path: Path, *, min_interval: float = 5.0) -> None:
        self.path = path
        self._min_interval = min_interval
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending: tuple[dict[str, str], float] | None = None
        self._timer: threading.Timer | None = None
        self._last_write = float("-inf")
        _open_files.add(self)

    def observe(self, headers: Mapping[str, str]) -> None:
        picked = limit_headers(headers)
        if not picked:
            return
        with self._lock:
            self._pending = (picked, time.time())
            if self._timer is not None:
                return
            delay = max(0.0, self._last_write + self._min_interval - time.monotonic())
            self._timer = threading.Timer(delay, self._write_pending)
            self._timer.daemon = True  # never holds up an exit: the exit hook writes what is pending
            self._timer.start()

    def flush(self) -> None:
        """Write the pending report now (tests, and a process that is about to exit)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
        self._write_pending()

    def _write_pending(self) -> None:
        with self._write_lock:
            with self._lock:
                pending, self._pending, self._timer = self._pending, None, None
                if pending is None:
                    return
                self._last_write = time.monotonic()
            document = limits_from_headers(*pending)
            if document is None:
                return
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
                    used_percent=finite_float(w.get("used_percent")),
                    window_minutes=None if (minutes := finite_float(w.get("window_minutes"))) is None else int(minutes),
                    resets_at=finite_float(w.get("resets_at")),
                )
                for name, w in document["windows"].items()
            )
            return UsageLimits(float(document["seen_at"]), document.get("plan_type"), windows)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


class UsageLimitsObservingTransport:
    """A ``ResponsesTransport`` that sends through ``inner`` and hands every answer's headers to ``limits``.

    Only the port's two methods: the wrapped transport's own attributes are reached through ``inner``.
    """

    def __init__(self, inner: ResponsesTransport, limits: UsageLimitsFile) -> None:
        self.inner = inner
        self.limits = limits

    def open(self, request: ResponsesRequest, auth: AuthContext) -> EventStream:
        try:
            stream = self.inner.open(request, auth)
        except CodexAPIError as exc:
            self.limits.observe(exc.headers)
            raise
        self.limits.observe(stream.headers)
        return stream

    async def aopen(self, request: ResponsesRequest, auth: AuthContext) -> AsyncEventStream:
        try:
            stream = await self.inner.aopen(request, auth)
        except CodexAPIError as exc:
            self.limits.observe(exc.headers)
            raise
        self.limits.observe(stream.headers)
        return stream
