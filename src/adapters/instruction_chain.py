"""``InstructionChain``: the instruction sources in order, then any stale copy, then this project's own text.

The order (the README explains it): the backend's catalog, GitHub, a stale copy
from either, last :data:`~..domain.prompts.DEFAULT_INSTRUCTIONS`. A copy being
revalidated counts as current; a copy whose revalidation *failed* is only used
when no source has a current one. The whole chain waits at most ``wait_seconds``
on a cold start, shared by its sources, and never once warm.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ..domain.ports import InstructionSource
from ..domain.prompts import DEFAULT_INSTRUCTIONS
from .refresh_cache import Lookup


@runtime_checkable
class CachedInstructionSource(InstructionSource, Protocol):
    """A source that can say how current its copy is and wait a given budget for a cold fetch."""

    def lookup(self, model: str, *, wait: float | None = None) -> Lookup[str] | None: ...

    async def alookup(self, model: str, *, wait: float | None = None) -> Lookup[str] | None: ...


class InstructionChain:
    """An ``InstructionSource`` that always answers: the first current copy, else a stale one, else the default.

    Sources that are plain ``InstructionSource`` objects (an application's own) are
    asked with ``get_instructions`` and count as current when they answer.
    """

    def __init__(
        self,
        sources: Sequence[InstructionSource],
        *,
        wait_seconds: float,
        fallback: str = DEFAULT_INSTRUCTIONS,
    ) -> None:
        self.sources = tuple(sources)
        # isinstance against a runtime Protocol costs microseconds: decide once, not per request.
        self._links: tuple[tuple[InstructionSource, CachedInstructionSource | None], ...] = tuple(
            (s, s if isinstance(s, CachedInstructionSource) else None) for s in self.sources
        )
        self.wait_seconds = wait_seconds
        self.fallback = fallback

    def get_instructions(self, model: str) -> str:
        deadline = time.monotonic() + self.wait_seconds
        stale: list[str] = []
        for source, cached in self._links:
            budget = max(0.0, deadline - time.monotonic())
            if cached is not None:
                found = cached.lookup(model, wait=budget)
            else:
                text = source.get_instructions(model)
                found = Lookup(text, fresh=True, failed=False) if text else None
            if (chosen := _take(found, stale)) is not None:
                return chosen
        return self._last_resort(stale)

    async def aget_instructions(self, model: str) -> str:
        deadline = time.monotonic() + self.wait_seconds
        stale: list[str] = []
        for source, cached in self._links:
            budget = max(0.0, deadline - time.monotonic())
            if cached is not None:
                found = await cached.alookup(model, wait=budget)
            else:
                text = await source.aget_instructions(model)
                found = Lookup(text, fresh=True, failed=False) if text else None
            if (chosen := _take(found, stale)) is not None:
                return chosen
        return self._last_resort(stale)

    def _last_resort(self, stale: list[str]) -> str:
        """No log line per request here: the failed fetch said once what is served instead."""
        return stale[0] if stale else self.fallback


def _take(found: Lookup[str] | None, stale: list[str]) -> str | None:
    if found is None or not found.value.strip():
        return None
    if not found.failed:
        return found.value
    stale.append(found.value)
    return None
