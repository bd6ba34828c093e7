"""``StaticTokenStore``: a login the application already holds, with no file and no refresh.

For applications that get their token from elsewhere (a secrets manager, a parent
process, a test) and embed the provider with
``CodexAuthProvider(token_store=StaticTokenStore(...))``.
"""

from __future__ import annotations

from ..domain.errors import CodexAuthTokenExpiredError
from ..domain.ports import AuthContext


class StaticTokenStore:
    """Always gives the same login; a refused token cannot be refreshed here, so it raises."""

    def __init__(
        self,
        access_token: str,
        account_id: str,
        *,
        expires_at: float | None = None,
        plan_type: str | None = None,
    ) -> None:
        if not access_token or not account_id:
            raise ValueError("a static login needs both an access token and a ChatGPT account id")
        self._auth = AuthContext(
            access_token=access_token, account_id=account_id, expires_at=expires_at, plan_type=plan_type
        )

    def __repr__(self) -> str:
        return f"StaticTokenStore(account_id={self._auth.account_id!r})"

    def get_auth(self) -> AuthContext:
        return self._auth

    async def aget_auth(self) -> AuthContext:
        return self._auth

    def force_refresh(self, rejected: AuthContext) -> AuthContext:
        raise CodexAuthTokenExpiredError(
            "the backend refused the static token this application supplied: give it a fresh one"
        )

    async def aforce_refresh(self, rejected: AuthContext) -> AuthContext:
        return self.force_refresh(rejected)
