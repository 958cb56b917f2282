"""``python -m workmail_emulator``: serve until SIGTERM/SIGINT, printing the endpoint URL first."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from . import __version__
from .models import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from .server import REQUEST_TIMEOUT_SECONDS, Emulator, StateFileError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workmail-emulator", description=__doc__)
    parser.add_argument("--version", action="version", version=f"workmail-emulator {__version__}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state-file", help="JSON file that keeps state across restarts")
    parser.add_argument("--seed", help="JSON seed file, applied when the state file is new")
    parser.add_argument("--access-key", action="append", default=[], help="only let these access key ids in")
    parser.add_argument(
        "--credentials",
        action="append",
        default=[],
        metavar="AKID:SECRET",
        help="only let these access key ids in and verify their SigV4 signatures with the secret",
    )
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE", help="emulator switch")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument(
        "--print-env",
        action="store_true",
        help="after the URL (and the seed's ids), print the shell lines that point boto3, the AWS CLI and "
        "pulumi-workmail at this emulator",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=REQUEST_TIMEOUT_SECONDS,
        help=f"close a connection that sends nothing for this many seconds (default {REQUEST_TIMEOUT_SECONDS:g})",
    )
    parser.add_argument(
        "--region",
        default=DEFAULT_REGION,
        help=f"the region seeded organizations live in, as their ARNs and DNS records say (default {DEFAULT_REGION})",
    )
    parser.add_argument(
        "--account-id", default=DEFAULT_ACCOUNT_ID, help=f"the account id in ARNs (default {DEFAULT_ACCOUNT_ID})"
    )
    return parser


def _credentials(items: list[str]) -> dict[str, str] | None:
    """``AKID:SECRET`` pairs as a dict; None (after a message) when one is malformed or repeated."""
    credentials: dict[str, str] = {}
    for item in items:
        key, colon, secret = item.partition(":")
        if not (colon and key and secret):
            print(
                "workmail-emulator: --credentials takes AKID:SECRET (an access key id, a colon, its secret)",
                file=sys.stderr,
            )
            return None
        if key in credentials:
            print(f"workmail-emulator: --credentials gives access key id {key} twice", file=sys.stderr)
            return None
        credentials[key] = secret
    return credentials


def environment(emulator: Emulator, credentials: dict[str, str], access_keys: list[str]) -> str:
    """Shell lines to paste into another terminal: the endpoint, keys the emulator lets in, the region, and
    the seeded organizations' ids (as comments)."""
    key, secret = next(iter(credentials.items()), (access_keys[0] if access_keys else "AKIDEMULATOR", "emulator"))
    lines = [
        "# in another terminal, to use this emulator:",
        f"export AWS_ENDPOINT_URL_WORKMAIL={emulator.url}",
        f"export AWS_ACCESS_KEY_ID={key}",
        f"export AWS_SECRET_ACCESS_KEY={secret}",
        f"export AWS_REGION={emulator.backend.region}",
        # The AWS CLI (v1, as pip installs it) reads the region from this one only.
        f"export AWS_DEFAULT_REGION={emulator.backend.region}",
    ]
    organizations = (emulator.seed_result or {}).get("organizations", {})
    for alias, ids in organizations.items():
        lines.append(f"# organization {alias}: {ids['id']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = dict(item.split("=", 1) for item in args.setting)
    except ValueError:
        print("workmail-emulator: --setting takes KEY=VALUE", file=sys.stderr)
        return 2
    credentials = _credentials(args.credentials)
    if credentials is None:
        return 2
    seed = None
    if args.seed:
        try:
            with open(args.seed) as handle:
                seed = json.load(handle)
        except (OSError, ValueError) as error:
            print(f"workmail-emulator: cannot read seed {args.seed}: {error}", file=sys.stderr)
            return 2
    try:
        emulator = Emulator(
            args.host,
            args.port,
            settings=settings,
            access_keys=args.access_key,
            credentials=credentials,
            state_file=args.state_file,
            seed=seed,
            verbose=args.verbose,
            request_timeout=args.request_timeout,
            region=args.region,
            account_id=args.account_id,
        )
    except (StateFileError, ValueError, OSError) as error:
        print(f"workmail-emulator: {error}", file=sys.stderr)
        return 2
    print(emulator.url, flush=True)
    if emulator.seed_result is not None:
        print(json.dumps(emulator.seed_result), flush=True)
    if args.print_env:
        print(environment(emulator, credentials, args.access_key), flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() blocks until serve_forever returns, so it must run off the serving thread.
        threading.Thread(target=emulator.httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    emulator.serve_forever()
    emulator.httpd.server_close()
    try:
        emulator.save()
    except StateFileError as error:
        print(f"workmail-emulator: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
