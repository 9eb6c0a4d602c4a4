"""`python -m local`: start the Docker-free local stack (what `make run` runs).

    python -m local [--api-port 3000] [--aws-port 4566] [--bpjs-port 3001] [--app-port 8080]
                    [--state-dir .local]
                    [--no-seed] [--bpjs-latency-ms N] [--bpjs-error-rate R] [--bpjs-outage]
                    [--bpjs-async-registration] [--no-bpjs-simulator] [--sqs-concurrency N]
                    [--no-sqs-pollers] [--no-stream-pollers] [--no-object-events]
                    [--schedule-rate-seconds N] [--no-schedules]

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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from local.stack import StackOptions


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.splitlines()[0])
    parser.add_argument("--api-port", type=int, default=3000, help="HTTP API port (0 = any free port)")
    parser.add_argument("--aws-port", type=int, default=4566, help="moto (AWS) port (0 = any free port)")
    parser.add_argument(
        "--app-port",
        type=int,
        default=None,
        help="field app port (default 8080, or any free port when --api-port is 0)",
    )
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
    bpjs = parser.add_argument_group(
        "BPJS simulator (switches can also be changed at run time: POST /_sim/config)"
    )
    bpjs.add_argument("--bpjs-port", type=int, default=3001, help="simulator port (0 = any free port)")
    bpjs.add_argument("--bpjs-latency-ms", type=int, default=0, help="added to every BPJS answer")
    bpjs.add_argument(
        "--bpjs-error-rate", type=float, default=0.0, help="share of BPJS calls answered 503 (0..1)"
    )
    bpjs.add_argument("--bpjs-outage", action="store_true", help="every BPJS call answered 503")
    bpjs.add_argument(
        "--bpjs-async-registration",
        action="store_true",
        help="registrations answered 202, decided by callback",
    )
    bpjs.add_argument(
        "--no-bpjs-simulator",
        action="store_true",
        help="no simulator: BPJS calls fail (never reach a real BPJS)",
    )
    events = parser.add_argument_group("event sources and schedules")
    events.add_argument(
        "--sqs-concurrency",
        type=int,
        default=None,
        help="batches at once per SQS event (default: MaximumConcurrency)",
    )
    events.add_argument("--no-sqs-pollers", action="store_true", help="leave SQS messages in their queues")
    events.add_argument(
        "--no-stream-pollers", action="store_true", help="read no DynamoDB stream (no audit archive)"
    )
    events.add_argument(
        "--no-object-events",
        action="store_true",
        help="send no S3 object event to EventBridge rules (uploads stay unchecked)",
    )
    events.add_argument(
        "--schedule-rate-seconds",
        type=float,
        default=None,
        metavar="N",
        help="fire rate() schedules every N seconds instead of their rate (cron schedules keep their times)",
    )
    events.add_argument("--no-schedules", action="store_true", help="fire no schedule")
    parser.add_argument("--verbose", action="store_true", help="debug logging (e.g. why a token was refused)")
    return parser.parse_args(argv)


def parameter_overrides(items: list[str]) -> dict[str, str]:
    """`--parameter NAME=VALUE` options as template parameter overrides (ValueError if malformed)."""
    overrides = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--parameter expects NAME=VALUE, got {item!r}")
        overrides[name] = value
    return overrides


def stack_options(args: argparse.Namespace, overrides: dict[str, str]) -> StackOptions:
    from local.stack import StackOptions

    return StackOptions(
        api_port=args.api_port,
        aws_port=args.aws_port,
        app_port=args.app_port,
        state_dir=args.state_dir,
        seed=not args.no_seed,
        parameter_overrides=dict(overrides),
        bpjs_simulator=not args.no_bpjs_simulator,
        bpjs_port=args.bpjs_port,
        bpjs_switches={
            "latency_ms": args.bpjs_latency_ms,
            "error_rate": args.bpjs_error_rate,
            "outage": args.bpjs_outage,
            "async_registration": args.bpjs_async_registration,
        },
        sqs_pollers=not args.no_sqs_pollers,
        sqs_concurrency=args.sqs_concurrency,
        stream_pollers=not args.no_stream_pollers,
        object_events=not args.no_object_events,
        schedules=not args.no_schedules,
        schedule_rate_seconds=args.schedule_rate_seconds,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    # First of all, before boto3 is imported anywhere: fake credentials, no real endpoint.
    from local.environment import isolate_environment
    from local.stack import LocalStack, PortsInUse, banner

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
    try:
        overrides = parameter_overrides(args.parameter)
    except ValueError as error:
        log.error("%s", error)
        return 2

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    stack = LocalStack(stack_options(args, overrides))
    try:
        descriptor = stack.start()
    except PortsInUse as busy:
        log.error("%s", busy)
        return 1
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
