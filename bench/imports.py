"""Member imports on the local stack: how fast a file is checked and committed, and how much
memory the checking and committing functions need (docs/benchmarks.md "Member imports").

Two local stacks (`python -m local --no-seed`, free ports, a temporary state dir each):

1. **10,750 members** (Soppeng's active members in December 2022), on a stack as `make run`
   starts it: the admin opens an import, uploads the XLSX with the presigned POST; the file is
   checked (by the stack's "object landed" rule when it has one, else by the validating
   function invoked once, as `python -m local.invoke` does), committed through the API, its
   chunks written by the stack's own SQS event source (ImportChunkFunction, MaximumConcurrency
   of the template); then the BPJS look-ups drain. The same file imported again: checked, and
   its commit writes nothing (the table's items counted before and after).
2. **100,000 members**, on a stack without SQS pollers or object events: the validating function
   runs in a child interpreter of its own (its peak RSS is the function's memory), then the
   chunks are written by `ImportMaxConcurrency` child interpreters, each one execution
   environment of ImportChunkFunction polling the chunk queue (their peak RSS: the committing
   function's memory); then the same file again.

Figures only: times are printed, never asserted. A run is only worth its figures if every row was
written once: the script exits 1 otherwise (or if a second import wrote anything).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SMALL, LARGE = 10_750, 100_000
POLL_S = 0.5


# ============================================================================== children


def _load(state_dir: Path, function_id: str) -> Any:
    """One execution environment of a function of the running stack (as local.invoke loads it)."""
    from local.environment import isolate_environment

    isolate_environment()
    from local.functions import LocalFunction
    from local.template.specs import FunctionSpec

    stack = json.loads((state_dir / "stack.json").read_text(encoding="utf-8"))
    functions = json.loads((state_dir / "functions.json").read_text(encoding="utf-8"))["functions"]
    spec = FunctionSpec.from_json(functions[function_id])
    os.environ["AWS_ENDPOINT_URL"] = stack["aws_endpoint_url"]
    os.environ.update(spec.environment)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    function = LocalFunction(spec)
    function.load()
    if function.load_error:
        raise SystemExit(function.load_error)
    return function


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_validate(state_dir: Path, import_id: str) -> dict[str, Any]:
    from local.functions import new_lambda_request_id

    function = _load(state_dir, "ImportValidateFunction")
    loaded = _peak_mb()
    started = time.perf_counter()
    function.invoke({"import_id": import_id}, new_lambda_request_id())
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), "loaded_mb": loaded}


def worker_chunks(state_dir: Path) -> dict[str, Any]:
    """Poll the chunk queue as the event source does (BatchSize 1) until it stays empty."""
    import boto3

    from local.functions import new_lambda_request_id
    from local.pollers.sqs import build_sqs_event, settle

    function = _load(state_dir, "ImportChunkFunction")
    loaded = _peak_mb()
    sqs = boto3.client("sqs")
    stack = json.loads((state_dir / "stack.json").read_text(encoding="utf-8"))
    url = stack["queues"]["ImportChunkQueue"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    done = failed = idle = 0
    while idle < 3:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"],
                                       WaitTimeSeconds=1).get("Messages", [])  # fmt: skip
        if not messages:
            idle += 1
            continue
        idle = 0
        result = function.invoke(build_sqs_event(messages, arn, "ap-southeast-3"), new_lambda_request_id())
        if messages[0]["MessageId"] in settle(result, [messages[0]["MessageId"]], True).delete:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
            done += 1
        else:
            failed += 1
    return {"chunks": done, "failed": failed, "peak_mb": _peak_mb(), "loaded_mb": loaded}


# ============================================================================== the run


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    state_dir: Path
    descriptor: dict[str, Any]
    token: str = ""
    calls: list[str] = field(default_factory=list)

    def client(self) -> Any:
        import httpx

        return httpx.Client(base_url=self.descriptor["api_url"], timeout=120, trust_env=False,
                            headers={"Authorization": f"Bearer {self.token}"})  # fmt: skip

    def aws(self, service: str) -> Any:
        from tests.support.local_stack import aws_client

        return aws_client(self.descriptor, service)


def start(state_dir: Path, *flags: str) -> Stack:
    from tests.support.local_stack import login, start_local_stack

    running = start_local_stack(state_dir, "--no-seed", *flags, timeout=180)
    stack = Stack(running.process, state_dir, running.descriptor)
    stack.token = login(running.descriptor, "admin")
    return stack


def _child(state_dir: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(  # our own interpreter and module
        [sys.executable, "-m", "bench.imports", "--worker", *args, "--state-dir", str(state_dir)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=3600,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def wait(
    read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool], limit_s: float
) -> dict[str, Any]:
    deadline = time.monotonic() + limit_s
    while True:
        current = read()
        if done(current) or time.monotonic() > deadline:
            return current
        time.sleep(POLL_S)


def items_outside_imports(stack: Stack) -> int:
    """Items of the domain table but the imports' own (their status and progress)."""
    from sutasoma.adapters.dynamo import keys

    client, table, count = stack.aws("dynamodb"), stack.descriptor["tables"]["DomainTable"], 0
    params: dict[str, Any] = {"TableName": table, "Select": "COUNT", "FilterExpression": "NOT begins_with(PK, :p)",
                              "ExpressionAttributeValues": {":p": {"S": keys.IMPORT.prefix}}}  # fmt: skip
    while True:
        page = client.scan(**params)
        count += int(page["Count"])
        if "LastEvaluatedKey" not in page:
            return count
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@dataclass
class Timed:
    rows: int
    validated_s: float = 0.0
    committed_s: float = 0.0
    validate_mb: float | None = None
    commit_mb: float | None = None
    looked_up_s: float | None = None
    again_validated_s: float = 0.0
    again_written: int = -1
    status: dict[str, Any] = field(default_factory=dict)


