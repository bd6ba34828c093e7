"""What a refreshing token store is given: the refresh call, and the keywords of its policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypedDict

from ..domain.ports import AuthContext
from .single_flight import FlightRegistry, SingleFlight


class LoginRefresher(Protocol):
    """The OAuth refresh call (``OAuthRefreshClient``); raises ``CodexAuthRefreshError``."""

    def refresh(self, refresh_token: str) -> dict[str, Any]: ...


class RefreshPolicy(TypedDict, total=False):
    """The keywords of every refreshing store; the file and Redis stores add where the login is kept."""

    refresher: LoginRefresher | None
    """The OAuth refresh call; without one, a stale login is an error."""
    refresh_buffer_seconds: float
    """Refresh this long before expiry (300; never more than half the token's life)."""
    clock: Callable[[], float]
    check_interval_seconds: float
    """At most one check of the backend per this interval on the hot path."""
    reused_grace_seconds: float
    """After ``refresh_token_reused``, how long to wait for whoever spent the token to write its login."""
    retry_backoff_seconds: float
    """After a transient refresh failure, how long a still-valid token serves before trying again."""
    unreachable_backoff_seconds: float
    """After the backend could not be reached, how long a still-good login serves without asking it (30)."""
    flight: SingleFlight[AuthContext] | None
    """The in-process single flight (by default the one of this login in ``flights``)."""
    flights: FlightRegistry | None
    """The runtime's flights, one per login, shared by every store of that login it builds."""
