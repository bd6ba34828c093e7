"""``codex-litellm``: the command line (status, models, chat, refresh, serve; login in :mod:`.cli_login`).

It uses the process's runtime (the container the LiteLLM provider uses too),
and talks to the application directly: no ``import litellm`` (5 s) for a status
line or a one-shot answer. ``status`` only reads: it never renews the login.
Failures print one line with the remedy, never a traceback; exit codes are in
:mod:`.cli_output`.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import structlog

from ..adapters.auth_file import CodexAuthFileTokenStore
from ..adapters.login_summary import read_login_summary, summary_of
from ..adapters.refreshing_token_store import RefreshingTokenStore
from ..domain.errors import CodexError
from ..domain.models import EFFORT_LEVELS, MODEL_CATALOG, ModelSpec
from ..domain.translation import ChatRequest
from .cli_login import add_login_commands
from .cli_output import (
    EXIT_FAILED,
    EXIT_NO_LOGIN,
    EXIT_OK,
    EXIT_USAGE,
    error_line,
    exit_code,
    usage_limit_lines,
    when,
)
from .cli_redis import add_redis_commands
from .container import Container, runtime

PROXY_CONFIG = Path(__file__).with_name("proxy_config.yaml")
DEFAULT_CHAT_MODEL = "gpt-5.1-codex"


def _print(label: str, value: str) -> None:
    print(f"{label:<14}{value}")


# -- status -------------------------------------------------------------------------


def _status(args: argparse.Namespace, container: Container) -> int:
    store = container.token_store()
    if isinstance(store, RefreshingTokenStore):
        kind = "login file" if isinstance(store, CodexAuthFileTokenStore) else "login"
        _print(kind, store.backend.where)
        login = summary_of(store.peek())  # what the store decides on, read without renewing it
    else:
        path = container.settings().auth_path
        _print("login file", str(path))
        login = read_login_summary(path)
    now = time.time()
    _print("account", login.account_id)
    _print("plan", login.plan_type or "unknown")
    usable = True
    if login.expires_at is None:
        _print("token", "no expiry known (renewed when the backend refuses it)")
    elif login.expires_at > now:
        _print("token", f"valid until {when(login.expires_at, now)}")
    elif login.has_refresh_token:
        _print(
            "token", f"expired {when(login.expires_at, now)}; renewed on the next request (or `codex-litellm refresh`)"
        )
    else:
        _print("token", f"expired {when(login.expires_at, now)} and no refresh token: run `codex login`")
        usable = False
    _print("last refresh", when(login.last_refresh, now) if login.last_refresh is not None else "unknown")
    for index, line in enumerate(usage_limit_lines(container.usage_limits().load(), now)):
        _print("usage limits" if index == 0 else "", line)
    return EXIT_OK if usable else EXIT_NO_LOGIN


# -- models -------------------------------------------------------------------------


def _live_models(container: Container) -> list[ModelSpec] | None:
    """The backend's catalog when the container has one (the catalog issue adds it), else ``None``."""
    provider = getattr(container, "model_catalog", None)
    if provider is None:
        return None
    catalog = provider()
    models: list[ModelSpec] | None = catalog.available_models()
    if models is None and MODEL_CATALOG:
        catalog.get_model(next(iter(MODEL_CATALOG)))  # a cold catalog fetches on its first question
        models = catalog.available_models()
    return models


def _models(args: argparse.Namespace, container: Container) -> int:
    try:
        live = _live_models(container)
    except CodexError as exc:
        print(f"codex-litellm: the live catalog is not available ({exc}); showing the static list", file=sys.stderr)
        live = None
    models = live if live else list(MODEL_CATALOG.values())
    source = "the backend's catalog for this account" if live else "the static list (the live catalog is unknown)"
    print(f"models from {source}:")
    print(f"  {'model':<24}{'default effort':<16}efforts")
    for spec in models:
        print(f"  {spec.slug:<24}{spec.default_effort:<16}{' '.join(spec.efforts)}")
    print("use them as `codex/<model>`; an effort suffix works too (`codex/<model>-high`)")
    return EXIT_OK


# -- chat ---------------------------------------------------------------------------


