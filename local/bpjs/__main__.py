"""`python -m local.bpjs`: the BPJS simulator on 127.0.0.1, as a process of its own.

    python -m local.bpjs [--port 0] [--cons-id ID] [--callback-url URL] [--base-path /partner]
                         [--state-file PATH] [--latency-ms N] [--error-rate R] [--rate-limit N] [--outage]
                         [--async-registration] [--no-auto-decide-claims]
                         [--claim-decision-delay-ms N] [--claim-payment-delay-ms N] [--seed N]

The signing key and the callback secret come from `--secret-key` / `--callback-secret` or, so
that they do not show in `ps`, from BPJS_SIM_SECRET_KEY / BPJS_SIM_CALLBACK_SECRET (every option
has a BPJS_SIM_* variable). Once listening it prints its URL and writes `{"url", "pid"}` to
the state file; SIGINT/SIGTERM stop it and remove the file. `python -m local` runs it for you.
Control endpoints (no signature, loopback clients only): GET/POST /_sim/config,
GET /_sim/requests, GET /_sim/callbacks, POST /_sim/callbacks/{event_id}/resend,
GET /_sim/claims, POST /_sim/claims/{claim_ref}/decision, POST /_sim/reset, GET /_sim/health.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from local.bpjs.app import SimulatorServer, serve
from local.bpjs.config import ConfigError, Credentials, SimConfig
from local.bpjs.simulator import Simulator

log = logging.getLogger("local.bpjs")


# ---------------------------------------------------------------------------------- CLI


def _env_default(name: str, default: Any = None) -> Any:
    return os.environ.get(f"BPJS_SIM_{name}", default)


def _env_flag(name: str) -> bool:
    return str(_env_default(name, "")).lower() in ("1", "true", "yes", "on")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.bpjs", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=_env_default("HOST", "127.0.0.1"), help="loopback address only")
    parser.add_argument("--port", type=int, default=int(_env_default("PORT", "0")), help="0 = any free port")
    parser.add_argument("--cons-id", default=_env_default("CONS_ID"), help="consumer id (BPJS_SIM_CONS_ID)")
    parser.add_argument(
        "--secret-key", default=_env_default("SECRET_KEY"), help="signing key (BPJS_SIM_SECRET_KEY)"
    )
    parser.add_argument(
        "--callback-secret",
        default=_env_default("CALLBACK_SECRET"),
        help="callback key (BPJS_SIM_CALLBACK_SECRET)",
    )
    parser.add_argument(
        "--base-path", default=_env_default("BASE_PATH", ""), help="serve the API under it, e.g. /partner"
    )
    parser.add_argument(
        "--callback-url",
        default=_env_default("CALLBACK_URL"),
        help="e.g. http://127.0.0.1:3000/bpjs/callbacks",
    )
    parser.add_argument(
        "--state-file", type=Path, default=_env_default("STATE_FILE"), help='{"url", "pid"} once listening'
    )
    parser.add_argument("--latency-ms", type=int, default=int(_env_default("LATENCY_MS", "0")))
    parser.add_argument("--error-rate", type=float, default=float(_env_default("ERROR_RATE", "0")))
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=int(_env_default("RATE_LIMIT", "0")),
        help="requests in any second beyond this answered 429 RATE_LIMITED (0: no limit)",
    )
    parser.add_argument("--outage", action="store_true", default=_env_flag("OUTAGE"))
    parser.add_argument("--async-registration", action="store_true", default=_env_flag("ASYNC_REGISTRATION"))
    parser.add_argument(
        "--callback-delay-ms", type=int, default=int(_env_default("CALLBACK_DELAY_MS", "500"))
    )
    parser.add_argument(
        "--no-auto-decide-claims",
        action="store_true",
        default=_env_flag("NO_AUTO_DECIDE_CLAIMS"),
        help="claims wait for POST /_sim/claims/{ref}/decision",
    )
    parser.add_argument(
        "--claim-decision-delay-ms", type=int, default=int(_env_default("CLAIM_DECISION_DELAY_MS", "1000"))
    )
    parser.add_argument(
        "--claim-payment-delay-ms", type=int, default=int(_env_default("CLAIM_PAYMENT_DELAY_MS", "1000"))
    )
    parser.add_argument(
        "--seed", type=int, default=int(_env_default("SEED", "0")), help="for error_rate draws"
    )
    parser.add_argument(
        "--exit-with-parent", action="store_true", help="stop when the process that started it is gone"
    )
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


def _config(args: argparse.Namespace) -> SimConfig:
    """The switches at start, from the options (ConfigError if one is not valid)."""
    config = SimConfig()
    config.update(
        {
            "latency_ms": args.latency_ms,
            "error_rate": args.error_rate,
            "outage": args.outage,
            "async_registration": args.async_registration,
            "callback_delay_ms": args.callback_delay_ms,
            "callback_url": args.callback_url,
            "auto_decide_claims": not args.no_auto_decide_claims,
            "claim_decision_delay_ms": args.claim_decision_delay_ms,
            "claim_payment_delay_ms": args.claim_payment_delay_ms,
            "rate_limit": args.rate_limit,
        }
    )
    return config


def _write_state_file(state_file: Path, url: str) -> None:
    state_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_file.with_suffix(state_file.suffix + ".tmp")
    tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}) + "\n", encoding="utf-8")
    os.replace(tmp, state_file)  # atomic: its existence means "listening"


def _run_until_stopped(running: SimulatorServer, state_file: Path | None, exit_with_parent: bool) -> None:
    """Serve until SIGINT/SIGTERM (or the parent is gone); then stop and remove the state file."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    if state_file is not None:
        _write_state_file(state_file, running.url)
    print(f"BPJS simulator listening on {running.url}", flush=True)
    parent = os.getppid()
    try:
        while not stop.wait(0.5):
            if exit_with_parent and os.getppid() != parent:
                log.warning("the process that started the simulator is gone: stopping")
                break
    finally:
        running.stop()
        if state_file is not None:
            state_file.unlink(missing_ok=True)
        log.info("stopped")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s bpjs-simulator: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("werkzeug", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    missing = [n for n in ("cons_id", "secret_key", "callback_secret") if not getattr(args, n)]
    if missing:
        log.error("missing %s (options or BPJS_SIM_* environment variables)", ", ".join(missing))
        return 2
    try:
        config = _config(args)
    except ConfigError as error:
        log.error("%s", error)
        return 2
    simulator = Simulator(
        Credentials(args.cons_id, args.secret_key, args.callback_secret), config, seed=args.seed
    )
    try:
        running = serve(simulator, args.port, args.host, args.base_path)
    except (OSError, ValueError) as error:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, error)
        return 1
    state_file = None if args.state_file is None else Path(args.state_file)
    _run_until_stopped(running, state_file, args.exit_with_parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
