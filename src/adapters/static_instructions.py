"""An instruction source that always gives the same text."""

from __future__ import annotations


class StaticInstructionSource:
    """Gives one fixed text for every model (the project's default, or an application's own)."""

    def __init__(self, text: str | None) -> None:
        self._text = text

    def get_instructions(self, model: str) -> str | None:
        return self._text

    async def aget_instructions(self, model: str) -> str | None:
        return self._text
