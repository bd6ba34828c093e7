"""Reading the backend's limits: ``Retry-After``, "try again in 11.054s", usage windows, ``x-codex-*``.

Pure parsing, no I/O; ``now`` is a parameter wherever the answer depends on the clock.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from .answer_headers import LIMIT_HEADER_PREFIX, limit_headers, lowered

_UNIT = r"(?:milliseconds?|ms|minutes?|mins?|m|seconds?|secs?|s|hours?|h)"
_TRY_AGAIN = re.compile(rf"try again in\s+((?:\d+(?:\.\d+)?\s*{_UNIT}\s*)+)", re.IGNORECASE)
_DURATION_PART = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNIT})", re.IGNORECASE)


def _unit_seconds(unit: str) -> float:
    unit = unit.lower()
    if unit == "ms" or unit.startswith("milli"):
        return 0.001
    if unit.startswith("m"):
        return 60.0
    if unit.startswith("h"):
        return 3600.0
    return 1.0


def delay_from_message(message: str) -> float | None:
    """The wait in a message like "Please try again in 11.054s" (or "1m30s", "250ms")."""
    match = _TRY_AGAIN.search(message)
    if match is None:
        return None
    return sum(float(n) * _unit_seconds(u) for n, u in _DURATION_PART.findall(match.group(1)))


def retry_after_from_headers(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    names = lowered(headers)
    millis = names.get("retry-after-ms")
    if millis is not None:
        value = finite_float(millis)
        if value is not None and value >= 0:
            return value / 1000.0
    raw = names.get("retry-after")
    if raw is None:
        return None
    seconds = finite_float(raw)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def finite_float(value: Any) -> float | None:
    """A finite number from a header or a JSON field; ``None`` for anything else (``inf`` and ``nan`` included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class UsageWindow:
    """One of the plan's windows (primary: 5 hours, secondary: a week) as the headers report it."""

    used_percent: float | None = None
    window_minutes: float | None = None
    reset_after_seconds: float | None = None
    reset_at: float | None = None


@dataclass(frozen=True, slots=True)
class RateLimitSnapshot:
    """The ``x-codex-*`` headers of one answer: how much of the plan's windows is used."""

    headers: Mapping[str, str] = field(default_factory=dict)
    """Every ``x-codex-*`` header as received (lower-case names), to pass on to callers."""
    captured_at: float = 0.0
    plan_type: str | None = None
    active_limit: str | None = None
    primary: UsageWindow | None = None
    secondary: UsageWindow | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], *, now: float | None = None) -> RateLimitSnapshot | None:
        """``None`` when the answer carried no ``x-codex-*`` header."""
        picked = limit_headers(headers)
        if not picked:
            return None
        return cls(
            headers=picked,
            captured_at=time.time() if now is None else now,
            plan_type=picked.get("x-codex-plan-type"),
            active_limit=picked.get("x-codex-active-limit"),
            primary=_window(picked, "primary"),
            secondary=_window(picked, "secondary"),
        )


def _window(headers: Mapping[str, str], name: str) -> UsageWindow | None:
    prefix = f"{LIMIT_HEADER_PREFIX}{name}-"
    if not any(key.startswith(prefix) for key in headers):
        return None
    return UsageWindow(
        used_percent=finite_float(headers.get(prefix + "used-percent")),
        window_minutes=finite_float(headers.get(prefix + "window-minutes")),
        reset_after_seconds=finite_float(headers.get(prefix + "reset-after-seconds")),
        reset_at=finite_float(headers.get(prefix + "reset-at")),
    )


@dataclass(frozen=True, slots=True)
class UsageLimitInfo:
    """What a ``usage_limit_reached`` answer says: the plan and when its window resets."""

    plan_type: str | None
    resets_at: float | None
    """Epoch seconds."""
    retry_after: float | None
    """Seconds from ``now`` until the reset."""

    def describe(self, *, now: float | None = None) -> str:
        plan = f"the ChatGPT {self.plan_type} plan's" if self.plan_type else "the ChatGPT plan's"
        text = f"{plan} Codex usage limit has been reached"
        if self.resets_at is not None:
            stamp = datetime.fromtimestamp(self.resets_at, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
            text += f"; it resets at {stamp}"
            if self.retry_after is not None:
                text += f" (in {format_duration(self.retry_after)})"
        elif self.retry_after is not None:
            text += f"; it resets in {format_duration(self.retry_after)}"
        return text


def usage_limit_info(
    details: Mapping[str, Any], headers: Mapping[str, str], *, now: float | None = None
) -> UsageLimitInfo:
    """Plan and reset time from the error object, else from the ``x-codex-*`` and ``retry-after`` headers."""
    now = time.time() if now is None else now
    names = lowered(headers)
    plan = details.get("plan_type") or names.get("x-codex-plan-type")
    resets_at = finite_float(details.get("resets_at"))
    resets_in = finite_float(details.get("resets_in_seconds"))
    if resets_at is None and resets_in is None:
        resets_in = retry_after_from_headers(names, now=now)
    if resets_at is None and resets_in is None:
        resets_at = _header_reset_at(names, now)
    if resets_at is None and resets_in is not None:
        resets_at = now + resets_in
    if resets_in is None and resets_at is not None:
        resets_in = max(0.0, resets_at - now)
    return UsageLimitInfo(plan_type=str(plan) if plan else None, resets_at=resets_at, retry_after=resets_in)


def _header_reset_at(headers: Mapping[str, str], now: float) -> float | None:
    """The latest reset among windows that are spent (used 100 %), from the limit headers."""
    best: float | None = None
    for name in ("primary", "secondary"):
        prefix = f"{LIMIT_HEADER_PREFIX}{name}-"
        used = finite_float(headers.get(prefix + "used-percent"))
        if used is None or used < 100:
            continue
        at = finite_float(headers.get(prefix + "reset-at"))
        after = finite_float(headers.get(prefix + "reset-after-seconds"))
        when = at if at is not None else (now + after if after is not None else None)
        if when is not None and (best is None or when > best):
            best = when
    return best


def format_duration(seconds: float) -> str:
    """A short human duration: ``45 s``, ``12 min``, ``3 h 05 min``, ``2 d 4 h``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
