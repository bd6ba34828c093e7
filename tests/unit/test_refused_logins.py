"""The memory of tokens refused right after their refresh: kept for a while, then forgotten."""

from __future__ import annotations

from litellm_codex_oauth_provider.application.refused_logins import RefusedLogins
from litellm_codex_oauth_provider.domain.errors import CodexAPIStatusError


def test_a_refused_token_is_remembered_for_a_while_and_never_shown() -> None:
    now = [1000.0]
    memory = RefusedLogins(seconds=300, clock=lambda: now[0])
    memory.remember("at-secret")
    assert memory.holds("at-secret")
    assert not memory.holds("at-other")
    assert "at-secret" not in repr(memory)
    now[0] += 299
    assert memory.holds("at-secret")
    now[0] += 2
    assert not memory.holds("at-secret")
    memory.remember("at-next")
    assert repr(memory) == "RefusedLogins(1 remembered)", "forgotten tokens are dropped"


def test_the_error_is_a_401_that_says_to_sign_in_again() -> None:
    error = RefusedLogins().error(CodexAPIStatusError(401, "Unauthorized", request_id="req_1"))
    assert error.status_code == 401
    assert not error.transient
    assert error.code == "login_refused_after_refresh"
    assert error.request_id == "req_1"
    assert "even right after a refresh (Unauthorized)" in str(error)
    assert "codex login" in str(error)
