"""The wheel, installed beside a LiteLLM that was there first, changes nothing it found.

``make test-matrix`` (scripts/test_matrix.py) builds the wheel, installs it into a venv
that already holds a LiteLLM release with its proxy, and leaves what it saw in the
folder named by ``CODEX_PACKAGING_REPORT``; these tests run inside that venv and read
it. Outside the matrix there is no installed wheel to judge, so they are skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPORT = os.environ.get("CODEX_PACKAGING_REPORT")
SOURCE = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "litellm_codex_oauth_provider"

pytestmark = pytest.mark.skipif(not REPORT, reason="needs the installed wheel: run `make test-matrix`")


def _pins(name: str) -> dict[str, str]:
    assert REPORT
    lines = (Path(REPORT) / name).read_text().split()
    return {line.split("==")[0].lower(): line.split("==")[1] for line in lines}


def test_installing_the_wheel_changes_no_version_that_was_there() -> None:
    before, after = _pins("before.txt"), _pins("after.txt")
    changed = {name: f"{version} -> {after.get(name, 'removed')}" for name, version in before.items()}
    changed = {name: change for name, change in changed.items() if before[name] != after.get(name)}
    assert not changed, f"installing the wheel changed packages that were already installed: {changed}"
    assert REPORT
    litellm = (Path(REPORT) / "litellm-version.txt").read_text().strip()
    assert after["litellm"] == litellm


def test_pip_check_is_clean() -> None:
    assert REPORT
    report = (Path(REPORT) / "pip-check.txt").read_text()
    assert report.startswith("exit 0"), report


def test_the_package_imports_from_the_installed_wheel_not_the_source_tree() -> None:
    code = f"import {PACKAGE} as p, litellm_codex_oauth_provider.entrypoints.cli as c; print(p.__file__, c.__file__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    for path in map(Path, out.stdout.split()):
        assert path.is_relative_to(Path(sys.prefix)), path
        assert not path.is_relative_to(SOURCE), path


def test_the_command_runs_from_the_installed_wheel() -> None:
    command = Path(sys.executable).with_name("codex-litellm")
    out = subprocess.run([str(command), "--help"], capture_output=True, text=True, cwd="/", timeout=120)
    assert out.returncode == 0, out.stderr
    assert "serve" in out.stdout and "status" in out.stdout


def test_the_wheel_holds_every_subpackage_and_the_bundled_files() -> None:
    assert REPORT
    files = set((Path(REPORT) / "wheel-files.txt").read_text().split())
    packages = {path.parent for path in SOURCE.rglob("*.py") if "__pycache__" not in path.parts}
    expected = {f"{PACKAGE}/{(p.relative_to(SOURCE) / '__init__.py').as_posix()}" for p in packages}
    expected |= {f"{PACKAGE}/py.typed", f"{PACKAGE}/entrypoints/proxy_config.yaml"}
    assert expected <= files, f"missing from the wheel: {sorted(expected - files)}"
    assert not any(name.startswith(("tests/", "benchmarks/", "scripts/")) for name in files)
