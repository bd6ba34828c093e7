"""Print the requirements of LiteLLM's ``proxy`` extra for one release, as the package index can serve them.

From 1.108.8 on, ``litellm[proxy]`` pins releases of LiteLLM's companion packages
(``litellm-proxy``, ``litellm-enterprise``, ``litellm-proxy-extras``) that the package
index does not serve, so ``pip install 'litellm[proxy]==1.110.2'`` fails. The proxy
itself ships inside ``litellm`` and runs once the extra's other requirements are
installed in the same resolution: ``litellm-proxy`` is left out, and a companion
pinned to a release the index lacks is asked for at its newest served release
instead. Run with a Python that has ``packaging``:
``python proxy_requirements.py 1.110.2 > reqs.txt``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement

LEFT_OUT = {"litellm-proxy"}
COMPANIONS = {"litellm-enterprise", "litellm-proxy-extras"}


def _served(requirement: str) -> bool:
    with tempfile.TemporaryDirectory(prefix="litellm-probe-") as tmp:
        probe = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", tmp, requirement]
        return subprocess.run(probe, capture_output=True).returncode == 0


def proxy_requirements(version: str) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="litellm-meta-") as tmp:
        download = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
        subprocess.run([*download, "--dest", tmp, f"litellm=={version}"], check=True)
        (wheel,) = Path(tmp).glob("litellm-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            metadata = Parser().parsestr(archive.read(name).decode())
    wanted = []
    for line in metadata.get_all("Requires-Dist") or []:
        req = Requirement(line)
        in_extra = req.marker is not None and req.marker.evaluate({"extra": "proxy"})
        in_base = req.marker is None or req.marker.evaluate({"extra": ""})
        if in_extra and not in_base and req.name.lower() not in LEFT_OUT:
            req.marker = None
            if req.name.lower() in COMPANIONS and not _served(str(req)):
                req.specifier = type(req.specifier)()
            wanted.append(str(req))
    return wanted


if __name__ == "__main__":
    print("\n".join(proxy_requirements(sys.argv[1])))
