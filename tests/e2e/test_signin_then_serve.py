"""``codex-litellm login --device`` beside a running ``codex-litellm serve``: the proxy serves with the new login.

No Node, no Codex CLI: the sign-in goes to the stand-in sign-in server, the proxy to
the stand-in backend, and the backend accepts only the new access token, so an
answer proves the running proxy picked the new login up without a restart.
"""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from tests.e2e.conftest import MASTER_KEY, RunningProxy
from tests.fakes.auth_server import FakeAuthServer
from tests.fakes.codex_backend import Reply, text_answer
from tests.fakes.signin_run import LoginRun, assert_codex_cli_format

pytestmark = pytest.mark.e2e


def ask(proxy: RunningProxy, text: str) -> str | None:
    proxy.backend.enqueue(Reply(events=text_answer(text)))
    with openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=MASTER_KEY, max_retries=0, timeout=60) as sdk:
        answer = sdk.chat.completions.create(model="codex/gpt-5.1-codex", messages=[{"role": "user", "content": "hi"}])
    return answer.choices[0].message.content


def test_a_device_sign_in_is_served_by_the_running_proxy(proxy: RunningProxy) -> None:
    auth = proxy.env["CODEX_AUTH_FILE"]
    assert ask(proxy, "old login") == "old login", proxy.log_tail()
    assert proxy.backend.response_requests[-1].headers["authorization"] == f"Bearer {proxy.access_token}"
    with FakeAuthServer() as auth_server:
        auth_server.auto_approve = True
        env = {name: value for name, value in proxy.env.items() if name != "CODEX_OAUTH_TOKEN_URL"}
        env["CODEX_AUTH_BASE_URL"] = auth_server.base_url
        code, _, err = LoginRun(["login", "--device", "--auth-file", auth], env).finish()
        assert code == 0, err
        new_token = auth_server.issued[-1]["access_token"]
    assert_codex_cli_format(Path(auth))
    proxy.backend.valid_tokens = {new_token}
    try:
        assert ask(proxy, "new login") == "new login", proxy.log_tail()
    finally:
        proxy.backend.valid_tokens = None
    assert proxy.backend.response_requests[-1].headers["authorization"] == f"Bearer {new_token}"
