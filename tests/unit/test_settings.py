"""``CodexSettings`` refuses what it cannot use when it is read, not when a call first needs it."""

from __future__ import annotations

import pytest
from litellm_codex_oauth_provider.entrypoints.settings import CodexSettings


def test_an_unknown_instruction_source_is_refused_when_the_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_INSTRUCTIONS_SOURCES", "catalog,gitlab")
    with pytest.raises(ValueError, match=r"CODEX_INSTRUCTIONS_SOURCES: unknown source\(s\) \['gitlab'\]; use catalog"):
        CodexSettings()


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("catalog,github", ("catalog", "github")),
        (" GitHub , catalog,github ", ("github", "catalog")),
        ("", ()),
        (",", ()),
    ],
)
def test_the_instruction_sources_in_order_each_once(
    monkeypatch: pytest.MonkeyPatch, value: str, names: tuple[str, ...]
) -> None:
    monkeypatch.setenv("CODEX_INSTRUCTIONS_SOURCES", value)
    assert CodexSettings().instruction_source_names == names
