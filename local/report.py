"""`python -m local.report [YYYY-MM]` (what `make report PERIOD=YYYY-MM` runs): the monthly report
of a month (default: last month, WITA), made the way the 5th-of-month schedule makes it, against a
running `make run`.

1. `python -m local.invoke ReportFunction --schedule Monthly --time <the 5th of the month after
   PERIOD, 08:00 Asia/Makassar>`: the function receives the event EventBridge Scheduler sends for
   that fire and takes the period from the event's `time` (the month before it), never from now.
2. Where the files are: the report's objects in the reports bucket (S3 in moto), with the
   command to list them.
3. The HTML file fetched through the API as the demo `admin` (`GET /reports/PERIOD/files/html`)
   and written to `<state-dir>/report-PERIOD.html`, ready to open in a browser.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess  # nosec B404 # - runs python -m local.invoke, our own module
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from sutasoma.domain.clock import WITA, period_of, today_wita
from sutasoma.domain.periods import add_months, parse_period

FUNCTION = "ReportFunction"
SCHEDULE = "Monthly"
BUCKET = "ReportsBucket"


def scheduled_time(period: str) -> datetime:
    """08:00 WITA on the 5th of the month after `period`: when the schedule reports on it."""
    year, month = parse_period(add_months(period, 1))
    return datetime(year, month, 5, 8, 0, tzinfo=WITA)


def _last_json(text: str) -> dict[str, Any]:
    """The function's result: the last JSON document on stdout (its log lines come before)."""
    starts = [m.start() for m in re.finditer(r"^\{", text, re.MULTILINE)]
    for start in reversed(starts):
        try:
            found = json.loads(text[start:])
        except ValueError:
            continue
        return found if isinstance(found, dict) else {}
    return {}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.report", description=__doc__.splitlines()[0])
    parser.add_argument("period", nargs="?", help="the month to report on, YYYY-MM (default: last month)")
    parser.add_argument(
        "--state-dir", type=Path, default=Path(".local"), help="where the stack wrote stack.json"
    )
    args = parser.parse_args(argv)
    if args.period is None:
        args.period = add_months(period_of(today_wita()), -1)
    try:
        parse_period(args.period)
    except ValueError:
        parser.error(f"PERIOD must be YYYY-MM, not {args.period!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stack_path = args.state_dir / "stack.json"
    if not stack_path.exists():
        print(f"no running local stack ({stack_path} missing): start it with `make run`", file=sys.stderr)
        return 2
    stack: dict[str, Any] = json.loads(stack_path.read_text(encoding="utf-8"))
    at = scheduled_time(args.period).isoformat()

    command = [sys.executable, "-m", "local.invoke", FUNCTION, "--schedule", SCHEDULE, "--time", at]
    command += ["--state-dir", str(args.state_dir)]
    print(f"$ python -m local.invoke {FUNCTION} --schedule {SCHEDULE} --time {at}", flush=True)
    invoked = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)  # nosec B603 # - our own interpreter and module, arguments built here
    print(invoked.stdout, end="", flush=True)
    if invoked.returncode != 0:
        return invoked.returncode
    result = _last_json(invoked.stdout)
    if result.get("period") != args.period:
        print(f"the function reported on {result.get('period')}, not {args.period}", file=sys.stderr)
        return 1

    from local.environment import isolate_environment

    isolate_environment()  # fake credentials, nothing but 127.0.0.1
    import boto3
    import httpx

    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")  # nosec B106 # - moto's fake credentials, local only
    endpoint = {"endpoint_url": stack["aws_endpoint_url"], "region_name": stack["region"]}
    bucket = stack["buckets"][BUCKET]
    listed = session.client("s3", **endpoint).list_objects_v2(Bucket=bucket, Prefix=f"reports/{args.period}/")
    print(f"\nfiles in S3 (moto at {stack['aws_endpoint_url']}):")
    for item in listed.get("Contents", []):
        print(f"  s3://{bucket}/{item['Key']}  ({item['Size']:,} bytes)")
    print(
        f"  list them: aws --endpoint-url {stack['aws_endpoint_url']} s3 ls s3://{bucket}/reports/{args.period}/"
    )

    admin = next(u for u in stack["demo_users"] if u["role"] == "admin")
    token = session.client("cognito-idp", **endpoint).initiate_auth(
        ClientId=stack["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": admin["username"], "PASSWORD": admin["password"]},
    )["AuthenticationResult"]["IdToken"]
    response = httpx.get(
        f"{stack['api_url']}/reports/{args.period}/files/html",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60.0,
        trust_env=False,
    )
    if response.status_code != 200:
        print(f"GET /reports/{args.period}/files/html -> {response.status_code}", file=sys.stderr)
        return 1
    out = args.state_dir / f"report-{args.period}.html"
    out.write_bytes(response.content)
    print(f"\nHTML through the API as {admin['username']}: {out.resolve()}")
    print(f"  also GET {stack['api_url']}/reports/{args.period} (JSON) and /files/csv, /files/xlsx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
