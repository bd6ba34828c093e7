"""``CodexModelCatalog``: the backend's own list of models, ``GET {base}/codex/models``.

It is the only authoritative list of what the account may use today, with each
model's effort levels and its official instructions (``base_instructions``,
PROTOCOL.md section 6). The list is kept in memory and on disk with its ETag,
fresh for ``ttl_seconds`` (the official client keeps it five minutes), and
revalidated off the request path by :class:`RefreshingCache`.

The disk copy is per backend, client version and account (a hash of them in the
file name, the account's hash in the payload too): another login's list is never
served, and each login of a proxy keeps its own file.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..application.logs import get_logger
from ..domain.constants import CODEX_MODELS_ENDPOINT
from ..domain.models import MODEL_CATALOG, ModelSpec
from ..domain.ports import AuthContext, TokenStore
from .cache_files import cache_path, number, optional_str, read_document, write_quietly
from .client_identity import user_agent
from .lazy_client import LazyClient
from .refresh_cache import Cached, Clock, FetchError, Lookup, RefreshingCache

logger = get_logger(__name__)

_KIND = "models"
_KEY = "models"


@dataclass(frozen=True, slots=True)
class CatalogModel:
    spec: ModelSpec
    base_instructions: str | None
    visible: bool
    priority: float


@dataclass(frozen=True, slots=True)
class CatalogCopy:
    models: Mapping[str, CatalogModel]
    raw: list[Any]
    etag: str | None


def spec_from_entry(entry: Mapping[str, Any]) -> ModelSpec | None:
    """A ``ModelSpec`` from one catalog entry; ``None`` for an entry without a slug."""
    slug = entry.get("slug")
    if not isinstance(slug, str) or not slug:
        return None
    levels = entry.get("supported_reasoning_levels") or []
    efforts = tuple(
        str(level["effort"]) for level in levels if isinstance(level, Mapping) and isinstance(level.get("effort"), str)
    )
    default = entry.get("default_reasoning_level")
    if not isinstance(default, str) or not default:
        default = "medium" if "medium" in efforts or not efforts else efforts[0]
    static = MODEL_CATALOG.get(slug)
    window = entry.get("context_window")
    return ModelSpec(
        slug=slug,
        family=static.family if static else slug,
        efforts=efforts,
        default_effort=default,
        supports_verbosity=bool(entry.get("support_verbosity")),
        context_window=int(window) if isinstance(window, int) else (static.context_window if static else 0),
    )


def parse_models(raw: list[Any]) -> dict[str, CatalogModel]:
    models: dict[str, CatalogModel] = {}
    for entry in raw:
        if not isinstance(entry, Mapping) or (spec := spec_from_entry(entry)) is None:
            continue
        text = entry.get("base_instructions")
        models[spec.slug] = CatalogModel(
            spec=spec,
            base_instructions=text if isinstance(text, str) and text.strip() else None,
            visible=entry.get("visibility", "list") != "hide",
            priority=number(entry.get("priority")) or 0.0,
        )
    return models


class CodexModelCatalog:
    """The ``ModelCatalog`` port, and the catalog link of :class:`InstructionChain` (``base_instructions``)."""

    def __init__(
        self,
        *,
        base_url: str,
        client_version: str,
        originator: str,
        tokens: TokenStore,
        cache_dir: Path,
        ttl_seconds: float,
        wait_seconds: float,
        clock: Clock = time.time,
        http_timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_version = client_version
        self.tokens = tokens
        self.cache_dir = cache_dir
        self._clock = clock
        self._headers = {
            "accept": "application/json",
            "originator": originator,
            "user-agent": user_agent(originator, client_version),
        }
        self._http = LazyClient(timeout=http_timeout, transport=transport)
        self.cache: RefreshingCache[str, CatalogCopy] = RefreshingCache(
            name="model_catalog",
            fetch=self._fetch,
            load=self._load,
            ttl_seconds=ttl_seconds,
            wait_seconds=wait_seconds,
            clock=clock,
        )

    # -- ModelCatalog ----------------------------------------------------------------------

    def get_model(self, slug: str) -> ModelSpec | None:
        model = _model(self.cache.get(_KEY), slug)
        return model.spec if model else None

    async def aget_model(self, slug: str) -> ModelSpec | None:
        model = _model(await self.cache.aget(_KEY), slug)
        return model.spec if model else None

    def available_models(self) -> list[ModelSpec] | None:
        """The listed models, best first; ``None`` while the catalog is unknown (never waits)."""
        found = self.cache.get(_KEY, wait=0)
        if found is None:
            return None
        listed = sorted((m for m in found.value.models.values() if m.visible), key=lambda m: m.priority)
        return [m.spec for m in listed]

    # -- InstructionSource (base_instructions) ---------------------------------------------

    def get_instructions(self, model: str) -> str | None:
        found = self.lookup(model)
        return found.value if found else None

    async def aget_instructions(self, model: str) -> str | None:
        found = await self.alookup(model)
        return found.value if found else None

    def lookup_entry(self, model: str, *, wait: float | None = None) -> Lookup[CatalogModel] | None:
        """One look at the list: the model's spec and instructions together (the chain's one lookup)."""
        return _entry(self.cache.get(_KEY, wait=wait), model)

    async def alookup_entry(self, model: str, *, wait: float | None = None) -> Lookup[CatalogModel] | None:
        return _entry(await self.cache.aget(_KEY, wait=wait), model)

    def lookup(self, model: str, *, wait: float | None = None) -> Lookup[str] | None:
        return _instructions(self.cache.get(_KEY, wait=wait), model)

    async def alookup(self, model: str, *, wait: float | None = None) -> Lookup[str] | None:
        return _instructions(await self.cache.aget(_KEY, wait=wait), model)

    # -- disk --------------------------------------------------------------------------------

    def path_for(self, auth: AuthContext) -> Path:
        """One file per backend, client version and account: two logins never overwrite each other's list."""
        scope = f"{self.base_url}\n{self.client_version}\n{auth.account_id}"
        return cache_path(self.cache_dir, _KIND, hashlib.sha256(scope.encode()).hexdigest()[:16])

    @property
    def path(self) -> Path:
        """The file of the current login's account."""
        return self.path_for(self.tokens.get_auth())

    @staticmethod
    def _account_hash(auth: AuthContext) -> str:
        return hashlib.sha256(auth.account_id.encode()).hexdigest()

    def _load(self, key: str) -> Cached[CatalogCopy] | None:
        try:
            auth = self.tokens.get_auth()
        except Exception:
            return None  # no login yet: the fetch will say why
        path = self.path_for(auth)
        payload = read_document(path, _KIND)
        if payload is None:
            return None
        raw, checked = payload.get("models"), number(payload.get("last_checked"))
        if not isinstance(raw, list) or checked is None:
            logger.warning("cache_file_ignored", path=str(path), reason="incomplete entry")
            return None
        if payload.get("account") != self._account_hash(auth):
            return None
        return Cached(CatalogCopy(parse_models(raw), raw, optional_str(payload.get("etag"))), checked)

    # -- network -----------------------------------------------------------------------------

    def _request(self, auth: AuthContext, etag: str | None) -> httpx.Response:
        headers = {
            **self._headers,
            "authorization": f"Bearer {auth.access_token}",
            "chatgpt-account-id": auth.account_id,
        }
        if etag:
            headers["if-none-match"] = etag
        url = self.base_url + CODEX_MODELS_ENDPOINT
        return self._http.fetch(url, params={"client_version": self.client_version}, headers=headers)

    def _fetch(self, key: str, previous: Cached[CatalogCopy] | None) -> Cached[CatalogCopy]:
        auth = self.tokens.get_auth()
        etag = previous.value.etag if previous is not None else None
        # A 401 is a failure like any other, not a reason to refresh: refreshing rotates the
        # login, and that belongs to the request path (one refresh, on the backend's word).
        response = self._request(auth, etag)
        now = self._clock()
        if response.status_code == 304 and previous is not None:
            copy = previous.value
        elif response.status_code == 200:
            try:
                raw = response.json().get("models")
            except (ValueError, AttributeError):
                raw = None
            if not isinstance(raw, list):
                raise FetchError("the model catalog answered without a models list")
            copy = CatalogCopy(parse_models(raw), raw, response.headers.get("etag"))
            logger.info("model_catalog_fetched", models=len(copy.models))
        else:
            raise FetchError(f"the model catalog answered {response.status_code}")
        payload = {"models": copy.raw, "etag": copy.etag, "last_checked": now, "account": self._account_hash(auth)}
        write_quietly(self.path_for(auth), _KIND, payload)
        return Cached(copy, now)

    def close(self) -> None:
        self._http.close()


def _model(found: Lookup[CatalogCopy] | None, slug: str) -> CatalogModel | None:
    return found.value.models.get(slug) if found else None


def _entry(found: Lookup[CatalogCopy] | None, slug: str) -> Lookup[CatalogModel] | None:
    model = _model(found, slug)
    if found is None or model is None:
        return None
    return Lookup(model, fresh=found.fresh, failed=found.failed)


def _instructions(found: Lookup[CatalogCopy] | None, slug: str) -> Lookup[str] | None:
    model = _model(found, slug)
    if found is None or model is None or model.base_instructions is None:
        return None
    return Lookup(model.base_instructions, fresh=found.fresh, failed=found.failed)
