"""``codex-litellm``: the command line."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from .cli_redis import add_redis_commands

PROXY_CONFIG = Path(__file__).with_name("proxy_config.yaml")


def _serve(args: argparse.Namespace) -> int:
    litellm = shutil.which("litellm", path=os.path.dirname(sys.executable)) or shutil.which("litellm")
    if litellm is None:
        print(
            "codex-litellm: the LiteLLM proxy is not installed; "
            "run `pip install 'litellm-codex-oauth-provider[proxy]'`",
            file=sys.stderr,
        )
        return 2
    command = [litellm, "--config", str(args.config), "--host", args.host, "--port", str(args.port)]
    os.execv(litellm, command)  # noqa: S606 - replaces this process with the proxy
    return 0  # pragma: no cover


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codex-litellm", description="Use the Codex models of your ChatGPT subscription from LiteLLM."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start the LiteLLM proxy with the Codex provider")
    serve.add_argument("--config", type=Path, default=PROXY_CONFIG, help="proxy config file (default: bundled)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=4000)
    serve.set_defaults(handler=_serve)
    add_redis_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