def _upload(stack: Stack, body: bytes) -> str:
    import httpx

    with stack.client() as api:
        opened = api.post("/imports", json={"kind": "members", "filename": "anggota.xlsx"})
        opened.raise_for_status()
    form = opened.json()["upload"]
    with httpx.Client(trust_env=False, timeout=300) as s3:
        s3.post(
            form["upload_url"], data=form["fields"], files={"file": ("anggota.xlsx", body)}
        ).raise_for_status()
    return str(opened.json()["import_id"])


def _status(stack: Stack, import_id: str) -> Callable[[], dict[str, Any]]:
    def read() -> dict[str, Any]:
        with stack.client() as api:
            body: dict[str, Any] = api.get(f"/imports/{import_id}").json()
            return body

    return read


def _validate(stack: Stack, body: bytes, by_rule: bool) -> tuple[str, float, float | None]:
    """(import id, seconds from upload to VALIDATED, the validating child's peak MB or None)."""
    started = time.perf_counter()
    import_id = _upload(stack, body)
    if by_rule:
        checked = wait(_status(stack, import_id), lambda s: s["status"] in ("VALIDATED", "FAILED"), 900)
        peak = None
    else:
        peak = _child(stack.state_dir, "validate", "--import-id", import_id)["peak_mb"]
        checked = _status(stack, import_id)()
    if checked["status"] != "VALIDATED":
        raise SystemExit(f"the import was not checked: {checked['status']} {checked.get('failure')}")
    return import_id, time.perf_counter() - started, peak


