"""``vista-mock``: serve the mock, or print the client environment."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import shlex
import signal
import sys
from collections.abc import Sequence

from . import __version__
from .app import create_app
from .config import PROFILES, WINDOW_KINDS, ConfigError, Overrides, Settings, TokenLimit, load_settings
from .environment import ClientEnvironment
from .server import MockServer

__all__ = ["main"]

ADMIN_TOKEN_ENV = "VISTA_MOCK_ADMIN_TOKEN"
CONFIG_ENV = "VISTA_MOCK_CONFIG"


class UsageError(Exception):
    """A bad option or setup problem: exit status 2."""


def _token_limit(text: str) -> TokenLimit | None:
    try:
        return TokenLimit.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of seconds, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535 (0 picks a free port), got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to document the flags)."""
    parser = argparse.ArgumentParser(
        prog="vista-mock",
        description="A mock of Vista's identity service and Integration Platform API, for testing clients.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config_help = f"TOML config file (default: ${CONFIG_ENV}, else the embedded default with one client)"

    serve = commands.add_parser("serve", help="serve the mock over HTTP", description="Serve the mock on waitress.")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8080, help="port to bind; 0 picks a free one (default 8080)")
    serve.add_argument("--config", metavar="FILE", help=config_help)
    serve.add_argument("--profile", choices=sorted(PROFILES), help="token budget profile (default live: 25/900)")
    serve.add_argument(
        "--token-lifetime", type=_positive_int, metavar="S", help="token lifetime in seconds, for every client"
    )
    serve.add_argument(
        "--token-limit",
        type=_token_limit,
        default=argparse.SUPPRESS,
        metavar="COUNT/SECONDS|off",
        help="token budget for every client, e.g. 25/900, or off",
    )
    serve.add_argument("--token-window", choices=WINDOW_KINDS, help="budget window: sliding (default) or fixed")
    serve.add_argument("--public-url", metavar="URL", help="base URL clients use, if not the bound address (sets iss)")
    serve.add_argument(
        "--admin-token",
        metavar="TOKEN",
        default=os.environ.get(ADMIN_TOKEN_ENV),
        help=f"bearer token the admin API requires (default: ${ADMIN_TOKEN_ENV}); without one it answers loopback only",
    )
    serve.add_argument("--threads", type=_positive_int, default=8, help="worker threads (default 8)")
    serve.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"], help="log level (default info)"
    )

    env = commands.add_parser("env", help="print export lines for the client environment")
    env.add_argument(
        "--url", default="http://127.0.0.1:8080", help="the mock's base URL (default http://127.0.0.1:8080)"
    )
    env.add_argument("--config", metavar="FILE", help=config_help)
    env.add_argument("--client", metavar="CLIENT_ID", help="which configured client (default: the first)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    values = {
        "profile": getattr(args, "profile", None),
        "token_lifetime": getattr(args, "token_lifetime", None),
        "token_window": getattr(args, "token_window", None),
        "public_url": getattr(args, "public_url", None),
        "admin_token": getattr(args, "admin_token", None) or None,
    }
    if hasattr(args, "token_limit"):  # absent unless given: None means "off"
        values["token_limit"] = args.token_limit
    overrides = Overrides(**values)
    try:
        return load_settings(args.config or os.environ.get(CONFIG_ENV) or None, overrides)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _describe(settings: Settings) -> str:
    limits = sorted({str(c.token_limit) if c.token_limit else "off" for c in settings.clients})
    count = len(settings.clients)
    return (
        f"config {settings.source}; profile {settings.profile}; token limit {', '.join(limits)} "
        f"({settings.token_window}); {count} client{'s' if count != 1 else ''}"
    )


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(args: argparse.Namespace) -> int:
    """Run the mock until Ctrl-C or SIGTERM; requests in flight finish first."""
    settings = _settings(args)
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.log_level != "debug":
        # waitress warns whenever a request waits for a free thread: noise for a test double.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    try:
        server = MockServer(create_app(settings), args.host, args.port, threads=args.threads)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: server.stop())

    public = settings.public_url or server.url
    env = ClientEnvironment.for_client(public, settings.default_client)
    print(f"vista-mock ready at {public} ({_describe(settings)})", flush=True)
    print(f"Client environment for {env.client_id}:")
    for line in env.export_lines(include_secrets=False):
        print(f"  {line}")
    config = f" --config {shlex.quote(settings.source)}" if args.config else ""
    print(
        f"  # VISTA_CLIENT_SECRET and VISTA_API_KEY are not printed; to set all seven: "
        f'eval "$(vista-mock env --url {public}{config})"',
        flush=True,
    )
    if not _is_loopback_host(args.host) and not settings.admin_token:
        logging.getLogger("vista_mock").warning(
            "bound to %s without --admin-token: the admin API answers loopback clients only", args.host
        )
    server.serve_forever()
    print("vista-mock stopped", flush=True)
    return 0


def env(args: argparse.Namespace) -> int:
    """Print ``export`` lines for one configured client."""
    settings = _settings(args)
    client = settings.client(args.client) if args.client else settings.default_client
    if client is None:
        known = ", ".join(c.client_id for c in settings.clients)
        raise UsageError(f"no client {args.client!r} in {settings.source} (configured: {known})")
    for line in ClientEnvironment.for_client(args.url, client).export_lines():
        print(line)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``vista-mock``."""
    args = build_parser().parse_args(argv)
    try:
        return {"serve": serve, "env": env}[args.command](args)
    except UsageError as exc:
        print(f"vista-mock: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
