"""``make constraints``: rewrite constraints.txt with the newest set that installs here.

A fresh venv gets the project with every extra (``dev``, ``proxy``, ``redis``) and no
constraints, so pip picks the newest release of everything that resolves together
on the package index; its ``pip freeze`` becomes constraints.txt, which ``make test``
installs. Review the diff, run ``make test test-matrix``, and commit both.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

from venvs import ROOT, Venv

HEADER = """\
# What `make test` installs: the newest set that resolves with the `proxy` extra on the package index.
# Written by `make constraints` on {date}; do not edit by hand.
"""


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="codex-lock-") as tmp:
        venv = Venv.create(Path(tmp) / "venv")
        venv.pip("install", f"{ROOT}[dev,proxy,redis]")
        pins = venv.freeze()
    target = ROOT / "constraints.txt"
    target.write_text(HEADER.format(date=datetime.date.today().isoformat()) + "\n".join(pins) + "\n")
    litellm = next(pin for pin in pins if pin.lower().startswith("litellm=="))
    print(f"constraints.txt: {len(pins)} pins, {litellm}")


if __name__ == "__main__":
    main()
