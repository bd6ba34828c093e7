"""How ``codex-litellm`` words things: durations, dates, limits, and the one-line error with its remedy."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from ..adapters.usage_limits import UsageLimits
from ..domain.errors import (
    CodexAPIError,
    CodexAuthError,
    CodexError,
    CodexRequestError,
)
from ..domain.limits import format_duration
from .login_guidance import advice_for

EXIT_OK = 0
EXIT_FAILED = 1
"""The backend refused or failed, or the request could not be built."""
EXIT_USAGE = 2
"""A wrong command line (argparse's own code), or a missing optional install."""
EXIT_NO_LOGIN = 3
"""No usable login: no file, an unreadable one, or a token that cannot be renewed."""

_WINDOW_NAMES = {"primary": "5-hour window", "secondary": "weekly window"}


def duration(seconds: float) -> str:
    """How long, either way round: the domain's one wording of a duration."""
    return format_duration(abs(seconds))


def when(epoch: float, now: float | None = None) -> str:
    """A moment and how far away it is; a moment beyond the calendar (a bad ``exp``) is said, not raised."""
    now = time.time() if now is None else now
    try:
        stamp = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return f"epoch second {epoch:g} (not a real date)"
    delta = epoch - now
    return f"{stamp} (in {duration(delta)})" if delta >= 0 else f"{stamp} ({duration(delta)} ago)"


def usage_limit_lines(limits: UsageLimits | None, now: float | None = None) -> list[str]:
    if limits is None:
        return ["none seen yet (they arrive with every answer; make one request first)"]
    now = time.time() if now is None else now
    lines = []
    for window in limits.windows:
        label = _WINDOW_NAMES.get(window.name, window.name)
        used = f"{window.used_percent:g}% used" if window.used_percent is not None else "use unknown"
        reset = f", resets {when(window.resets_at, now)}" if window.resets_at is not None else ""
        lines.append(f"{label}: {used}{reset}")
    lines.append(f"as of {when(limits.seen_at, now)}")
    return lines


def remedy(exc: CodexError) -> str:
    """What the user should do next, when the message does not already say it."""
    text = str(exc)
    if advice_for(exc):
        return advice_for(exc)
    if isinstance(exc, CodexAuthError) and "codex login" in text:
        return "no Codex CLI here? `codex-litellm login` signs in too (`--device` without a browser)"
    if "codex login" in text or "run `" in text:
        return ""
    if isinstance(exc, CodexAuthError):
        return "sign in again with `codex-litellm login` (or the Codex CLI's `codex login`)"
    if isinstance(exc, CodexAPIError):
        status = exc.status_code
        if status == 429:
            return "wait until the limit resets (`codex-litellm status` shows when), or use a smaller model"
        if status in (400, 404) and "model" in text.lower():
            return "pick a model your plan offers: `codex-litellm models`"
        if status in (401, 403):
            return "check the login with `codex-litellm status`, then `codex-litellm login` if needed"
        if status >= 500 or status == 408:
            return "the backend is unreachable or overloaded: try again in a moment"
    if isinstance(exc, CodexRequestError):
        return "check the command's options (`--help`)"
    return ""


def error_line(exc: CodexError) -> str:
    """One line, no traceback, never a token (the package's messages are built without them)."""
    message = " ".join(str(exc).split())
    hint = remedy(exc)
    return f"codex-litellm: {message}" + (f"; {hint}" if hint else "")


def exit_code(exc: CodexError) -> int:
    if isinstance(exc, CodexAuthError):  # a login store that cannot be reached is not a missing login
        return EXIT_NO_LOGIN
    return EXIT_FAILED
