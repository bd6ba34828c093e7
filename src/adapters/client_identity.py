"""How this package introduces itself to the backend, the same on every request it sends."""

from __future__ import annotations

import platform


def user_agent(originator: str, client_version: str, suffix: str = "") -> str:
    """``<originator>/<version> (<os> <release>; <arch>)``, the official client's shape."""
    return f"{originator}/{client_version} ({platform.system()} {platform.release()}; {platform.machine()}){suffix}"