def _commit(stack: Stack, import_id: str, workers: int) -> tuple[float, float | None, dict[str, Any]]:
    """(seconds to COMMITTED, the chunk children's highest peak MB or None, the final status):
    `workers` children write the chunks, or (0) the stack's own event source."""
    started = time.perf_counter()
    with stack.client() as api:
        api.post(f"/imports/{import_id}/commit").raise_for_status()
    peak = None
    if workers:
        procs = [
            subprocess.Popen(  # our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "bench.imports",
                    "--worker",
                    "chunks",
                    "--state-dir",
                    str(stack.state_dir),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(workers)
        ]
        results = [
            json.loads((p.communicate(timeout=7200)[0] or "{}").strip().splitlines()[-1]) for p in procs
        ]
        peak = max(r["peak_mb"] for r in results)
    done = wait(_status(stack, import_id), lambda s: s["status"] in ("COMMITTED", "FAILED"), 7200)
    return time.perf_counter() - started, peak, done


def measure(stack: Stack, rows: int, *, by_rule: bool, workers: int, look_ups: bool) -> Timed:
    from local.seed.members import SampleOptions, sample_members, xlsx_bytes

    body = xlsx_bytes(sample_members(SampleOptions(count=rows, other_person_every=500)))
    timed = Timed(rows)
    import_id, timed.validated_s, timed.validate_mb = _validate(stack, body, by_rule)
    timed.committed_s, timed.commit_mb, timed.status = _commit(stack, import_id, workers)
    if look_ups:
        started = time.perf_counter()
        wait(_status(stack, import_id), lambda s: s["bpjs_mismatches"] >= rows // 500, 1800)
        sqs = stack.aws("sqs")
        url = stack.descriptor["queues"]["BpjsOutboundQueue"]
        while int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                  ["ApproximateNumberOfMessages"]) and time.perf_counter() - started < 1800:  # fmt: skip
            time.sleep(2)
        timed.looked_up_s = timed.committed_s + time.perf_counter() - started
    before = items_outside_imports(stack)
    again, timed.again_validated_s, _ = _validate(stack, body, by_rule)
    with stack.client() as api:
        api.post(f"/imports/{again}/commit").raise_for_status()
    timed.again_written = items_outside_imports(stack) - before
    return timed


def report(small: Timed, large: Timed | None, concurrency: int) -> str:
    def line(t: Timed, label: str) -> list[str]:
        s = t.status
        out = [
            f"  {label}: {t.rows:,} rows",
            f"    checked    {t.validated_s:7.1f} s  {t.rows / t.validated_s:7.0f} rows/s"
            + (f"   validating function peak RSS {t.validate_mb:.0f} MB" if t.validate_mb else ""),
            f"    committed  {t.committed_s:7.1f} s  {t.rows / t.committed_s:7.0f} rows/s"
            + (f"   committing function peak RSS {t.commit_mb:.0f} MB" if t.commit_mb else "")
            + f"   ({s['status']}: created {s['created']}, not written {s['not_written']})",
        ]
        if t.looked_up_s is not None:
            out.append(f"    BPJS look-ups done {t.looked_up_s:.1f} s after the commit began "
                       f"({s['bpjs_mismatches']} to check)")  # fmt: skip
        out.append(
            f"    same file again: checked in {t.again_validated_s:.1f} s, its commit wrote {t.again_written} items"
        )
        return out

    lines = [
        "Member imports on the local stack (python -m local; figures, never a pass/fail on time)",
        *line(small, "as make run starts it (the stack's event source writes the chunks)"),
    ]
    if large is not None:
        lines += line(
            large, f"{concurrency} execution environments of ImportChunkFunction as child interpreters"
        )
    lines.append("  memory the template gives: ImportValidateFunction 512 MB, ImportChunkFunction 512 MB")
    return "\n".join(lines)


def ok(t: Timed) -> bool:
    s = t.status
    return s.get("status") == "COMMITTED" and s.get("created") == t.rows and t.again_written == 0


def run(small_rows: int = SMALL, large_rows: int = LARGE, workers: int = 5) -> tuple[str, bool]:
    """The report, and whether every row was written once (and nothing the second time)."""
    from tests.support.local_stack import stop_local_stack

    with tempfile.TemporaryDirectory(prefix="bench-imports-") as folder:
        stack = start(Path(folder) / "small")
        try:
            by_rule = bool(stack.descriptor.get("event_rules"))
            small = measure(stack, small_rows, by_rule=by_rule, workers=0, look_ups=True)
        finally:
            stop_local_stack(stack.process)
        large = None
        if large_rows:
            flags = ["--no-sqs-pollers", *(["--no-object-events"] if by_rule else [])]
            stack = start(Path(folder) / "large", *flags)
            try:
                large = measure(stack, large_rows, by_rule=False, workers=workers, look_ups=False)
            finally:
                stop_local_stack(stack.process)
    return report(small, large, workers), ok(small) and (large is None or ok(large))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=("validate", "chunks"))
    parser.add_argument("--state-dir", type=Path)
    parser.add_argument("--import-id")
    parser.add_argument("--rows", type=int, default=SMALL)
    parser.add_argument("--large-rows", type=int, default=LARGE, help="0: skip the large file")
    parser.add_argument("--workers", type=int, default=5, help="chunk children for the large file")
    args = parser.parse_args(argv)
    if args.worker == "validate":
        print(json.dumps(worker_validate(args.state_dir, args.import_id)))
        return 0
    if args.worker == "chunks":
        print(json.dumps(worker_chunks(args.state_dir)))
        return 0
    text, fine = run(args.rows, args.large_rows, args.workers)
    print(text)
    return 0 if fine else 1


if __name__ == "__main__":
    sys.exit(main())
