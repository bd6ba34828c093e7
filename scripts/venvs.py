"""Throwaway virtual environments for the matrix and the constraints lock (standard library only).

Both scripts run with the plain ``python3`` of a fresh machine, before any project venv
exists, so nothing here may import a third-party package.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUIET = ["--quiet", "--disable-pip-version-check"]


class Venv:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.python = path / "bin" / "python"

    @classmethod
    def create(cls, path: Path) -> Venv:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(path)], check=True)
        venv = cls(path)
        venv.pip("install", "--upgrade", "pip")
        return venv

    def pip(self, *args: str) -> None:
        subprocess.run([str(self.python), "-m", "pip", *args[:1], *QUIET, *args[1:]], check=True)

    def freeze(self) -> list[str]:
        """``name==version`` lines, sorted by name; this package itself left out."""
        out = subprocess.run(
            [str(self.python), "-m", "pip", "freeze", "--all", *QUIET, "--exclude-editable"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        keep = (line for line in out.splitlines() if "==" in line and not line.startswith("#"))
        return sorted(
            (line for line in keep if not line.lower().startswith(("pip==", "litellm-codex-oauth-provider=="))),
            key=lambda line: line.split("==")[0].lower(),
        )


def extra_requirements(*extras: str) -> list[str]:
    """The requirements of this project's optional extras, read from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [req for extra in extras for req in project["optional-dependencies"][extra]]
