"""``GitHubInstructionSource``: the official Codex prompt files from the ``openai/codex`` repository.

The seed's scheme (PROTOCOL.md section 7): the latest release's tag from the
GitHub API, the prompt file of the model's family at that tag from the raw host,
revalidated with ``If-None-Match`` (a 304 keeps the cached text), kept on disk
with ``{etag, tag, url, last_checked}``, fresh for ``ttl_seconds``, and on any
failure the stale copy. The API allows 60 unauthenticated calls an hour per
address, so the tag is asked for at most once per TTL for all families together,
with its own ETag (a 304 from the API does not count against that limit).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..application.logs import get_logger
from .cache_files import cache_path, number, optional_str, read_document, write_quietly
from .lazy_client import LazyClient
from .refresh_cache import Cached, Clock, FetchError, Lookup, RefreshingCache

logger = get_logger(__name__)

_KIND = "instructions"
_REPO = "openai/codex"

# (family, prompt file, slug prefixes), first match wins; PROTOCOL.md section 7.
PROMPT_FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("gpt-5.2-codex", "gpt-5.2-codex_prompt.md", ("gpt-5.2-codex",)),
    ("gpt-5.2", "gpt_5_2_prompt.md", ("gpt-5.2",)),
    ("gpt-5.1-codex-max", "gpt-5.1-codex-max_prompt.md", ("gpt-5.1-codex-max", "gpt-5-codex-max")),
    ("gpt-5-codex", "gpt_5_codex_prompt.md", ("gpt-5.1-codex", "gpt-5-codex", "codex-mini")),
    ("gpt-5.1", "gpt_5_1_prompt.md", ("gpt-5.1",)),
)
BASE_FAMILY = ("base", "prompt.md")
_FILES = {family: filename for family, filename, _ in PROMPT_FAMILIES} | {BASE_FAMILY[0]: BASE_FAMILY[1]}


def prompt_family(model: str) -> tuple[str, str]:
    """The family and prompt file for a backend slug; anything newer or unknown gets the base ``prompt.md``."""
    slug = model.strip().lower()
    for family, filename, prefixes in PROMPT_FAMILIES:
        if slug.startswith(prefixes):
            return family, filename
    return BASE_FAMILY


@dataclass(frozen=True, slots=True)
class PromptCopy:
    text: str
    etag: str | None
    tag: str
    url: str


class GitHubInstructionSource:
    """An ``InstructionSource`` on its own, and the GitHub link of :class:`InstructionChain`."""

    def __init__(
        self,
        *,
        api_url: str,
        raw_url: str,
        cache_dir: Path,
        ttl_seconds: float,
        wait_seconds: float,
        clock: Clock = time.time,
        http_timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.raw_url = raw_url.rstrip("/")
        self.cache_dir = cache_dir
        self._clock = clock
        self._http = LazyClient(timeout=http_timeout, transport=transport, follow_redirects=True)
        self._tag_lock = threading.Lock()
        self._tag: tuple[str, float] | None = None
        self._tag_etag: str | None = None
        self.cache: RefreshingCache[str, PromptCopy] = RefreshingCache(
            name="github_instructions",
            fetch=self._fetch,
            load=self._load,
            ttl_seconds=ttl_seconds,
            wait_seconds=wait_seconds,
            clock=clock,
        )

    # -- InstructionSource -------------------------------------------------------------

    def get_instructions(self, model: str) -> str | None:
        found = self.lookup(model)
        return found.value if found else None

    async def aget_instructions(self, model: str) -> str | None:
        found = await self.alookup(model)
        return found.value if found else None

    def lookup(self, model: str, *, wait: float | None = None) -> Lookup[str] | None:
        return _text(self.cache.get(prompt_family(model)[0], wait=wait))

    async def alookup(self, model: str, *, wait: float | None = None) -> Lookup[str] | None:
        return _text(await self.cache.aget(prompt_family(model)[0], wait=wait))

    # -- disk ----------------------------------------------------------------------------

    def path_for(self, family: str) -> Path:
        return cache_path(self.cache_dir, _KIND, family)

    def _load(self, family: str) -> Cached[PromptCopy] | None:
        payload = read_document(self.path_for(family), _KIND)
        if payload is None:
            return None
        text, tag, url = payload.get("text"), optional_str(payload.get("tag")), optional_str(payload.get("url"))
        checked = number(payload.get("last_checked"))
        if not isinstance(text, str) or not text.strip() or tag is None or url is None or checked is None:
            logger.warning("cache_file_ignored", path=str(self.path_for(family)), reason="incomplete entry")
            return None
        return Cached(PromptCopy(text, optional_str(payload.get("etag")), tag, url), checked)

    def _store(self, family: str, copy: PromptCopy, checked_at: float) -> None:
        payload = {
            "family": family,
            "text": copy.text,
            "etag": copy.etag,
            "tag": copy.tag,
            "url": copy.url,
            "last_checked": checked_at,
        }
        write_quietly(self.path_for(family), _KIND, payload)

    # -- network -------------------------------------------------------------------------

    def latest_tag(self) -> str:
        """The latest release's tag, asked for at most once per TTL (one lock for all families)."""
        with self._tag_lock:
            now = self._clock()
            if self._tag is not None and now - self._tag[1] < self.cache.ttl_seconds:
                return self._tag[0]
            url = f"{self.api_url}/repos/{_REPO}/releases/latest"
            headers = {"accept": "application/vnd.github+json"}
            if self._tag_etag and self._tag is not None:
                headers["if-none-match"] = self._tag_etag
            response = self._http.fetch(url, headers=headers)
            if response.status_code == 304 and self._tag is not None:
                self._tag = (self._tag[0], now)
                return self._tag[0]
            if response.status_code != 200:
                raise FetchError(_refusal(url, response))
            try:
                tag = response.json().get("tag_name")
            except (ValueError, AttributeError):
                tag = None
            if not isinstance(tag, str) or not tag:
                raise FetchError(f"GET {url} answered without a tag_name")
            self._tag, self._tag_etag = (tag, now), response.headers.get("etag")
            return tag

    def _fetch(self, family: str, previous: Cached[PromptCopy] | None) -> Cached[PromptCopy]:
        filename = _FILES[family]
        tag = self.latest_tag()
        url = f"{self.raw_url}/{_REPO}/{tag}/codex-rs/core/{filename}"
        headers: dict[str, str] = {}
        if previous is not None and previous.value.url == url and previous.value.etag:
            headers["if-none-match"] = previous.value.etag
        response = self._http.fetch(url, headers=headers)
        now = self._clock()
        if response.status_code == 304 and previous is not None:
            copy = previous.value
            logger.debug("github_instructions_unchanged", family=family, tag=tag)
        elif response.status_code == 200 and response.text.strip():
            copy = PromptCopy(response.text, response.headers.get("etag"), tag, url)
            logger.info("github_instructions_fetched", family=family, tag=tag, chars=len(copy.text))
        else:
            raise FetchError(_refusal(url, response))
        self._store(family, copy, now)
        return Cached(copy, now)

    def close(self) -> None:
        self._http.close()


def _refusal(url: str, response: httpx.Response) -> str:
    if response.status_code in (403, 429) and response.headers.get("x-ratelimit-remaining") == "0":
        return f"GET {url}: GitHub rate limit reached (resets at {response.headers.get('x-ratelimit-reset')})"
    return f"GET {url} answered {response.status_code}"


def _text(found: Lookup[PromptCopy] | None) -> Lookup[str] | None:
    return Lookup(found.value.text, fresh=found.fresh, failed=found.failed) if found else None
