"""``make test-matrix``: the tests on the oldest and the newest supported LiteLLM, from the built wheel.

For each LiteLLM release named on the command line (the Makefile names both ends of
the supported range), a venv under ``.matrix/`` gets that release, its proxy's
requirements (see proxy_requirements.py) and the test tools first, exactly as an
operator's gateway would already hold them; then the wheel built from this checkout
is installed beside them. Its ``pip freeze`` before and after, ``pip check`` and the
wheel's file list go to a report folder that ``tests/packaging`` reads: installing
the package must change no version that was already there. Then the unit, contract,
end-to-end and packaging tests run in that venv, against the installed wheel (the
source tree is never on its path).

The venvs are prepared side by side (mostly downloads), and the test runs go side by
side too (``--jobs``, default 2: one per core here), each into its own log under
``.matrix/``; a failing run's log tail is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from venvs import ROOT, Venv, extra_requirements

WORK = ROOT / ".matrix"
SUITES = ["tests/unit", "tests/contract", "tests/e2e", "tests/packaging"]


def build_wheel() -> Path:
    dist = WORK / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps"]
    subprocess.run([*pip_wheel, "--wheel-dir", str(dist), str(ROOT)], check=True)
    (wheel,) = dist.glob("litellm_codex_oauth_provider-*.whl")
    return wheel


def prepare(version: str, wheel: Path) -> tuple[Venv, Path]:
    """The venv with LiteLLM ``version`` and its proxy first, then the wheel; the report folder."""
    venv = Venv.create(WORK / f"litellm-{version}")
    report = WORK / f"report-{version}"
    shutil.rmtree(report, ignore_errors=True)
    report.mkdir(parents=True)
    venv.pip("install", "packaging")
    proxy = subprocess.run(
        [str(venv.python), str(ROOT / "scripts" / "proxy_requirements.py"), version],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    tools = [req for req in extra_requirements("dev", "redis") if not req.lower().startswith("litellm")]
    venv.pip("install", f"litellm=={version}", *proxy, *tools)
    (report / "before.txt").write_text("\n".join(venv.freeze()) + "\n")
    venv.pip("install", f"{wheel}[redis]")
    (report / "after.txt").write_text("\n".join(venv.freeze()) + "\n")
    check = subprocess.run([str(venv.python), "-m", "pip", "check"], capture_output=True, text=True)
    (report / "pip-check.txt").write_text(f"exit {check.returncode}\n{check.stdout}{check.stderr}")
    with zipfile.ZipFile(wheel) as archive:
        (report / "wheel-files.txt").write_text("\n".join(archive.namelist()) + "\n")
    (report / "litellm-version.txt").write_text(version + "\n")
    return venv, report


def run_tests(venv: Venv, report: Path, pytest_args: list[str], log: Path) -> int:
    env = {**os.environ, "CODEX_PACKAGING_REPORT": str(report), "CODEX_SOURCE_TREE": str(ROOT)}
    env.pop("PYTHONPATH", None)
    command = [str(venv.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITES, *pytest_args]
    with log.open("wb") as out:
        return subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode


def leg(version: str, wheel: Path, pytest_args: list[str]) -> tuple[int, Path]:
    venv, report = prepare(version, wheel)
    log = WORK / f"pytest-{version}.log"
    print(f"== LiteLLM {version}: installed beside it; testing (log: {log.relative_to(ROOT)})", flush=True)
    return run_tests(venv, report, pytest_args, log), log


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="+", help="LiteLLM releases, e.g. 1.106.2 1.110.2")
    parser.add_argument("--pytest-args", default="", help="extra pytest arguments, space separated")
    parser.add_argument("--jobs", type=int, default=2, help="legs run at once")
    args = parser.parse_args()
    wheel = build_wheel()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {v: pool.submit(leg, v, wheel, args.pytest_args.split()) for v in args.versions}
        results = {version: future.result() for version, future in futures.items()}
    for version, (code, log) in results.items():
        lines = log.read_text(errors="replace").splitlines()
        if code != 0:
            print(f"---- LiteLLM {version}: the end of {log.relative_to(ROOT)}", *lines[-60:], sep="\n")
        summary = lines[-1] if lines else "no output"
        print(f"LiteLLM {version}: {'passed' if code == 0 else f'FAILED (pytest exit {code})'}: {summary}")
    return 0 if all(code == 0 for code, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
