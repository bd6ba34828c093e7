"""``make bench``: how much this provider adds to the wire, against plain httpx and LiteLLM's built-in provider.

One process, the fake backend in another (so it does not compete for this
process's GIL). Prints a table and writes it as JSON to ``benchmarks/results/``.
Ratios come from the same run; absolute times vary between machines. Nothing
here asserts a time: the targets are printed beside the numbers.

    python benchmarks/run.py [--rounds 40] [--streams 100] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from setup_env import ROOT, FakeBackendProcess, dump, machine_description, prepare_environment

RESULTS = ROOT / "benchmarks" / "results"
BIG_ANSWER = {"deltas": 500}
PACED_ANSWER = {"events": 60, "delay": 0.01}
SHORT_ANSWER = {"deltas": 20}
BIG_ANSWER_CHARS = sum(len(f"w{i} ") for i in range(500))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# -- 1. a 500-delta answer sent at once, sequential ------------------------------------------------


async def sequential(paths: dict[str, Any], rounds: int, warmup: int) -> dict[str, Any]:
    """Rounds interleave the paths, so a noisy neighbour on the machine hurts them all alike."""
    times: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    names = list(paths)
    for index in range(warmup + rounds):
        # The order rotates every round: whichever path follows (d) inherits its garbage.
        for name in names[index % len(names) :] + names[: index % len(names)]:
            path = paths[name]
            cpu_started, started = time.process_time(), time.perf_counter()
            received = await path()
            elapsed = time.perf_counter() - started
            cpu_elapsed = time.process_time() - cpu_started
            if received != BIG_ANSWER_CHARS:
                raise RuntimeError(f"{name} received {received} characters, expected {BIG_ANSWER_CHARS}")
            if index >= warmup:
                times[name].append(elapsed)
                cpu[name].append(cpu_elapsed)
    return {
        name: {
            "median_ms": statistics.median(values) * 1000,
            "p95_ms": _percentile(values, 0.95) * 1000,
            "cpu_ms": statistics.median(cpu[name]) * 1000,
            "runs": len(values),
        }
        for name, values in times.items()
    }


# -- 2. concurrent paced streams ------------------------------------------------------------------


async def _ticker(stop: asyncio.Event, lags: list[float], period: float = 0.005) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        started = loop.time()
        await asyncio.sleep(period)
        lags.append(loop.time() - started - period)


async def _concurrent_round(path: Any, streams: int) -> tuple[float, float, float]:
    stop, lags = asyncio.Event(), []
    ticker = asyncio.create_task(_ticker(stop, lags))
    await asyncio.sleep(0.02)
    cpu_started, started = time.process_time(), time.perf_counter()
    received = await asyncio.gather(*(path() for _ in range(streams)))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    stop.set()
    await ticker
    if min(received) == 0:
        raise RuntimeError("a paced stream received no text")
    return wall, max(lags), cpu


async def concurrent(paths: dict[str, Any], streams: int, repeats: int) -> dict[str, Any]:
    """Rounds interleave the paths (a, b, c, d, a, b, ...), so a change of load hits them alike."""
    for path in paths.values():
        await _concurrent_round(path, 10)  # warm-up: connections, first-call imports
    walls: dict[str, list[float]] = {name: [] for name in paths}
    lags: dict[str, list[float]] = {name: [] for name in paths}
    cpus: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(repeats):
        for name, path in paths.items():
            wall, lag, cpu = await _concurrent_round(path, streams)
            walls[name].append(wall)
            lags[name].append(lag)
            cpus[name].append(cpu)
    results: dict[str, Any] = {}
    for name, path in paths.items():
        gc.collect()
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            baseline = tracemalloc.get_traced_memory()[0]
            await asyncio.gather(*(path() for _ in range(streams)))
            peak = tracemalloc.get_traced_memory()[1] - baseline
        finally:
            tracemalloc.stop()
        results[name] = {
            "wall_ms": statistics.median(walls[name]) * 1000,
            "cpu_ms": statistics.median(cpus[name]) * 1000,
            "worst_loop_lag_ms": statistics.median(lags[name]) * 1000,
            "peak_memory_mib": peak / 2**20,
            "repeats": repeats,
        }
    return results


# -- 3. sequential sync completions --------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def sync_completions(backend: FakeBackendProcess, count: int) -> dict[str, Any]:
    import litellm
    from paths import CODEX_MODEL, MESSAGES

    backend.script(SHORT_ANSWER, reset_counts=True)  # counted from before the sync client's first call
    records = _Records()
    loggers = [logging.getLogger(), logging.getLogger("LiteLLM")]
    for logger in loggers:
        logger.addHandler(records)
    errors: list[str] = []
    started = time.perf_counter()
    try:
        for _ in range(count):
            try:
                response = litellm.completion(model=CODEX_MODEL, messages=MESSAGES)
                if not response.choices[0].message.content:
                    errors.append("empty answer")
            except Exception as exc:  # counted and reported, not raised
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
    finally:
        for logger in loggers:
            logger.removeHandler(records)
    elapsed = time.perf_counter() - started
    stats = backend.stats()
    loop_messages = [m for m in records.messages if "loop" in m.lower()]
    return {
        "completions": count,
        "errors": len(errors),
        "event_loop_errors": len(loop_messages) + sum("loop" in e.lower() for e in errors),
        "first_errors": (errors + loop_messages)[:3],
        "tcp_connections": stats["connections"] - 1,  # less the stats call's own connection
        "responses_requests": stats["requests"].get("POST /backend-api/codex/responses", 0),
        "mean_ms": elapsed / count * 1000,
    }


# -- 4. the hot path after warm-up ----------------------------------------------------------------


class _AuditCounts:
    """Counts, through ``sys.addaudithook`` (nothing patched), what the hot path must not do.

    Opening the login file is a read; a new outbound connection to anything but the
    backend is a fetch (GitHub instructions, the OAuth endpoint); a new connection to
    the backend is a connection not reused.
    """

    def __init__(self, auth_files: list[Path], backend_port: int) -> None:
        self.auth_files = {str(p) for p in auth_files}
        self.backend_port = backend_port
        self.active = False
        self.auth_file_opens = 0
        self.other_connects = 0
        self.backend_connects = 0
        sys.addaudithook(self)

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        if event == "open" and str(args[0]) in self.auth_files:
            self.auth_file_opens += 1
        elif event == "socket.connect":
            address = args[1]
            if isinstance(address, tuple) and len(address) >= 2 and address[1] == self.backend_port:
                self.backend_connects += 1
            else:
                self.other_connects += 1


def hot_path(backend: FakeBackendProcess, files: dict[str, Path], requests: int) -> dict[str, Any]:
    import litellm
    from paths import CODEX_MODEL, MESSAGES, litellm_path

    backend.script(SHORT_ANSWER)
    audit = _AuditCounts([files["codex_auth"]], backend.port)
    stream = litellm_path(CODEX_MODEL)

    async def streams(counted: bool) -> None:
        for _ in range(3):  # warm-up in this loop: its client, its connection
            await stream()
        audit.active = counted
        for _ in range(requests):
            await stream()
        audit.active = False

    for _ in range(3):
        litellm.completion(model=CODEX_MODEL, messages=MESSAGES)
    before = backend.stats()["requests"]
    audit.active = True
    for _ in range(requests):
        litellm.completion(model=CODEX_MODEL, messages=MESSAGES)
    audit.active = False
    asyncio.run(streams(counted=True))
    after = backend.stats()["requests"]
    other_requests = sum(
        count - before.get(key, 0) for key, count in after.items() if key != "POST /backend-api/codex/responses"
    )
    total = 2 * requests
    result = {
        "requests": total,
        "login_file_reads_per_request": audit.auth_file_opens / total,
        "instruction_or_other_fetches_per_request": (audit.other_connects + other_requests) / total,
        "new_backend_connections": audit.backend_connects,
    }
    # The counter is live: a login file that changed on disk is read again, once.
    reads_before = audit.auth_file_opens
    later = time.time_ns() + 10**9
    os.utime(files["codex_auth"], ns=(later, later))
    time.sleep(1.1)  # the store looks at the file's mtime at most once a second
    audit.active = True
    litellm.completion(model=CODEX_MODEL, messages=MESSAGES)
    audit.active = False
    result["reads_after_the_file_changed"] = audit.auth_file_opens - reads_before
    return result


# -- 5. import time beyond litellm ------------------------------------------------------------------

# What a LiteLLM user or the proxy imports: the package, the plugin and the provider class. The
# container (dependency-injector, which imports FastAPI when it is installed) is imported by the
# first call, not by the import: measured separately. ``PRELOAD`` is imported before the clock starts.
_IMPORT_PROBE = """
import importlib, sys, time
started = time.perf_counter()
import litellm
after_litellm = time.perf_counter()
for name in sys.argv[1:]:
    importlib.import_module(name)
