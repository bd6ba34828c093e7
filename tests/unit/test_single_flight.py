"""``SingleFlight``: one piece of work shared by threads and tasks; failures shared, abandonment handed over."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
from litellm_codex_oauth_provider.adapters.single_flight import FlightAbandoned, SingleFlight


def leader_in_thread(
    flight: SingleFlight[int], release: threading.Event, outcome: BaseException | int
) -> threading.Thread:
    started = threading.Event()

    def work() -> int:
        started.set()
        release.wait(5)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def lead() -> None:
        with contextlib.suppress(BaseException):  # the leader's own failure is not what is tested
            flight.run(work)

    thread = threading.Thread(target=lead)
    thread.start()
    started.wait(5)
    return thread


def test_a_follower_gets_the_leaders_result() -> None:
    flight: SingleFlight[int] = SingleFlight()
    release = threading.Event()
    leader = leader_in_thread(flight, release, 42)
    threading.Timer(0.05, release.set).start()
    assert flight.run(lambda: 0) == (42, False)
    leader.join()
    assert flight.run(lambda: 7) == (7, True), "a finished flight is not reused"


def test_a_follower_shares_the_leaders_failure() -> None:
    flight: SingleFlight[int] = SingleFlight()
    release = threading.Event()
    leader = leader_in_thread(flight, release, ValueError("refused"))
    threading.Timer(0.05, release.set).start()
    with pytest.raises(ValueError, match="refused"):
        flight.run(lambda: 0)
    leader.join()


def test_an_interrupted_leader_is_handed_over() -> None:
    flight: SingleFlight[int] = SingleFlight()
    release = threading.Event()
    leader = leader_in_thread(flight, release, KeyboardInterrupt())
    threading.Timer(0.05, release.set).start()
    with pytest.raises(FlightAbandoned):
        flight.run(lambda: 0)
    leader.join()


def test_a_sync_follower_stops_waiting() -> None:
    flight: SingleFlight[int] = SingleFlight()
    release = threading.Event()
    leader = leader_in_thread(flight, release, 1)
    with pytest.raises(TimeoutError):
        flight.run(lambda: 0, wait_seconds=0.05)
    release.set()
    leader.join()


async def test_tasks_on_another_loop_wait_for_a_thread_leader() -> None:
    flight: SingleFlight[int] = SingleFlight()
    release = threading.Event()
    leader = leader_in_thread(flight, release, 5)

    async def follow() -> tuple[int, bool]:
        async def never() -> int:
            raise AssertionError("a follower does not work")

        return await flight.arun(never)

    asyncio.get_running_loop().call_later(0.05, release.set)
    assert await asyncio.gather(follow(), follow()) == [(5, False), (5, False)]
    await asyncio.to_thread(leader.join)
