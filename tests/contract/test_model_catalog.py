"""The model catalog against the fake backend's ``/codex/models``: headers, ETag, caching, failures."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
from litellm_codex_oauth_provider.adapters.catalog import CodexModelCatalog
from litellm_codex_oauth_provider.domain.models import ModelSpec
from structlog.testing import capture_logs

from tests.fakes.catalog_entries import catalog_models, model_entry
from tests.fakes.clock import FakeClock
from tests.fakes.codex_backend import FakeCodexBackend
from tests.fakes.ports import FakeTokenStore

TTL = 300.0


def make_catalog(
    backend: FakeCodexBackend,
    folder: Path,
    clock: FakeClock,
    tokens: FakeTokenStore | None = None,
    *,
    wait: float = 5.0,
) -> CodexModelCatalog:
    return CodexModelCatalog(
        base_url=backend.base_url,
        client_version="0.155.0",
        originator="codex_cli_rs",
        tokens=tokens or FakeTokenStore(),
        cache_dir=folder,
        ttl_seconds=TTL,
        wait_seconds=wait,
        clock=clock,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def backend(codex_backend: FakeCodexBackend) -> FakeCodexBackend:
    codex_backend.models = catalog_models()
    return codex_backend


def test_the_catalog_is_asked_with_the_logins_headers_and_gives_model_specs(
    backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock
) -> None:
    catalog = make_catalog(backend, tmp_path, clock)
    spec = catalog.get_model("gpt-5.5")
    assert spec == ModelSpec(
        slug="gpt-5.5",
        family="gpt-5.5",
        efforts=("none", "low", "medium", "high", "xhigh"),
        default_effort="medium",
        supports_verbosity=True,
        context_window=272_000,
    )
    codex = catalog.get_model("gpt-5.1-codex")
    assert codex is not None and codex.family == "codex"
    assert catalog.get_model("gpt-4o") is None
    (request,) = backend.models_requests
    assert request.method == "GET"
    assert request.path == "/backend-api/codex/models?client_version=0.155.0"
    assert request.headers["authorization"] == "Bearer token-1"
    assert request.headers["chatgpt-account-id"] == "acct-fake"
    assert request.headers["originator"] == "codex_cli_rs"
    assert request.headers["user-agent"].startswith("codex_cli_rs/0.155.0 (")
    assert "if-none-match" not in request.headers


def test_base_instructions_per_model(backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock) -> None:
    catalog = make_catalog(backend, tmp_path, clock)
    assert catalog.get_instructions("gpt-5.4-mini") == "Catalog instructions for gpt-5.4-mini."
    assert catalog.get_instructions("gpt-5.6-sol") is None, "an empty text is no instructions"
    assert catalog.get_instructions("gpt-4o") is None
    assert len(backend.models_requests) == 1


def test_available_models_lists_the_visible_ones_best_first_and_never_waits(
    backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock
) -> None:
    backend.models_delay = 2.0
    catalog = make_catalog(backend, tmp_path, clock)
    started = time.monotonic()
    assert catalog.available_models() is None
    assert time.monotonic() - started < backend.models_delay, "it did not wait for the fetch"
    catalog.cache.join()
    models = catalog.available_models()
    assert models is not None
    assert [m.slug for m in models] == ["gpt-5.5", "gpt-5.6-sol", "gpt-5.4-mini", "gpt-5.1-codex"]
    assert catalog.get_model("gpt-5.1-codex-max") is not None, "hidden models can still be used"
    assert len(backend.models_requests) == 1


def test_warm_lookups_make_no_requests(backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock) -> None:
    catalog = make_catalog(backend, tmp_path, clock)
    catalog.get_model("gpt-5.5")

    async def many() -> None:
        for _ in range(100):
            assert await catalog.aget_model("gpt-5.5") is not None
            assert await catalog.aget_instructions("gpt-5.5")

    asyncio.run(many())
    for _ in range(100):
        catalog.get_model("gpt-5.1-codex")
        catalog.available_models()
    assert len(backend.models_requests) == 1


def test_concurrent_cold_lookups_make_one_request(backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock) -> None:
    backend.models_delay = 0.3
    catalog = make_catalog(backend, tmp_path, clock)
    barrier = threading.Barrier(12)
    results: list[object] = []

    def worker() -> None:
        barrier.wait()
        results.append(catalog.get_model("gpt-5.5"))

    async def tasks() -> list[str | None]:
        return await asyncio.gather(*(catalog.aget_instructions("gpt-5.5") for _ in range(12)))

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    texts = asyncio.run(tasks())
    for thread in threads:
        thread.join()
    assert all(isinstance(r, ModelSpec) for r in results) and len(results) == 12
    assert texts == ["Catalog instructions for gpt-5.5."] * 12
    assert len(backend.models_requests) == 1


def test_a_stale_list_is_revalidated_with_its_etag_once(
    backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock
) -> None:
    catalog = make_catalog(backend, tmp_path, clock)
    catalog.get_model("gpt-5.5")
    clock.advance(TTL + 1)
    for _ in range(50):
        assert catalog.get_model("gpt-5.5") is not None
    catalog.cache.join()
    _, second = backend.models_requests
    assert second.headers["if-none-match"] == backend.models_etag()
    payload = json.loads(catalog.path.read_text())["payload"]
    assert payload["last_checked"] == clock()
    backend.models = [*catalog_models(), model_entry("gpt-6-astra", ("low", "max"))]
    clock.advance(TTL)
    catalog.get_model("gpt-5.5")
    catalog.cache.join()
    assert catalog.get_model("gpt-6-astra") is not None
    assert len(backend.models_requests) == 3


def test_the_disk_copy_serves_a_new_process_for_the_same_account_only(
    backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock
) -> None:
    make_catalog(backend, tmp_path, clock).get_model("gpt-5.5")
    same = make_catalog(backend, tmp_path, clock)
    assert same.get_model("gpt-5.5") is not None
    assert len(backend.models_requests) == 1
    other = make_catalog(backend, tmp_path, clock, FakeTokenStore(account_id="acct-other"))
    assert other.get_model("gpt-5.5") is not None
    assert len(backend.models_requests) == 2, "another account's list is not served"
    assert "acct-fake" not in catalog_text(tmp_path)


def test_each_account_keeps_its_own_file(backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock) -> None:
    """Two logins of one proxy: the second's fetch does not overwrite the first's copy."""
    alice, bob = FakeTokenStore(account_id="acct-alice"), FakeTokenStore(account_id="acct-bob")
    make_catalog(backend, tmp_path, clock, alice).get_model("gpt-5.5")
    make_catalog(backend, tmp_path, clock, bob).get_model("gpt-5.5")
    assert len(backend.models_requests) == 2
    assert make_catalog(backend, tmp_path, clock, alice).path != make_catalog(backend, tmp_path, clock, bob).path
    assert make_catalog(backend, tmp_path, clock, alice).get_model("gpt-5.5") is not None
    assert make_catalog(backend, tmp_path, clock, bob).get_model("gpt-5.5") is not None
    assert len(backend.models_requests) == 2, "a new process of either login starts from its own disk copy"


def catalog_text(folder: Path) -> str:
    return "".join(p.read_text() for p in folder.iterdir())


def test_a_401_is_a_failure_and_does_not_rotate_the_login(
    backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock
) -> None:
    backend.valid_tokens = {"token-2"}
    tokens = FakeTokenStore()
    catalog = make_catalog(backend, tmp_path, clock, tokens)
    with capture_logs() as logs:
        assert catalog.get_model("gpt-5.5") is None
    assert [e["error"] for e in logs if e["event"] == "cache_fetch_failed"] == ["the model catalog answered 401"]
    assert tokens.refreshes == 0
    assert len(backend.models_requests) == 1
    assert "token-1" not in repr(logs)


def test_a_failing_catalog_keeps_the_stale_list_and_says_so(
    backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock
) -> None:
    catalog = make_catalog(backend, tmp_path, clock)
    catalog.get_model("gpt-5.5")
    backend.models_status = 503
    clock.advance(TTL + 1)
    with capture_logs() as logs:
        assert catalog.get_model("gpt-5.5") is not None
        catalog.cache.join()
    assert [e["serving"] for e in logs if e["event"] == "cache_fetch_failed"] == ["stale copy"]
    assert catalog.available_models() is not None
    assert len(backend.models_requests) == 2


def test_no_catalog_at_all_gives_none_quickly(backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock) -> None:
    backend.models_status = 404
    catalog = make_catalog(backend, tmp_path, clock)
    assert catalog.get_model("gpt-5.5") is None
    assert catalog.get_instructions("gpt-5.5") is None
    assert catalog.available_models() is None
    assert len(backend.models_requests) == 1


def test_a_corrupt_catalog_file_is_ignored_and_replaced(
    backend: FakeCodexBackend, tmp_path: Path, clock: FakeClock
) -> None:
    first = make_catalog(backend, tmp_path, clock)
    first.get_model("gpt-5.5")
    document = json.loads(first.path.read_text())
    document["payload"]["models"][0]["base_instructions"] = "Tampered."
    first.path.write_text(json.dumps(document))
    second = make_catalog(backend, tmp_path, clock)
    assert second.get_instructions("gpt-5.5") == "Catalog instructions for gpt-5.5."
    assert len(backend.models_requests) == 2
    assert json.loads(second.path.read_text())["payload"]["models"][0]["base_instructions"] != "Tampered."
