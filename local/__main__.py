"""`python -m local`: start the Docker-free local stack (what `make run` runs).

    python -m local [--api-port 3000] [--aws-port 4566] [--state-dir .local] [--no-seed]

Port 0 picks a free port; the real ports are in <state-dir>/stack.json, written once the stack
is ready and removed when it stops (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.splitlines()[0])
    parser.add_argument("--api-port", type=int, default=3000, help="HTTP API port (0 = any free port)")
    parser.add_argument("--aws-port", type=int, default=4566, help="moto (AWS) port (0 = any free port)")
    parser.add_argument("--state-dir", type=Path, default=Path(".local"), help="where stack.json is written")
    parser.add_argument(
        "--no-seed", action="store_true", help="no demo farmers (demo users are always created)"
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a template parameter (repeatable), e.g. --parameter Stage=staging",
    )
    parser.add_argument("--verbose", action="store_true", help="debug logging (e.g. why a token was refused)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    # First of all, before boto3 is imported anywhere: fake credentials, no real endpoint.
    from local.stack import LocalStack, StackOptions, banner, isolate_environment

    isolate_environment()

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # werkzeug's request lines carry paths and query strings (moto's and ours): keep them out.
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    log = logging.getLogger("local")

    overrides = {}
    for item in args.parameter:
        name, sep, value = item.partition("=")
        if not sep:
            log.error("--parameter expects NAME=VALUE, got %r", item)
            return 2
        overrides[name] = value

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    stack = LocalStack(
        StackOptions(
            api_port=args.api_port,
            aws_port=args.aws_port,
            state_dir=args.state_dir,
            seed=not args.no_seed,
            parameter_overrides=overrides,
        )
    )
    try:
        descriptor = stack.start()
    except Exception:
        log.exception("the local stack failed to start")
        stack.stop()
        return 1
    print(banner(descriptor, stack.descriptor_path), flush=True)
    try:
        # wait() with a timeout keeps the main thread responsive to signals.
        while not stop.wait(0.5):
            pass
    finally:
        stack.stop()
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
