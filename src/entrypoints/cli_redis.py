"""``codex-litellm login-import`` / ``login-export``: move a login between an ``auth.json`` and Redis.

The Redis store is seeded once from the file ``codex login`` wrote; from then on Redis
holds the only live copy (the refresh token rotates), so ``login-export`` is how to get
it back into a file, e.g. to stop using Redis.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..adapters.login_document import JsonStyle, read_login_file, write_login_file
from .container import Container


def add_redis_commands(commands: Any) -> None:
    """Add ``login-import`` and ``login-export`` to the CLI's ``add_subparsers()`` object."""
    imports = commands.add_parser("login-import", help="store the login of an auth.json in Redis (once)")
    _common(imports, "the auth.json to import (default: CODEX_AUTH_FILE, else ~/.codex/auth.json)")
    imports.add_argument("--replace", action="store_true", help="overwrite a login already stored under the key")
    imports.set_defaults(handler=_import)
    exports = commands.add_parser("login-export", help="write the login stored in Redis to an auth.json")
    _common(exports, "the file to write (default: CODEX_AUTH_FILE, else ~/.codex/auth.json)")
    exports.add_argument("--force", action="store_true", help="overwrite an existing file")
    exports.set_defaults(handler=_export)


def _common(parser: argparse.ArgumentParser, auth_help: str) -> None:
    parser.add_argument("--redis-url", help="Redis URL (default: CODEX_REDIS_URL)")
    parser.add_argument("--key", help="the Redis key of the login (default: CODEX_REDIS_KEY, else codex-litellm:login)")
    parser.add_argument("--auth-file", type=Path, help=auth_help)


def _store(container: Container, args: argparse.Namespace) -> Any:
    options: dict[str, Any] = {}
    if args.redis_url:
        options["url"] = args.redis_url
    if args.key:
        options["key"] = args.key
    return container.redis_token_store_for(**options)


def _auth_path(container: Container, args: argparse.Namespace) -> Path:
    return Path(args.auth_file).expanduser() if args.auth_file else container.settings().auth_path


def _import(args: argparse.Namespace, container: Container) -> int:
    path = _auth_path(container, args)
    document = read_login_file(path).document
    store = _store(container, args)
    version = store.import_login(document, replace=args.replace)
    if version == 0:
        print(
            f"codex-litellm: {store.where} already holds a login; it may be newer than {path} (refresh tokens "
            "rotate). Use --replace to overwrite it, or login-export to get it back",
            file=sys.stderr,
        )
        return 1
    print(f"imported the login of {path} into {store.where} (version {version})")
    return 0


def _export(args: argparse.Namespace, container: Container) -> int:
    path = _auth_path(container, args)
    if path.exists() and not args.force:
        print(f"codex-litellm: {path} exists; use --force to overwrite it", file=sys.stderr)
        return 1
    store = _store(container, args)
    document = store.export_login()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_login_file(path, document, JsonStyle(indent=2, trailing_newline=True), 0o600)
    print(f"wrote the login in {store.where} to {path}")
    return 0
