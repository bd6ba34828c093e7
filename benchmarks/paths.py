"""The four ways one answer travels from the fake backend to a caller, each as ``await path()``.

Each returns the number of text characters it received, so a path that lost
text shows in the results instead of looking fast.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

MESSAGES = [
    {"role": "system", "content": "Answer in one line."},
    {"role": "user", "content": "Write the words w0 to w499."},
]
CODEX_MODEL = "codex/gpt-5.1-codex"
BUILTIN_MODEL = "chatgpt/gpt-5.1-codex-max"  # its price map sends it to the Responses bridge

Path = Callable[[], Awaitable[int]]
_FLOOR_CLIENTS: list[httpx.AsyncClient] = []


async def close_floor_clients() -> None:
    """The floors' clients, closed in the loop that used them (an aiohttp session says so if not)."""
    while _FLOOR_CLIENTS:
        await _FLOOR_CLIENTS.pop().aclose()


def floor_path(make_client: Callable[[], httpx.AsyncClient] = lambda: httpx.AsyncClient(timeout=60)) -> Path:
    """Plain httpx with the provider's own request bytes and headers, and the same SSE decoder."""
    from litellm_codex_oauth_provider import codex_provider
    from litellm_codex_oauth_provider.domain.sse import SSEDecoder
    from litellm_codex_oauth_provider.domain.translation import ChatRequest

    service = codex_provider.service
    transport: Any = service.transport
    request, _ = service.prepare(ChatRequest(model="gpt-5.1-codex", messages=MESSAGES))
    with httpx.Client() as scratch:
        built = transport._build(scratch, request, service.tokens.get_auth())
    url, headers, content = str(built.url), dict(built.headers), built.content
    clients: dict[int, httpx.AsyncClient] = {}

    async def run() -> int:
        import asyncio

        loop_id = id(asyncio.get_running_loop())
        client = clients.get(loop_id)
        if client is None:
            client = clients[loop_id] = make_client()
            _FLOOR_CLIENTS.append(client)
        decoder = SSEDecoder()
        received = 0
        async with client.stream("POST", url, headers=headers, content=content) as response:
            async for data in response.aiter_bytes():
                for event in decoder.feed(data):
                    if event.get("type") == "response.output_text.delta":
                        received += len(event["delta"])
        for event in decoder.flush():
            if event.get("type") == "response.output_text.delta":
                received += len(event["delta"])
        return received

    return run


def aiohttp_floor_path() -> Path:
    """The floor over the provider's own network layer: httpx over aiohttp (httpx-aiohttp)."""
    from httpx_aiohttp import HttpxAiohttpClient

    return floor_path(lambda: HttpxAiohttpClient(timeout=60))


def direct_path() -> Path:
    """``astreaming`` called with the keyword arguments LiteLLM's ``completion`` passes a custom provider."""
    from litellm.types.utils import ModelResponse
    from litellm_codex_oauth_provider import codex_provider

    async def run() -> int:
        received = 0
        async for chunk in codex_provider.astreaming(
            model="gpt-5.1-codex",
            messages=MESSAGES,
            headers={},
            model_response=ModelResponse(),
            print_verbose=print,
            api_key=None,
            api_base=None,
            acompletion=True,
            logging_obj=None,
            optional_params={"stream": True},
            litellm_params={},
            logger_fn=None,
            timeout=600.0,
            custom_prompt_dict={},
            client=None,
            encoding=None,
        ):
            received += len(chunk.choices[0].delta.content or "")
        return received

    return run


def litellm_path(model: str) -> Path:
    import litellm

    async def run() -> int:
        stream = await litellm.acompletion(model=model, messages=MESSAGES, stream=True)
        received = 0
        async for chunk in stream:
            if chunk.choices:
                received += len(chunk.choices[0].delta.content or "")
        return received

    return run


def all_paths() -> dict[str, Path]:
    return {
        "a_floor": floor_path(),
        "a2_floor_aiohttp": aiohttp_floor_path(),
        "b_direct": direct_path(),
        "c_litellm_codex": litellm_path(CODEX_MODEL),
        "d_litellm_chatgpt": litellm_path(BUILTIN_MODEL),
    }


LABELS = {
    "a_floor": "(a) floor: httpx + same bytes + same SSE decoding",
    "a2_floor_aiohttp": "(a') the floor over the provider's network layer: httpx over aiohttp",
    "b_direct": "(b) this provider, astreaming called directly",
    "c_litellm_codex": "(c) this provider via litellm.acompletion(stream=True)",
    "d_litellm_chatgpt": "(d) LiteLLM's built-in chatgpt/ via litellm.acompletion(stream=True)",
}
