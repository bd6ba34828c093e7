"""The off-the-hot-path cache on its own: waits only when cold, one fetch per key, one revalidation per TTL."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from litellm_codex_oauth_provider.adapters.refresh_cache import Cached, FetchError, Lookup, RefreshingCache

from tests.fakes.clock import FakeClock

TTL = 60.0


class CountingFetch:
    """A fetch that counts its calls, can be slow, can fail, and returns ``value`` stamped with the clock."""

    def __init__(self, clock: FakeClock, value: str = "v1") -> None:
        self.clock = clock
        self.value = value
        self.calls = 0
        self.delay = 0.0
        self.fail = False
        self.previous: list[Cached[str] | None] = []
        self._lock = threading.Lock()

    def __call__(self, key: str, previous: Cached[str] | None) -> Cached[str]:
        with self._lock:
            self.calls += 1
            self.previous.append(previous)
        if self.delay:
            time.sleep(self.delay)
        if self.fail:
            raise FetchError("the fake source is down")
        return Cached(f"{self.value}:{key}", self.clock())


def make_cache(
    fetch: CountingFetch, clock: FakeClock, *, disk: Cached[str] | None = None, wait: float = 5.0
) -> RefreshingCache[str, str]:
    return RefreshingCache(
        name="test", fetch=fetch, load=lambda key: disk, ttl_seconds=TTL, wait_seconds=wait, clock=clock
    )


def test_cold_get_waits_for_one_fetch_then_serves_from_memory() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    cache = make_cache(fetch, clock)
    for _ in range(100):
        found = cache.get("a")
        assert found is not None and found.value == "v1:a" and found.fresh
    assert fetch.calls == 1


def test_many_threads_on_a_cold_key_cause_one_fetch() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    fetch.delay = 0.3
    cache = make_cache(fetch, clock)
    barrier = threading.Barrier(24)
    results: list[str | None] = []

    def worker() -> None:
        barrier.wait()
        found = cache.get("a")
        results.append(found.value if found else None)

    threads = [threading.Thread(target=worker) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["v1:a"] * 24
    assert fetch.calls == 1


async def test_many_tasks_on_a_cold_key_cause_one_fetch_and_do_not_block_the_loop() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    fetch.delay = 0.3
    cache = make_cache(fetch, clock)
    finished: list[str] = []

    async def ticker() -> None:
        for _ in range(10):
            await asyncio.sleep(0.01)
        finished.append("ticker")

    async def lookup() -> Lookup[str] | None:
        found = await cache.aget("a")
        finished.append("lookup")
        return found

    results = await asyncio.gather(*(lookup() for _ in range(30)), ticker())
    assert [r.value for r in results[:30] if r is not None] == ["v1:a"] * 30
    assert fetch.calls == 1
    assert finished[0] == "ticker", "the loop kept running while the fetch was under way"


def test_a_stale_copy_is_served_at_once_and_revalidated_once_per_ttl() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    cache = make_cache(fetch, clock)
    cache.get("a")
    fetch.value, fetch.delay = "v2", 2.0
    clock.advance(TTL + 1)
    started = time.monotonic()
    values = {found.value for _ in range(200) if (found := cache.get("a")) is not None}
    assert time.monotonic() - started < fetch.delay, "stale copies are served without waiting"
    assert values == {"v1:a"}
    cache.join()
    assert fetch.calls == 2
    assert fetch.previous[-1] is not None and fetch.previous[-1].value == "v1:a"
    found = cache.get("a")
    assert found is not None and found.value == "v2:a" and found.fresh
    for _ in range(100):
        cache.get("a")
    assert fetch.calls == 2


def test_a_failed_revalidation_keeps_the_stale_copy_and_retries_only_after_another_ttl() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    cache = make_cache(fetch, clock)
    cache.get("a")
    fetch.fail = True
    clock.advance(TTL + 1)
    cache.get("a")
    cache.join()
    for _ in range(50):
        found = cache.get("a")
        assert found is not None and found.value == "v1:a" and found.failed and not found.fresh
    assert fetch.calls == 2
    clock.advance(TTL)
    fetch.fail = False
    cache.get("a")
    cache.join()
    found = cache.get("a")
    assert fetch.calls == 3
    assert found is not None and found.value == "v1:a" and found.fresh and not found.failed


def test_a_disk_copy_is_used_without_a_fetch_while_fresh() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    cache = make_cache(fetch, clock, disk=Cached("from disk", clock() - 10))
    found = cache.get("a")
    assert found is not None and found.value == "from disk" and found.fresh
    assert fetch.calls == 0


def test_an_old_disk_copy_is_served_while_it_is_revalidated() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    fetch.delay = 0.3
    cache = make_cache(fetch, clock, disk=Cached("from disk", clock() - 3 * TTL))
    found = cache.get("a")
    assert found is not None and found.value == "from disk" and not found.fresh
    cache.join()
    assert fetch.calls == 1
    assert (cache.get("a") or pytest.fail("no copy")).value == "v1:a"


def test_a_cold_wait_is_bounded_and_later_requests_do_not_wait() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    wait = 1.0
    fetch.delay = 4 * wait
    cache = make_cache(fetch, clock, wait=wait)
    started = time.monotonic()
    assert cache.get("a") is None
    first = time.monotonic() - started
    assert 0.9 * wait < first < fetch.delay / 2, "the first request waits its budget, not the whole fetch"
    started = time.monotonic()
    assert cache.get("a") is None
    assert time.monotonic() - started < wait / 2, "the second request does not wait again"
    cache.join()
    assert (cache.get("a") or pytest.fail("no copy")).value == "v1:a"
    assert fetch.calls == 1


def test_a_failed_cold_fetch_is_not_retried_on_every_request() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    fetch.fail = True
    cache = make_cache(fetch, clock)
    for _ in range(20):
        assert cache.get("a") is None
    assert fetch.calls == 1
    clock.advance(TTL)
    fetch.fail = False
    cache.get("a")
    cache.join()
    assert fetch.calls == 2
    assert cache.peek("a") is not None


def test_an_unreadable_disk_copy_counts_as_none() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)

    def broken_load(key: str) -> Cached[str] | None:
        raise ValueError("garbage")

    cache: RefreshingCache[str, str] = RefreshingCache(
        name="test", fetch=fetch, load=broken_load, ttl_seconds=TTL, wait_seconds=5, clock=clock
    )
    assert (cache.get("a") or pytest.fail("no copy")).value == "v1:a"


async def test_the_disk_read_happens_off_the_event_loop() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)

    def slow_load(key: str) -> Cached[str] | None:
        time.sleep(0.3)  # a slow disk, or a login check behind it
        return Cached("from disk", clock())

    cache: RefreshingCache[str, str] = RefreshingCache(
        name="test", fetch=fetch, load=slow_load, ttl_seconds=TTL, wait_seconds=5, clock=clock
    )
    finished: list[str] = []

    async def ticker() -> None:
        for _ in range(10):
            await asyncio.sleep(0.01)
        finished.append("ticker")

    async def lookup() -> Lookup[str] | None:
        found = await cache.aget("a")
        finished.append("lookup")
        return found

    found, _ = await asyncio.gather(lookup(), ticker())
    assert found is not None and found.value == "from disk"
    assert finished == ["ticker", "lookup"], "the loop kept running while the disk was read"
    assert fetch.calls == 0


def test_a_disk_copy_checked_in_the_future_is_revalidated() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    fetch.delay = 0.3
    cache = make_cache(fetch, clock, disk=Cached("from a skewed clock", clock() + 10 * TTL))
    found = cache.get("a")
    assert found is not None and not found.fresh
    cache.join()
    assert fetch.calls == 1
    assert (cache.get("a") or pytest.fail("no copy")).value == "v1:a"
