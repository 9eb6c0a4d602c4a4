"""`python -m local.invoke`: run one function of the template once, against a running local stack.

    python -m local.invoke <FunctionLogicalId> [--event FILE|-] [--time 2026-12-05T08:00:00+08:00]
                           [--schedule EVENT_NAME] [--state-dir .local]

What `aws lambda invoke` is to the deployed stack: the function runs in this process, with the
environment the running stack resolved for it (`<state-dir>/functions.json`: table names, queue
URLs, secret ARNs, BPJS_BASE_URL = the simulator…) against its moto (`stack.json`).

The event: `--event` (a JSON file, `-` for stdin); else, for a function with a Schedule or
ScheduleV2 event, the event that schedule sends, for the scheduled time `--time` (default: now,
to the minute; a time without offset is UTC); else `{}`. Examples:

    python -m local.invoke DlqRedriveFunction                 # make redrive
    python -m local.invoke DlqRedriveFunction --event <(echo '{"max_messages": 10}')
    python -m local.invoke OutboxSweeperFunction --time 2026-12-05T08:00:00+08:00
    echo '{"verify": "<farmer_id>"}' | python -m local.invoke AuditArchiveFunction --event -

The result is printed as JSON on stdout (the function's own logs come before it); the exit code
is 1 if the function raised.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__.splitlines()[0])
    parser.add_argument("function", help="logical id in template.yaml, e.g. DlqRedriveFunction")
    parser.add_argument("--event", help="JSON event file ('-' = stdin)")
    parser.add_argument("--time", help="scheduled time for a schedule's event (ISO 8601; default now)")
    parser.add_argument("--schedule", help="which schedule event of the function, if it has several")
    parser.add_argument(
        "--state-dir", type=Path, default=Path(".local"), help="where the stack wrote stack.json"
    )
    return parser.parse_args(argv)


def scheduled_time(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC).replace(second=0, microsecond=0)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_event(spec: Any, event_file: str | None, time_text: str | None, schedule_name: str | None) -> Any:
    from local.scheduler.schedules import SCHEDULE_EVENT_TYPES, ScheduleSpec, schedule_event

    if event_file is not None:
        if time_text:
            raise SystemExit("--time is for a schedule's event; with --event the file is the event")
        text = sys.stdin.read() if event_file == "-" else Path(event_file).read_text(encoding="utf-8")
        return json.loads(text)
    schedules = spec.events_of_type(*SCHEDULE_EVENT_TYPES)
    if schedule_name is not None:
        if schedule_name not in schedules:
            raise SystemExit(f"{spec.logical_id} has no schedule event {schedule_name}: {sorted(schedules)}")
        schedules = {schedule_name: schedules[schedule_name]}
    if len(schedules) > 1:
        raise SystemExit(
            f"{spec.logical_id} has several schedules; pick one with --schedule: {sorted(schedules)}"
        )
    if schedules:
        ((name, props),) = schedules.items()
        schedule = ScheduleSpec.from_event(spec.logical_id, name, spec.other_events[name], props)
        return schedule_event(schedule, scheduled_time(time_text))
    if time_text:
        raise SystemExit(f"{spec.logical_id} has no schedule: --time does not apply")
    return {}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from local.environment import isolate_environment

    isolate_environment()  # before boto3 is imported by the function
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("botocore", "boto3", "urllib3", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stack_path = args.state_dir / "stack.json"
    functions_path = args.state_dir / "functions.json"
    if not stack_path.exists() or not functions_path.exists():
        print(f"no running local stack ({stack_path} missing): start it with `make run`", file=sys.stderr)
        return 2
    stack = json.loads(stack_path.read_text(encoding="utf-8"))
    functions = json.loads(functions_path.read_text(encoding="utf-8"))["functions"]
    if args.function not in functions:
        print(
            f"no function {args.function} in the template; there are: {', '.join(sorted(functions))}",
            file=sys.stderr,
        )
        return 2

    from local.functions import LocalFunction, new_lambda_request_id
    from local.template.specs import FunctionSpec

    spec = FunctionSpec.from_json(functions[args.function])
    event = build_event(spec, args.event, args.time, args.schedule)
    os.environ["AWS_ENDPOINT_URL"] = stack["aws_endpoint_url"]
    os.environ.update(spec.environment)  # one function in this process: its environment, as in Lambda
    function = LocalFunction(spec)
    function.load()
    if function.load_error is not None:
        print(f"{args.function} could not be imported:\n{function.load_error}", file=sys.stderr)
        return 1
    try:
        result = function.invoke(event, new_lambda_request_id())
    except Exception:
        traceback.print_exc()
        return 1
    print(json.dumps(result, indent=2, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