before = time.perf_counter()
import litellm_codex_oauth_provider as package
package.register, package.CodexAuthProvider, package.codex_provider
imported = time.perf_counter()
from litellm_codex_oauth_provider.entrypoints import container
done = time.perf_counter()
print(after_litellm - started, imported - before, done - imported)
"""


def _probe(runs: int, preload: list[str]) -> tuple[float, float, float]:
    litellm_times, extra, first_use = [], [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE, *preload], capture_output=True, text=True, check=True, cwd="/"
        ).stdout.split()
        litellm_times.append(float(out[-3]))
        extra.append(float(out[-2]))
        first_use.append(float(out[-1]))
    return tuple(statistics.median(times) * 1000 for times in (litellm_times, extra, first_use))  # type: ignore[return-value]


def import_time(runs: int) -> dict[str, Any]:
    import importlib.util

    litellm_ms, beyond_ms, container_ms = _probe(runs, [])
    result = {
        "litellm_ms": litellm_ms,
        "package_beyond_litellm_ms": beyond_ms,
        "container_on_first_call_ms": container_ms,
        "runs": runs,
    }
    if importlib.util.find_spec("fastapi") is not None:
        # dependency-injector imports fastapi whenever it is installed (litellm[proxy] brings it);
        # the proxy has imported it already, so this is the package's own share there.
        result["container_on_first_call_after_fastapi_ms"] = _probe(runs, ["fastapi"])[2]
    return result


# -- the table ----------------------------------------------------------------------------------------


def _check(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def render(results: dict[str, Any]) -> str:
    from paths import LABELS

    seq, par = results["sequential"], results["concurrent"]
    a, b, c, d = (seq[k]["median_ms"] for k in ("a_floor", "b_direct", "c_litellm_codex", "d_litellm_chatgpt"))
    pa, pb, pc, pd = (par[k]["wall_ms"] for k in ("a_floor", "b_direct", "c_litellm_codex", "d_litellm_chatgpt"))
    la, lb = par["a_floor"]["worst_loop_lag_ms"], par["b_direct"]["worst_loop_lag_ms"]
    machine = results["machine"]
    lines = [
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['os']}, Python {machine['python']}, "
        f"litellm {machine['litellm']}, httpx {machine['httpx']} (load average at start {machine['load_average']})",
        "",
        f"1. A 500-delta answer sent at once, sequential ({seq['a_floor']['runs']} runs each, interleaved)",
        "",
        "| path | median ms | p95 ms | x floor | x (d) | CPU ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, row in seq.items():
        lines.append(
            f"| {LABELS[key]} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} | "
            f"{row['median_ms'] / a:.2f} | {row['median_ms'] / d:.2f} | {row['cpu_ms']:.1f} |"
        )
    streams = results["settings"]["streams"]
    lines += [
        "",
        f"2. {streams} concurrent streams, 60 events 10 ms apart (median of {par['a_floor']['repeats']} rounds)",
        "",
        "| path | wall ms | x floor | x (d) | CPU ms | worst loop lag ms | peak traced memory MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, row in par.items():
        lines.append(
            f"| {LABELS[key]} | {row['wall_ms']:.0f} | {row['wall_ms'] / pa:.2f} | {row['wall_ms'] / pd:.2f} | "
            f"{row['cpu_ms']:.0f} | {row['worst_loop_lag_ms']:.1f} | {row['peak_memory_mib']:.1f} |"
        )
    sync, hot, imp = results["sync"], results["hot_path"], results["import"]
    lines += [
        "",
        f"3. {sync['completions']} sequential sync litellm.completion calls: {sync['errors']} errors, "
        f"{sync['event_loop_errors']} event-loop errors, {sync['tcp_connections']} TCP connection(s) seen by "
        f"the backend for {sync['responses_requests']} requests ({sync['mean_ms']:.1f} ms each)",
        f"4. Hot path after warm-up ({hot['requests']} requests, sync and async): "
        f"{hot['login_file_reads_per_request']:.2f} login-file reads and "
        f"{hot['instruction_or_other_fetches_per_request']:.2f} instruction/other fetches per request, "
        f"{hot['new_backend_connections']} new backend connections "
        f"(counter check: {hot['reads_after_the_file_changed']} read after the login file changed)",
        f"5. Import time beyond `import litellm` ({imp['litellm_ms']:.0f} ms): "
        f"{imp['package_beyond_litellm_ms']:.0f} ms (median of {imp['runs']}); the first call then imports the "
        f"container: {imp['container_on_first_call_ms']:.0f} ms"
        + (
            f" ({imp['container_on_first_call_after_fastapi_ms']:.0f} ms when fastapi is already imported, "
            "as in the proxy)"
            if "container_on_first_call_after_fastapi_ms" in imp
            else ""
        ),
        "",
        "Targets (ratios from this run):",
        f"- (b) per answer <= 1.3 x floor: {b / a:.2f} {_check(b / a <= 1.3)}",
        f"- (b) paced wall <= 1.3 x floor: {pb / pa:.2f} {_check(pb / pa <= 1.3)}",
        f"- (b) worst loop lag <= 2 x floor's: {lb:.1f} vs {la:.1f} ms {_check(lb <= 2 * la)}",
        f"- (c) sequential <= 0.35 x (d): {c / d:.2f} {_check(c / d <= 0.35)}",
        f"- (c) paced wall <= 0.5 x (d): {pc / pd:.2f} {_check(pc / pd <= 0.5)}",
        f"- zero hot-path login-file reads and fetches: "
        f"{_check(hot['login_file_reads_per_request'] == 0 and hot['instruction_or_other_fetches_per_request'] == 0)}",
        f"- one connection reused across sequential requests: {_check(sync['tcp_connections'] == 1)}",
        f"- under 150 ms of import beyond litellm: {_check(imp['package_beyond_litellm_ms'] < 150)}",
    ]
    if "a2_floor_aiohttp" in seq:
        a2, pa2 = seq["a2_floor_aiohttp"]["median_ms"], par["a2_floor_aiohttp"]["wall_ms"]
        lines += [
            "",
            "What the provider adds over its own network layer (no target; (a') is the floor the provider reads "
            f"through): (b) is {b / a2:.2f} x (a') per answer and {pb / pa2:.2f} x (a') in paced wall time.",
        ]
    return "\n".join(lines)


_STARTED = time.perf_counter()


def _progress(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40, help="timed sequential rounds per path")
    parser.add_argument("--streams", type=int, default=100, help="concurrent paced streams")
    parser.add_argument("--repeats", type=int, default=5, help="timed concurrent rounds per path")
    parser.add_argument("--sync-calls", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.repeats, args.sync_calls = 5, 1, 20

    warnings.filterwarnings("ignore")
    backend = FakeBackendProcess()
    try:
        files = prepare_environment(backend)
        machine = machine_description()
        import litellm
        from litellm_codex_oauth_provider import register

        litellm.suppress_debug_info = True
        register()
        from paths import all_paths, close_floor_clients

        paths = all_paths()
        # LiteLLM's import leaves about 1.5 million objects; a full collection of them costs about
        # 200 ms here and would land at random inside one path's numbers. Freezing them is what a
        # long-running server does too (gc.freeze after start-up); every path gets the same.
        gc.collect()
        gc.freeze()
        results: dict[str, Any] = {
            "machine": machine,
            "settings": vars(args),
            "started": datetime.now(UTC).isoformat(),
        }

        async def async_measures() -> None:
            _progress("1. sequential 500-delta answers")
            backend.script(BIG_ANSWER)
            results["sequential"] = await sequential(paths, args.rounds, warmup=3)
            _progress("2. concurrent paced streams")
            backend.script(PACED_ANSWER)
            results["concurrent"] = await concurrent(paths, args.streams, args.repeats)
            await close_floor_clients()

        asyncio.run(async_measures())
        _progress("3. sequential sync completions")
        results["sync"] = sync_completions(backend, args.sync_calls)
        _progress("4. hot path")
        results["hot_path"] = hot_path(backend, files, requests=20)
        _progress("5. import time")
        results["import"] = import_time(runs=1 if args.quick else 3)
    finally:
        backend.stop()
    table = render(results)
    print(table)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results["table"] = table
    dump(RESULTS / f"bench-{stamp}.json", results)
    dump(RESULTS / "latest.json", results)
    print(f"\nwritten: {RESULTS / f'bench-{stamp}.json'}")


if __name__ == "__main__":
    main()
