"""The usage-limits snapshot: written off the event loop, at most once per interval, finite numbers only."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from litellm_codex_oauth_provider.adapters import usage_limits
from litellm_codex_oauth_provider.adapters.atomic_write import write_atomically
from litellm_codex_oauth_provider.adapters.usage_limits import UsageLimitsFile, UsageLimitsObservingTransport
from litellm_codex_oauth_provider.domain.ports import AuthContext, RawEvent, ResponsesRequest

from tests.fakes.codex_backend import limit_headers

AUTH = AuthContext(access_token="t", account_id="a", expires_at=None)
REQUEST = ResponsesRequest(body={}, session_id="s")


class _Answer:
    def __init__(self, headers: Mapping[str, str]) -> None:
        self.headers = headers

    async def batches(self) -> AsyncIterator[list[RawEvent]]:
        yield []

    async def aclose(self) -> None:
        pass


class _HeadersOnly:
    """A transport whose every answer carries the given limit headers."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self.headers = headers

    def open(self, request: ResponsesRequest, auth: AuthContext) -> Any:
        raise NotImplementedError

    async def aopen(self, request: ResponsesRequest, auth: AuthContext) -> Any:
        return _Answer(self.headers)


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bytes]]:
    """Every write of the snapshot file, with the name of the thread that made it."""
    made: list[tuple[str, bytes]] = []

    def recording(path: Path, data: bytes, **kwargs: Any) -> None:
        write_atomically(path, data, **kwargs)
        made.append((threading.current_thread().name, data))  # once the file is there to load

    monkeypatch.setattr(usage_limits, "write_atomically", recording)
    return made


def test_an_async_answer_never_writes_the_file_on_the_event_loop(
    tmp_path: Path, writes: list[tuple[str, bytes]]
) -> None:
    limits = UsageLimitsFile(tmp_path / "limits.json", min_interval=0)
    transport = UsageLimitsObservingTransport(_HeadersOnly(limit_headers(primary_used=30)), limits)
    loop_thread: list[str] = []

    async def one_request() -> None:
        loop_thread.append(threading.current_thread().name)
        await transport.aopen(REQUEST, AUTH)
        assert writes == [] or writes[0][0] != loop_thread[0]

    asyncio.run(one_request())
    for _ in range(200):  # the worker writes within milliseconds; wait for it without writing here
        if writes:
            break
        threading.Event().wait(0.01)
    assert writes, "the snapshot was written"
    assert all(thread != loop_thread[0] for thread, _ in writes), writes
    loaded = limits.load()
    assert loaded is not None and next(w for w in loaded.windows if w.name == "primary").used_percent == 30


def test_a_burst_of_answers_is_one_write_then_the_latest(tmp_path: Path, writes: list[tuple[str, bytes]]) -> None:
    limits = UsageLimitsFile(tmp_path / "limits.json", min_interval=3600)
    for used in range(1, 101):
        limits.observe(limit_headers(primary_used=used))
    limits.flush()
    assert len(writes) <= 2, "the first report, then at most the one still held back"
    loaded = limits.load()
    assert loaded is not None
    assert next(w for w in loaded.windows if w.name == "primary").used_percent == 100


@pytest.mark.parametrize("bad", ["inf", "-inf", "nan", "Infinity"])
def test_non_finite_numbers_are_unknown_not_written(tmp_path: Path, bad: str) -> None:
    limits = UsageLimitsFile(tmp_path / "limits.json", min_interval=0)
    limits.observe(
        {
            "x-codex-primary-used-percent": bad,
            "x-codex-primary-window-minutes": bad,
            "x-codex-primary-reset-at": "2000000000",
            "x-codex-secondary-used-percent": "7",
        }
    )
    limits.flush()
    document = (tmp_path / "limits.json").read_text()
    assert "Infinity" not in document and "NaN" not in document, document
    loaded = limits.load()
    assert loaded is not None
    primary = next(w for w in loaded.windows if w.name == "primary")
    assert (primary.used_percent, primary.window_minutes, primary.resets_at) == (None, None, 2_000_000_000)


def test_a_file_with_non_finite_numbers_reads_them_as_unknown(tmp_path: Path) -> None:
    path = tmp_path / "limits.json"
    path.write_text('{"seen_at": 1, "windows": {"primary": {"used_percent": Infinity, "window_minutes": NaN}}}')
    loaded = UsageLimitsFile(path).load()
    assert loaded is not None
    assert (loaded.windows[0].used_percent, loaded.windows[0].window_minutes) == (None, None)


def test_the_decorator_is_the_port_and_nothing_more() -> None:
    """Only ``open``/``aopen``: the wrapped transport's attributes are not reachable through it."""
    inner = _HeadersOnly({})
    inner.base_url = "http://example.invalid"  # type: ignore[attr-defined]
    decorated = UsageLimitsObservingTransport(inner, UsageLimitsFile(Path("unused.json")))
    assert not hasattr(decorated, "base_url")
    assert decorated.inner is inner


def test_a_process_that_exits_with_a_report_pending_still_writes_it(tmp_path: Path) -> None:
    """``codex-litellm chat`` or a script that ends right after its answer leaves its limits for ``status``."""
    target = tmp_path / "limits.json"
    code = (
        "from pathlib import Path\n"
        "from litellm_codex_oauth_provider.adapters.usage_limits import UsageLimitsFile\n"
        f"limits = UsageLimitsFile(Path({str(target)!r}), min_interval=3600)\n"
        "limits.observe({'x-codex-primary-used-percent': '10'})\n"
        "limits.observe({'x-codex-primary-used-percent': '55'})\n"  # held back by the interval
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    loaded = UsageLimitsFile(target).load()
    assert loaded is not None
    assert next(w for w in loaded.windows if w.name == "primary").used_percent == 55
