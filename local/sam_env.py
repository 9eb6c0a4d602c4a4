"""`python -m local.sam_env` (`make sam-env`): the `--env-vars` file that points `sam local invoke`
and `sam local start-api` at a running `make run`.

    python -m local.sam_env [--state-dir .local] [--host 127.0.0.1] [--out .local/sam-env.json]

SAM runs each function in a Docker container with the template's environment, in which every
`!Ref` to a table, queue, bucket or secret is a placeholder: the function would look for resources
that exist nowhere. This file gives each function the values the running local stack resolved for
it (`<state-dir>/functions.json`: table names, queue URLs, secret ARNs, the BPJS simulator...) and
moto as `AWS_ENDPOINT_URL`, with `127.0.0.1` replaced by `--host`: the address at which the
container reaches this machine (`127.0.0.1` with `--docker-network host` on Linux;
`host.docker.internal` with Docker Desktop or Finch).

SAM applies a file's value only to a variable the template declares (every one written here is,
`AWS_ENDPOINT_URL` in Globals for this reason; a test checks it). The credentials and the region
are not the template's: SAM passes the shell's (or its placeholders), so run it with fake ones and
moto's region, which every call then reaches instead of AWS:

    make run                                  # in one terminal
    make sam-env                              # then, in another
    export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
    sam local invoke ReportFunction -e events/report_schedule.json --region ap-southeast-3 \\
        --env-vars .local/sam-env.json --docker-network host

(docs/local-stack.md "sam local against make run").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# What every container gets besides its function's own variables: moto, and no tracing (no daemon).
COMMON = {"POWERTOOLS_TRACE_DISABLED": "true"}
LOOPBACK = "127.0.0.1"


def env_vars(
    stack: dict[str, Any], functions: dict[str, Any], host: str = LOOPBACK
) -> dict[str, dict[str, str]]:
    """{logical id: variables} for every function of the running stack (SAM's --env-vars shape)."""

    def reachable(value: str) -> str:
        return value.replace(f"//{LOOPBACK}:", f"//{host}:") if host != LOOPBACK else value

    common = {**COMMON, "AWS_ENDPOINT_URL": reachable(str(stack["aws_endpoint_url"]))}
    return {
        logical_id: {**common, **{name: reachable(str(value)) for name, value in spec["environment"].items()}}
        for logical_id, spec in sorted(functions.items())
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.sam_env", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--state-dir", type=Path, default=Path(".local"), help="where make run writes stack.json"
    )
    parser.add_argument("--host", default=LOOPBACK, help="this machine as the container sees it")
    parser.add_argument("--out", type=Path, help="default: <state-dir>/sam-env.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stack_path, functions_path = args.state_dir / "stack.json", args.state_dir / "functions.json"
    if not stack_path.exists() or not functions_path.exists():
        print(f"no running local stack ({stack_path} missing): start it with `make run`", file=sys.stderr)
        return 2
    stack = json.loads(stack_path.read_text(encoding="utf-8"))
    functions = json.loads(functions_path.read_text(encoding="utf-8"))["functions"]
    out = args.out or args.state_dir / "sam-env.json"
    out.write_text(json.dumps(env_vars(stack, functions, args.host), indent=2) + "\n", encoding="utf-8")
    endpoint = str(stack["aws_endpoint_url"]).replace(f"//{LOOPBACK}:", f"//{args.host}:")
    print(f"wrote {out}: {len(functions)} functions, AWS (moto) at {endpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