def _chat(args: argparse.Namespace, container: Container) -> int:
    params = {"reasoning_effort": args.effort} if args.effort else {}
    messages = [{"role": "user", "content": args.prompt}]
    if args.system:
        messages.insert(0, {"role": "system", "content": args.system})
    chat = ChatRequest(model=args.model, messages=messages, params=params)
    usage = None
    try:
        for delta in container.completion_service().stream(chat):
            if delta.reasoning and args.show_reasoning:
                print(delta.reasoning, end="", file=sys.stderr, flush=True)
            if delta.text:
                print(delta.text, end="", flush=True)
            usage = delta.usage or usage
    finally:
        container.usage_limits().flush()  # the answer's (or the refusal's) limits, for `status` right after
    print()
    if usage is not None:
        print(
            f"[{args.model}: {usage.input_tokens} in ({usage.cached_tokens} cached), "
            f"{usage.output_tokens} out ({usage.reasoning_tokens} reasoning)]",
            file=sys.stderr,
        )
    return EXIT_OK


# -- refresh ------------------------------------------------------------------------


def _refresh(args: argparse.Namespace, container: Container) -> int:
    store = container.token_store()
    renewed = store.force_refresh(store.get_auth())
    expiry = when(renewed.expires_at) if renewed.expires_at else "unknown"
    print(f"refreshed the login of account {renewed.account_id}; the token is valid until {expiry}")
    return EXIT_OK


# -- serve --------------------------------------------------------------------------


def _serve(args: argparse.Namespace, container: Container) -> int:
    litellm = shutil.which("litellm", path=os.path.dirname(sys.executable)) or shutil.which("litellm")
    if litellm is None:
        print(
            "codex-litellm: the LiteLLM proxy is not installed; "
            "run `pip install 'litellm-codex-oauth-provider[proxy]'`",
            file=sys.stderr,
        )
        return EXIT_USAGE
    path = container.settings().auth_path
    if not path.exists():
        print(
            f"codex-litellm: warning: no login at {path}; requests will fail until `codex-litellm login`",
            file=sys.stderr,
        )
    command = [litellm, "--config", str(args.config), "--host", args.host, "--port", str(args.port)]
    os.execv(litellm, command)  # noqa: S606 - replaces this process with the proxy
    return EXIT_OK  # pragma: no cover


# -- the parser ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codex-litellm",
        description="Use the Codex models of your ChatGPT subscription from LiteLLM.",
        epilog="exit codes: 0 ok, 1 the backend refused or failed, 2 wrong usage, 3 no usable login",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the package does (to stderr)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    status = commands.add_parser("status", help="the login, its plan and expiry, the last seen usage limits")
    status.set_defaults(handler=_status)

    models = commands.add_parser("models", help="the models this account may use, with their effort levels")
    models.set_defaults(handler=_models)

    chat = commands.add_parser("chat", help="a one-shot streamed answer")
    chat.add_argument("prompt", help="what to ask")
    chat.add_argument("--model", default=DEFAULT_CHAT_MODEL, help=f"the model (default: {DEFAULT_CHAT_MODEL})")
    chat.add_argument("--effort", choices=EFFORT_LEVELS, help="reasoning effort (default: the model's own)")
    chat.add_argument("--system", help="a system prompt (sent as a developer message)")
    chat.add_argument("--show-reasoning", action="store_true", help="print the reasoning summary to stderr")
    chat.set_defaults(handler=_chat)

    refresh = commands.add_parser("refresh", help="renew the login now (safe beside a running proxy)")
    refresh.set_defaults(handler=_refresh)

    serve = commands.add_parser("serve", help="start the LiteLLM proxy with the Codex provider")
    serve.add_argument("--config", type=Path, default=PROXY_CONFIG, help="proxy config file (default: bundled)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=4000, help="port to listen on (default: 4000)")
    serve.set_defaults(handler=_serve)
    add_login_commands(commands)
    add_redis_commands(commands)
    return parser


def _configure_logging(verbose: bool) -> None:
    """An application's choice, not the library's: quiet unless asked, and never on stdout.

    The package logs through the standard library's ``logging``; its loggers are given a
    handler on standard error here. Left alone when whoever called ``main`` already
    configured structlog.
    """
    if structlog.is_configured():
        return
    level = logging.DEBUG if verbose else logging.ERROR
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(level))
    package = logging.getLogger("litellm_codex_oauth_provider")
    package.setLevel(level)
    if not package.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        package.addHandler(handler)


def main(argv: Sequence[str] | None = None, *, container: Container | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return int(args.handler(args, container or runtime()))
    except CodexError as exc:
        print(error_line(exc), file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt:
        print("codex-litellm: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"codex-litellm: {exc.strerror or type(exc).__name__}: {exc.filename or ''}".rstrip(), file=sys.stderr)
        return EXIT_FAILED


__all__ = ["build_parser", "main"]


if __name__ == "__main__":
    sys.exit(main())
