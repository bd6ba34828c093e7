"""What the caller asked for that the backend does not do itself: refused parameters and ``stop``."""

from __future__ import annotations

import dataclasses
import threading

from ..domain.answer import CompletionResult, StreamDelta
from ..domain.errors import CodexRequestError
from ..domain.params import StopCutter
from ..domain.translation import RequestPlan
from .logs import get_logger

logger = get_logger(__name__)


class DroppedParamWarnings:
    """Which refused parameters were already warned about: one warning per parameter per runtime.

    The container holds one for the process, shared by every login's service.
    """

    def __init__(self) -> None:
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def report(self, plan: RequestPlan, *, strict: bool) -> None:
        """Refuse the parameters the backend cannot take (strict), or warn about each once."""
        if not plan.dropped_params:
            return
        if strict:
            names = ", ".join(plan.dropped_params)
            raise CodexRequestError(
                f"the Codex backend does not support these parameters: {names}; "
                "remove them, or unset CODEX_STRICT_PARAMS to have them dropped with a warning"
            )
        with self._lock:
            fresh = [name for name in plan.dropped_params if name not in self._warned]
            self._warned.update(fresh)
        for name in fresh:
            logger.warning("codex_parameter_not_sent", parameter=name, reason="unsupported_by_codex_backend")


class StopFilter:
    """Applies the caller's ``stop`` to streamed deltas: cut text, finish reason ``stop``."""

    def __init__(self, stops: tuple[str, ...]) -> None:
        self._cutter = StopCutter(stops)

    def apply(self, delta: StreamDelta) -> StreamDelta | None:
        if not self._cutter.active:
            return delta
        delta.text = self._cutter.feed(delta.text)
        if delta.finish_reason is not None:
            delta.text += self._cutter.finish()
            if self._cutter.stopped:
                delta.finish_reason = "stop"
        if delta.has_content or delta.finish_reason is not None:
            return delta
        return None


def cut_at_stop(result: CompletionResult, stops: tuple[str, ...]) -> CompletionResult:
    if not stops:
        return result
    text, stopped = StopCutter.cut(result.text, stops)
    return dataclasses.replace(result, text=text, finish_reason="stop") if stopped else result
