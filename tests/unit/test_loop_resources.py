"""``PerLoop``: one client per event loop, closed inside its loop when the loop shuts down."""

from __future__ import annotations

import asyncio
import threading

from litellm_codex_oauth_provider.adapters.loop_resources import PerLoop


class FakeClient:
    def __init__(self) -> None:
        self.closed_in: asyncio.AbstractEventLoop | None = None
        self.made_in = asyncio.get_running_loop()

    async def aclose(self) -> None:
        self.closed_in = asyncio.get_running_loop()


def per_loop() -> PerLoop[FakeClient]:
    return PerLoop(FakeClient, lambda client: client.aclose())


def test_one_client_per_loop_closed_inside_it_when_asyncio_run_ends() -> None:
    clients = per_loop()

    async def twice() -> FakeClient:
        first, second = await clients.get(), await clients.get()
        assert first is second and first.closed_in is None
        return first

    made = [asyncio.run(twice()) for _ in range(3)]
    assert len({id(client) for client in made}) == 3
    assert all(client.closed_in is client.made_in for client in made)
    assert len(clients) == 0


def test_loops_in_other_threads_get_and_close_their_own() -> None:
    clients = per_loop()
    made: list[FakeClient] = []

    def in_a_thread() -> None:
        made.append(asyncio.run(clients.get()))

    threads = [threading.Thread(target=in_a_thread) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in made}) == 8
    assert all(client.closed_in is client.made_in for client in made)
    assert len(clients) == 0


def test_a_loop_closed_by_hand_is_forgotten_when_the_next_client_is_made() -> None:
    clients = per_loop()
    loop = asyncio.new_event_loop()
    abandoned = loop.run_until_complete(clients.get())
    loop.close()  # without shutdown_asyncgens: nothing closed the client
    assert abandoned.closed_in is None and len(clients) == 1

    async def another() -> FakeClient:
        client = await clients.get()
        assert len(clients) == 1, "the closed loop's entry is gone, so its loop can be collected"
        return client

    assert asyncio.run(another()) is not abandoned
    assert len(clients) == 0
