"""The OpenAI parameters the backend cannot take, and ``stop`` done on this side.

The backend answers 400 ``Unsupported parameter`` to sampling and length
settings, so they are never sent: the application warns about each once per
process, or refuses them when the user asked for strictness. ``stop`` is
emulated: the answer's text is cut at the first stop sequence, in streaming too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import CodexRequestError

NOT_SENT_PARAMS = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_output_tokens",
    "max_completion_tokens",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "logprobs",
    "top_logprobs",
    "logit_bias",
    "user",
    "metadata",
)
"""Parameters the backend refuses: dropped with a warning, or refused in strict mode."""


def not_sent_params(params: Mapping[str, Any]) -> tuple[str, ...]:
    """The refused parameters a call carries (``None`` and ``logprobs=False`` ask for nothing)."""
    return tuple(
        name
        for name in NOT_SENT_PARAMS
        if params.get(name) is not None and not (name == "logprobs" and params.get(name) is False)
    )


def check_choice_count(params: Mapping[str, Any]) -> None:
    """``n`` above 1 cannot be served: the backend gives one answer per request."""
    n = params.get("n")
    if n is None or n == 1:
        return
    raise CodexRequestError(f"n={n!r} is not supported: the Codex backend gives exactly one choice (n=1)")


def stop_sequences(params: Mapping[str, Any]) -> tuple[str, ...]:
    """``stop`` as a tuple of non-empty strings."""
    stop = params.get("stop")
    if stop is None:
        return ()
    if isinstance(stop, str):
        return (stop,) if stop else ()
    if isinstance(stop, Sequence) and all(isinstance(s, str) for s in stop):
        return tuple(s for s in stop if s)
    raise CodexRequestError("stop must be a string or a list of strings")


class StopCutter:
    """Cuts streamed text at the first stop sequence.

    ``feed`` returns the text that is safe to show: it holds back only a tail that
    begins a stop sequence, until the next piece settles it, so text is not delayed. After a stop
    sequence is found everything else is swallowed and ``stopped`` is true.
    """

    __slots__ = ("_held", "_stops", "stopped")

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._held = ""
        self.stopped = False

    @property
    def active(self) -> bool:
        return bool(self._stops)

    def feed(self, text: str) -> str:
        if self.stopped:
            return ""
        if not self._stops:
            return text
        buffer = self._held + text
        # The answer ends where a stop sequence is first complete (as generation would have stopped).
        found = [(i + len(s), i) for s in self._stops if (i := buffer.find(s)) >= 0]
        if found:
            self.stopped = True
            self._held = ""
            return buffer[: min(found)[1]]
        safe = len(buffer) - self._partial_match(buffer)
        self._held = buffer[safe:]
        return buffer[:safe]

    def _partial_match(self, buffer: str) -> int:
        """The length of the longest tail of ``buffer`` that a stop sequence starts with."""
        longest = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(buffer)), longest, -1):
                if buffer.endswith(stop[:size]):
                    longest = size
                    break
        return longest

    def finish(self) -> str:
        """What was held back, once the text is known to have ended."""
        held, self._held = self._held, ""
        return "" if self.stopped else held

    @staticmethod
    def cut(text: str, stops: Sequence[str]) -> tuple[str, bool]:
        """The whole text cut at its first stop sequence, and whether one was found."""
        cutter = StopCutter(stops)
        kept = cutter.feed(text)
        return kept + cutter.finish(), cutter.stopped
