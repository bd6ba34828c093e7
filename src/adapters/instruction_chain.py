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

from ..domain.models import ModelSpec
from ..domain.ports import InstructionSource, ModelCatalog
from ..domain.prompts import DEFAULT_INSTRUCTIONS
from .refresh_cache import Lookup


@runtime_checkable
class CachedInstructionSource(InstructionSource, Protocol):
    """A source that can say how current its copy is and wait a given budget for a cold fetch."""

    def lookup(self, model: str, *, wait: float | None = None) -> Lookup[str] | None: ...

    async def alookup(self, model: str, *, wait: float | None = None) -> Lookup[str] | None: ...


class CatalogEntry(Protocol):
    @property
    def spec(self) -> ModelSpec: ...

    @property
    def base_instructions(self) -> str | None: ...


@runtime_checkable
class CatalogLink(CachedInstructionSource, Protocol):
    """The backend's catalog as a link: one look gives a model's spec and its instructions."""

    def lookup_entry(self, model: str, *, wait: float | None = None) -> Lookup[CatalogEntry] | None: ...

    async def alookup_entry(self, model: str, *, wait: float | None = None) -> Lookup[CatalogEntry] | None: ...


class InstructionChain:
    """An ``InstructionSource`` that always answers: the first current copy, else a stale one, else the default.

    Sources that are plain ``InstructionSource`` objects (an application's own) are
    asked with ``get_instructions`` and count as current when they answer. As a
    :class:`~..domain.ports.ModelBriefing` it also gives the model's spec from the one
    look at its catalog link that the instructions needed anyway.
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
        self._catalogs = {id(s): s for s in self.sources if isinstance(s, CatalogLink)}
        self.wait_seconds = wait_seconds
        self.fallback = fallback

    def get_instructions(self, model: str) -> str:
        return self.brief(model, None, instructions=True)[0] or self.fallback

    async def aget_instructions(self, model: str) -> str:
        return (await self.abrief(model, None, instructions=True))[0] or self.fallback

    def brief(
        self, model: str, catalog: ModelCatalog | None, *, instructions: bool
    ) -> tuple[str | None, ModelSpec | None]:
        """The instructions (when asked) and ``catalog``'s spec of the model, ``catalog`` looked up once."""
        deadline = time.monotonic() + self.wait_seconds
        link = self._catalogs.get(id(catalog))
        entry: _Entry = _Entry()
        stale: list[str] = []
        text: str | None = None
        for source, cached in self._links if instructions else ():
            budget = _left(deadline)
            if source is link:
                entry.found, entry.looked = link.lookup_entry(model, wait=budget), True
                found = entry.text()
            elif cached is not None:
                found = cached.lookup(model, wait=budget)
            else:
                found = _answered(source.get_instructions(model))
            if (text := _take(found, stale)) is not None:
                break
        if link is not None and not entry.looked:
            entry.found = link.lookup_entry(model, wait=_left(deadline))
        spec = entry.spec() if link is not None else (catalog.get_model(model) if catalog is not None else None)
        return (text or self._last_resort(stale)) if instructions else None, spec

    async def abrief(
        self, model: str, catalog: ModelCatalog | None, *, instructions: bool
    ) -> tuple[str | None, ModelSpec | None]:
        deadline = time.monotonic() + self.wait_seconds
        link = self._catalogs.get(id(catalog))
        entry: _Entry = _Entry()
        stale: list[str] = []
        text: str | None = None
        for source, cached in self._links if instructions else ():
            budget = _left(deadline)
            if source is link:
                entry.found, entry.looked = await link.alookup_entry(model, wait=budget), True
                found = entry.text()
            elif cached is not None:
                found = await cached.alookup(model, wait=budget)
            else:
                found = _answered(await source.aget_instructions(model))
            if (text := _take(found, stale)) is not None:
                break
        if link is not None and not entry.looked:
            entry.found = await link.alookup_entry(model, wait=_left(deadline))
        spec = entry.spec() if link is not None else (await catalog.aget_model(model) if catalog is not None else None)
        return (text or self._last_resort(stale)) if instructions else None, spec

    def _last_resort(self, stale: list[str]) -> str:
        """No log line per request here: the failed fetch said once what is served instead."""
        return stale[0] if stale else self.fallback


class _Entry:
    """What the one look at the catalog found for the model."""

    __slots__ = ("found", "looked")

    def __init__(self) -> None:
        self.found: Lookup[CatalogEntry] | None = None
        self.looked = False

    def text(self) -> Lookup[str] | None:
        found = self.found
        if found is None or found.value.base_instructions is None:
            return None
        return Lookup(found.value.base_instructions, fresh=found.fresh, failed=found.failed)

    def spec(self) -> ModelSpec | None:
        return self.found.value.spec if self.found is not None else None


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def _answered(text: str | None) -> Lookup[str] | None:
    return Lookup(text, fresh=True, failed=False) if text else None


def _take(found: Lookup[str] | None, stale: list[str]) -> str | None:
    if found is None or not found.value.strip():
        return None
    if not found.failed:
        return found.value
    stale.append(found.value)
    return None
