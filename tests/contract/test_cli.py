"""``codex-litellm``: each command against a throwaway login and the fake backend, in process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from litellm_codex_oauth_provider.domain.models import ModelSpec
from litellm_codex_oauth_provider.entrypoints.cli import build_parser, main
from litellm_codex_oauth_provider.entrypoints.cli_output import EXIT_FAILED, EXIT_NO_LOGIN, EXIT_OK
from litellm_codex_oauth_provider.entrypoints.container import Container

from tests.fakes.codex_backend import FakeCodexBackend, Reply, answer, message_events, reasoning_events, text_answer
from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file
from tests.fakes.token_endpoint import FakeTokenEndpoint

LIMIT_HEADERS = {
    "x-codex-plan-type": "plus",
    "x-codex-primary-used-percent": "37",
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-after-seconds": "5400",
    "x-codex-secondary-used-percent": "12",
    "x-codex-secondary-window-minutes": "10080",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str, container: Container | None = None) -> tuple[int, str, str]:
    code = main(list(argv), container=container)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *parts: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("codex-litellm: ")
    assert "Traceback" not in err
    for part in parts:
        assert part in lines[0]


# -- status ------------------------------------------------------------------------


def test_status_with_a_login(capsys: pytest.CaptureFixture[str], auth_file: Path) -> None:
    code, out, _ = run(capsys, "status")
    assert code == EXIT_OK
    assert str(auth_file) in out
    assert "acct-test-123" in out
    assert "plus" in out
    assert "valid until" in out
    assert "2026-11-20 10:00 UTC" in out
    assert "none seen yet" in out


def test_status_without_a_login_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "status")
    assert code == EXIT_NO_LOGIN
    assert out.startswith("login file"), "it still says where it looked"
    assert_one_line_error(err, "codex login", 'cli_auth_credentials_store = "file"')


def test_status_with_an_expired_token(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: Any) -> None:
    document = codex_auth_document(make_jwt(exp=time.time() - 60))
    monkeypatch.setenv("CODEX_AUTH_FILE", str(write_auth_file(tmp_path / "auth.json", document)))
    code, out, _ = run(capsys, "status")
    assert code == EXIT_OK, "a refresh token makes an expired login usable"
    assert "renewed on the next request" in out
    document["tokens"].pop("refresh_token")
    write_auth_file(tmp_path / "auth.json", document)
    code, out, _ = run(capsys, "status")
    assert code == EXIT_NO_LOGIN
    assert "run `codex login`" in out


def test_status_shows_the_limits_the_last_answer_reported(
    capsys: pytest.CaptureFixture[str], auth_file: Path, codex_backend: FakeCodexBackend
) -> None:
    codex_backend.enqueue(Reply(events=text_answer("hi"), headers=LIMIT_HEADERS))
    assert run(capsys, "chat", "hello")[0] == EXIT_OK
    code, out, _ = run(capsys, "status")
    assert code == EXIT_OK
    assert "5-hour window: 37% used, resets" in out
    assert "weekly window: 12% used" in out


# -- models ------------------------------------------------------------------------


def test_models_from_the_static_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models")
    assert code == EXIT_OK
    assert "static list" in out
    assert "gpt-5.1-codex-max" in out
    assert "low medium high xhigh" in out


class FakeCatalog:
    def __init__(self) -> None:
        self.models = [ModelSpec("gpt-5.5", "gpt-5.5", ("none", "low", "medium", "high", "xhigh"), "medium", True, 1)]
        self.warm = False

    def get_model(self, slug: str) -> ModelSpec | None:
        self.warm = True
        return None

    async def aget_model(self, slug: str) -> ModelSpec | None:
        return self.get_model(slug)

    def available_models(self) -> list[ModelSpec] | None:
        return self.models if self.warm else None


def test_models_from_the_live_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    container = Container()
    container.model_catalog = providers.Object(FakeCatalog())
    code, out, _ = run(capsys, "models", container=container)
    assert code == EXIT_OK
    assert "the backend's catalog" in out
    assert "gpt-5.5" in out
    assert "none low medium high xhigh" in out
    assert "gpt-5.1-codex-max" not in out


# -- chat --------------------------------------------------------------------------


def test_chat_streams_the_answer(
    capsys: pytest.CaptureFixture[str], auth_file: Path, codex_backend: FakeCodexBackend
) -> None:
    codex_backend.enqueue(
        Reply(
            events=answer(reasoning_events("Pondering."), message_events("The answer is 42.", output_index=1)),
            together=False,
        )
    )
    code, out, err = run(capsys, "chat", "What is the answer?", "--model", "gpt-5.5", "--show-reasoning")
    assert code == EXIT_OK
    assert out == "The answer is 42.\n"
    assert "Pondering." in err
    assert "21 in (5 cached), 9 out (3 reasoning)" in err
    body = codex_backend.response_requests[-1].body
    assert body["model"] == "gpt-5.5"
    assert body["input"][-1]["content"][0]["text"] == "What is the answer?"


def test_chat_effort(capsys: pytest.CaptureFixture[str], auth_file: Path, codex_backend: FakeCodexBackend) -> None:
    assert run(capsys, "chat", "hi", "--effort", "high")[0] == EXIT_OK
    assert codex_backend.response_requests[-1].body["reasoning"]["effort"] == "high"


def test_chat_usage_limit_is_one_line_with_the_remedy(
    capsys: pytest.CaptureFixture[str], auth_file: Path, codex_backend: FakeCodexBackend
) -> None:
    limit = {"error": {"type": "usage_limit_reached", "message": "The usage limit has been reached"}}
    codex_backend.enqueue(Reply(status=429, body=limit, headers=LIMIT_HEADERS))
    code, out, err = run(capsys, "chat", "hi")
    assert code == EXIT_FAILED
    assert out == ""
    assert_one_line_error(err, "usage limit has been reached", "codex-litellm status")
    assert "5-hour window: 37% used" in run(capsys, "status")[1], "a refusal's limits are kept too"


def test_chat_unknown_model(
    capsys: pytest.CaptureFixture[str], auth_file: Path, codex_backend: FakeCodexBackend
) -> None:
    codex_backend.enqueue(Reply(status=404, body={"detail": "Model not found gpt-0"}))
    code, _, err = run(capsys, "chat", "hi", "--model", "gpt-0")
    assert code == EXIT_FAILED
    assert_one_line_error(err, "Model not found gpt-0", "codex-litellm models")


def test_chat_without_a_login(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "chat", "hi")
    assert code == EXIT_NO_LOGIN
    assert_one_line_error(err, "codex login")


def test_chat_unreachable_backend(capsys: pytest.CaptureFixture[str], auth_file: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("CODEX_BASE_URL", "http://127.0.0.1:9/backend-api")
    code, _, err = run(capsys, "chat", "hi")
    assert code == EXIT_FAILED
    assert_one_line_error(err, "cannot reach the Codex backend", "try again")


# -- refresh -----------------------------------------------------------------------


def test_refresh_rotates_the_login(
    capsys: pytest.CaptureFixture[str], auth_file: Path, token_endpoint: FakeTokenEndpoint
) -> None:
    code, out, _ = run(capsys, "refresh")
    assert code == EXIT_OK
    assert "refreshed the login of account acct-test-123" in out
    assert token_endpoint.calls == 1
    document = json.loads(auth_file.read_text())
    assert document["tokens"]["access_token"] == token_endpoint.issued[-1]["access_token"]
    assert document["tokens"]["refresh_token"] == token_endpoint.issued[-1]["refresh_token"]


def test_refresh_without_a_login(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "refresh")
    assert code == EXIT_NO_LOGIN
    assert_one_line_error(err, "codex login")


# -- help --------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["status", "models", "chat", "refresh", "serve"])
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: codex-litellm {command}")


def test_the_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("codex-litellm")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("status", "models", "chat", "refresh", "serve", "exit codes"):
        assert command in done.stdout
    wrong = subprocess.run([str(script), "nonsense"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2
    assert "invalid choice" in wrong.stderr


def test_status_with_a_broken_login_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: Any) -> None:
    broken = tmp_path / "auth.json"
    broken.write_text('{"auth_mode": "chatgpt", "tokens": {}}')
    monkeypatch.setenv("CODEX_AUTH_FILE", str(broken))
    code, _, err = run(capsys, "status")
    assert code == EXIT_NO_LOGIN
    assert_one_line_error(err, "codex login")


def test_status_never_renews(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: Any) -> None:
    """An expired login is reported, not refreshed: the file is untouched by ``status``."""
    path = write_auth_file(tmp_path / "auth.json", codex_auth_document(make_jwt(exp=time.time() - 3600)))
    monkeypatch.setenv("CODEX_AUTH_FILE", str(path))
    before = path.read_bytes()
    assert run(capsys, "status")[0] == EXIT_OK
    assert path.read_bytes() == before
