"""The one table `python -m bench` ends with: every function's cold start, AWS calls and handler time
per route, queue throughput, report time by population, and the monthly AWS cost.

Measured here (this module's own runs, quick): the import time of every function's handler in
fresh interpreters (as bench/cold_start.py does for register), and the requests of
bench/aws_calls.py again with more warm runs, this time also reading each DynamoDB call's items to
count request units (RRU/WRU), SQS, S3 and Secrets Manager calls. Taken from the other benchmarks
of the same run when given: queue throughput (bench/queue_throughput.py's text) and report time
(bench/report_scale.py's table of the same run, when given). The cost comes
from bench/cost.py (list prices, usage model) applied to these counts.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import aws_calls, cold_start, cost
from tests.support.stack import start_stack

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
COLD_RUNS = 3
WARM_RUNS = 20
FARMER_COUNTS = (10_750, 100_000)

# bpjs_sync per message, from bench/queue_throughput.py (docs/benchmarks.md, 2026-11-29): GetItem x2
# (consistent), TransactWriteItems x1, ~83 ms of handler time at 50 ms BPJS latency; the event
# source adds ReceiveMessage + DeleteMessageBatch. Worst case for cost: one message per batch.
BPJS_SYNC_MS = 83.0
BPJS_SYNC = {"rru": 2.0, "wru": 6.0, "sqs": 2.0}  # transaction of ~3 items x 2 WRU


# ------------------------------------------------------------------------------ cold starts


def function_dirs() -> list[Path]:
    return sorted(p for p in FUNCTIONS.iterdir() if (p / "app.py").is_file())


def measure_cold_starts(runs: int = COLD_RUNS) -> dict[str, list[float]]:
    """Import time (s) of `import app` of every function, and of `import boto3`, interleaved."""
    env = cold_start.child_environment()
    env["BPJS_DLQ_URL"] = "http://127.0.0.1:9/123456789012/fake-bpjs-outbound-dlq.fifo"
    layer = str(cold_start.LAYER_DIR)
    plan = [cold_start.Scenario("boto3", "import boto3", "import boto3")]
    for directory in function_dirs():
        plan.append(
            cold_start.Scenario(
                directory.name,
                directory.name,
                "import app",
                env={"POWERTOOLS_SERVICE_NAME": directory.name, "LAMBDA_TASK_ROOT": str(directory)},
                paths=(str(directory), layer),
            )
        )
    for scenario in plan:  # warm-up: the OS file cache, not measured
        cold_start._run_child(scenario, env)
    samples: dict[str, list[float]] = {s.name: [] for s in plan}
    for _ in range(runs):
        for scenario in plan:
            samples[scenario.name].append(cold_start._run_child(scenario, env)["import_s"])
    return samples


# ------------------------------------------------------------------------------ request units


@dataclass
class Usage:
    calls: Counter[str] = field(default_factory=Counter)
    rru: float = 0.0
    wru: float = 0.0
    sqs: float = 0.0
    s3_put: float = 0.0
    s3_get: float = 0.0
    secret_calls: float = 0.0


def _size(value: Any) -> int:
    return len(json.dumps(value, default=str).encode())


def _account(usage: Usage, service: str, operation: str, params: dict[str, Any], response: Any) -> None:
    usage.calls[operation] += 1
    if service == "dynamodb":
        consistent = 1.0 if params.get("ConsistentRead") else 0.5
        if operation == "GetItem":
            usage.rru += consistent * cost.ceil_units(_size(response.get("Item", {})), 4096)
        elif operation in ("Query", "Scan"):
            usage.rru += consistent * cost.ceil_units(_size(response.get("Items", [])), 4096)
        elif operation == "PutItem":
            usage.wru += cost.ceil_units(_size(params.get("Item", {})), 1024)
        elif operation in ("UpdateItem", "DeleteItem"):
            usage.wru += 1  # item size after the update not known here: <= 1 KB assumed
        elif operation == "TransactWriteItems":
            for item in params.get("TransactItems", []):
                put = item.get("Put")
                usage.wru += 2 * (cost.ceil_units(_size(put["Item"]), 1024) if put else 1)
        elif operation == "TransactGetItems":
            usage.rru += 2 * len(params.get("TransactItems", []))
        elif operation == "BatchGetItem":
            usage.rru += sum(len(v.get("Keys", [])) for v in params.get("RequestItems", {}).values())
    elif service == "sqs":
        usage.sqs += 1
    elif service == "s3":
        if operation in ("PutObject", "ListObjectsV2", "CopyObject"):
            usage.s3_put += 1
        elif operation in ("GetObject", "HeadObject"):
            usage.s3_get += 1
    elif service == "secretsmanager":
        usage.secret_calls += 1


@contextmanager
def recording() -> Iterator[list[Usage]]:
    """Every botocore API call made in the block, accounted into the last Usage of the list."""
    import botocore.client

    ledger = [Usage()]
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        # A refused write (condition failed, transaction cancelled) still consumes its units.
        response: Any = {}
        try:
            response = original(self, operation_name, api_params)
            return response
        finally:
            _account(ledger[-1], self.meta.service_model.service_name, operation_name, api_params, response)

    setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)  # noqa: B010
    try:
        yield ledger
    finally:
        setattr(botocore.client.BaseClient, "_make_api_call", original)  # noqa: B010


@dataclass
class Route:
    label: str  # the scenario's label: its route, and what sets it apart from the route's others
    route: str  # METHOD /path, as in template.yaml
    function: str
    cold_calls: int
    warm: Usage
    warm_ms: list[float]


def measure_routes(warm_runs: int = WARM_RUNS) -> list[Route]:
    """bench/aws_calls.py's scenarios, each request's usage recorded (the last warm one kept)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    per_label: dict[str, Usage] = {}
    original_invoke = aws_calls._invoke

    def invoke(invoker: Any, counters: Any, scenario: Any) -> Any:
        ledger.append(Usage())
        result = original_invoke(invoker, counters, scenario)
        per_label[scenario.label] = ledger[-1]
        return result

    server, stack = start_stack()
    setattr(aws_calls, "_invoke", invoke)  # noqa: B010
    try:
        with recording() as ledger:
            results = aws_calls.measure(stack, warm_runs)
    finally:
        setattr(aws_calls, "_invoke", original_invoke)  # noqa: B010
        server.stop()
    return [
        Route(
            r.scenario.label,
            r.scenario.route,
            r.scenario.function,
            r.cold.total,
            per_label[r.scenario.label],
            r.warm_ms,
        )
        for r in results
    ]


# ------------------------------------------------------------------------------ cost inputs

# The scenarios of bench/aws_calls.py the cost is built from (their labels).
PAYMENT = "POST /farmers/{farmer_id}/payments (1 month)"
LISTING = "GET /farmers (limit=10)"
REGISTRATION = "POST /farmers (Idempotency-Key)"
KTP_URL = "POST /farmers/{farmer_id}/ktp (upload URL)"
CALLBACK = "POST /bpjs/callbacks (PARTICIPANT_CONFIRMED)"
CLAIM = "POST /claims"
CLAIM_READ = "GET /claims/{claim_id}"
DOCUMENT_URL = "POST /claims/{claim_id}/documents (upload URL)"
VERIFY = "POST /claims/{claim_id}/verify (documents present)"
REPORT = "POST /reports/{period}"


def _route(routes: list[Route], label: str) -> Route:
    found = next((r for r in routes if r.label == label), None)
    if found is None:
        raise LookupError(f"bench/aws_calls.py has no scenario {label!r}: the cost needs it")
    return found


def _sum(routes: list[Route], labels: dict[str, float], attribute: str) -> float:
    """Σ count x (a warm request's usage attribute, or its median handler ms for "ms")."""
    total = 0.0
    for label, count in labels.items():
        route = _route(routes, label)
        value = statistics.median(route.warm_ms) if attribute == "ms" else getattr(route.warm, attribute)
        total += count * value
    return total


def _composed(
    routes: list[Route], label: str, requests: dict[str, float], bpjs_messages: float, **extra: Any
) -> cost.RequestCost:
    """A user action: measured HTTP requests (label -> how many), plus bpjs_sync messages (from the
    queue benchmark: BPJS_SYNC per message) and what `extra` adds (uploads straight to S3)."""

    def total(attribute: str) -> float:
        return _sum(routes, requests, attribute)

    http = sum(requests.values())
    fields: dict[str, Any] = {
        "lambda_ms": total("ms") + bpjs_messages * BPJS_SYNC_MS,
        "invocations": http + bpjs_messages,
        "api_requests": http,
        "rru": total("rru") + bpjs_messages * BPJS_SYNC["rru"],
        "wru": total("wru") + bpjs_messages * BPJS_SYNC["wru"],
        "sqs": total("sqs") + bpjs_messages * BPJS_SYNC["sqs"],
        "s3_put": total("s3_put"),
        "s3_get": total("s3_get"),
        "secret_calls": total("secret_calls"),
        "log_bytes": 1500 * (http + bpjs_messages),
    }
    for key, value in extra.items():
        fields[key] = fields.get(key, 0.0) + value if key in ("s3_put", "s3_get") else value
    return cost.RequestCost(label, **fields)


def request_costs(routes: list[Route], report_s: float | None) -> dict[str, cost.RequestCost]:
    """What each kind of user action of the usage model costs, from the counted requests."""
    report = _route(routes, REPORT)
    return {
        # Audit records (docs/security.md): PAYMENT_RECORDED + BPJS_OPERATION_COMPLETED.
        "payment": _composed(routes, "payment + its BPJS posting", {PAYMENT: 1}, bpjs_messages=1, audit_records=2),
        "list": _composed(routes, "list of 10", {LISTING: 1}, bpjs_messages=0),
        # Register, ask for the KTP upload URL, upload it (one PUT straight to S3), BPJS
        # registration through the queue, BPJS's confirmation callback.
        "registration": _composed(
            routes, "registration + KTP + BPJS registration + callback",
            {REGISTRATION: 1, KTP_URL: 1, CALLBACK: 1}, bpjs_messages=1, s3_put=1,
            audit_records=3,  # FARMER_REGISTERED, BPJS_OPERATION_COMPLETED, BPJS_CALLBACK_APPLIED
        ),
        # File, 3 document URLs + 3 uploads, the coordinator reads it and verifies, the submission
        # to BPJS, and BPJS's two callbacks (approved, paid; counted as a PARTICIPANT_CONFIRMED one).
        "claim": _composed(
            routes, "claim: submit, 3 documents, read, verify, BPJS, 2 callbacks",
            {CLAIM: 1, DOCUMENT_URL: 3, CLAIM_READ: 1, VERIFY: 1, CALLBACK: 2}, bpjs_messages=1, s3_put=3,
            # CLAIM_SUBMITTED, BANK_ACCOUNT_READ, CLAIM_VERIFIED, BPJS_OPERATION_COMPLETED, 2 callbacks
            audit_records=6,
        ),
        "report": cost.RequestCost(
            "report generated, 3 files",
            # The handler on moto renders the 3 files too; report_scale times the computation at scale.
            lambda_ms=max(statistics.median(report.warm_ms), (report_s or 0.0) * 1000),
            memory_mb=1024,
            api_requests=0,  # the schedule; an admin's regeneration is the same work
            rru=report.warm.rru,
            wru=report.warm.wru,
            s3_put=report.warm.s3_put,
            s3_get=report.warm.s3_get,
            log_bytes=5000,
        ),
    }  # fmt: skip


# ------------------------------------------------------------------------------ the table


def _queue_figures(queue_text: str | None) -> list[tuple[str, str]]:
    if not queue_text:
        return []
    figures: list[tuple[str, str]] = []
    first_table = queue_text.split("where a warm batch's time goes")[0]  # the msg/s table
    for line in first_table.splitlines():
        # "  2 instances, BPJS 50 ms, limit 400/s     156.4    400 ...": the scenario, then msg/s.
        match = re.match(r"\s+(\d+ instances?, BPJS \d+ ms.*?)\s{2,}(\d+(?:\.\d+)?)\s", line)
        if match and match.group(1) not in dict(figures):
            figures.append((match.group(1), match.group(2)))
    return figures


def _report_figures(report_text: str | None) -> dict[int, float] | None:
    """farmers -> median seconds, from bench/report_scale.py's table ("  10,000 |   812 ms | ...")."""
    figures = {
        int(m.group(1).replace(",", "")): float(m.group(2)) / 1000
        for m in re.finditer(r"^\s+([\d,]+) \|\s+(\d+) ms \|", report_text or "", re.MULTILINE)
    }
    return figures or None


def render(
    colds: dict[str, list[float]],
    routes: list[Route],
    queue_text: str | None,
    reports: dict[int, float] | None,
) -> str:
    lines = ["SUMMARY", ""]
    base = statistics.median(colds["boto3"])
    lines.append(
        f"Cold start: `import app` median of {len(colds['boto3'])} fresh interpreters, tracing as deployed"
    )
    lines.append(f"  {'function':<16} {'import':>8} {'x boto3':>8}")
    for name, values in colds.items():
        label = "import boto3" if name == "boto3" else name
        lines.append(
            f"  {label:<16} {statistics.median(values) * 1000:>6.0f}ms {statistics.median(values) / base:>8.2f}"
        )
    lines.append("")
    n = len(routes[0].warm_ms) if routes else 0
    width = max([len(r.label) for r in routes] + [len("route")])
    lines.append(
        f"Requests: AWS calls (cold / warm), request units of a warm request, and handler time of n warm "
        f"requests (p99 by nearest rank: of n={n}, the slowest)"
    )
    lines.append(aws_calls.coverage_line(r.route for r in routes))
    lines.append(
        f"  {'route':<{width}} {'cold':>4} {'warm':>4} {'RRU':>5} {'WRU':>5} {'SQS':>4} {'S3':>3} "
        f"{'n':>3} {'p50':>8} {'p99':>8}"
    )
    for r in routes:
        warm_calls = sum(r.warm.calls.values())
        s3 = r.warm.s3_put + r.warm.s3_get
        lines.append(
            f"  {r.label:<{width}} {r.cold_calls:>4} {warm_calls:>4} {r.warm.rru:>5.1f} {r.warm.wru:>5.0f} "
            f"{r.warm.sqs:>4.0f} {s3:>3.0f} {len(r.warm_ms):>3} {statistics.median(r.warm_ms):>6.1f}ms "
            f"{aws_calls.percentile(r.warm_ms, 0.99):>6.1f}ms"
        )
    lines.append(
        "  (in-process against moto on 127.0.0.1: not DynamoDB latency; compare routes with each other)"
    )
    lines.append("")
    queue = _queue_figures(queue_text)
    lines.append(
        "Queue throughput (bpjs_sync): "
        + (", ".join(f"{label}: {value} msg/s" for label, value in queue) if queue else "not run")
    )
    report_s = None
    if reports:
        lines.append(
            "Report generation: "
            + ", ".join(f"{k:,} farmers {v * 1000:.0f} ms" for k, v in sorted(reports.items()))
        )
        report_s = reports.get(max(reports))
    else:
        lines.append(
            "Report generation: not run (bench/report_scale.py's text not given); the cost below uses "
            "POST /reports/{period}'s handler time on moto"
        )
    lines.append("")
    per_request = request_costs(routes, report_s)
    usage = cost.UsageModel()
    lines.append(
        f"Monthly AWS cost, USD (per farmer per month: {usage.payments:g} payment, {usage.list_reads:g} list "
        f"reads, {usage.claims:g} claims; {usage.reports_per_month:g} reports a month; registration apart)"
    )
    estimates = [cost.estimate(per_request, farmers, usage) for farmers in FARMER_COUNTS]
    lines.append(f"  {'service':<18}" + "".join(f"{e.farmers:>12,}" for e in estimates))
    for service in estimates[0].lines:
        lines.append(f"  {service:<18}" + "".join(f"{e.lines[service]:>12.2f}" for e in estimates))
    lines.append(f"  {'total / month':<18}" + "".join(f"{e.total:>12.2f}" for e in estimates))
    for label, prices in (
        ("  at US East", cost.REFERENCE_PRICES),
        ("  unverified +50%", cost.unverified_scaled(1.5)),
    ):
        lines.append(
            f"  {label:<18}"
            + "".join(f"{cost.estimate(per_request, f, usage, prices).total:>12.2f}" for f in FARMER_COUNTS)
            + ("  (HTTP API, DynamoDB, SQS FIFO at the US East prices found)" if "US East" in label else
               "  (the prices not found for Jakarta 50 % higher)")
        )  # fmt: skip
    once = cost.UsageModel(payments=0, list_reads=0, claims=0, reports_per_month=0, registrations=1)
    onboarding = [cost.estimate(per_request, farmers, once) for farmers in FARMER_COUNTS]
    lines.append(
        f"  {'registering all':<18}"
        + "".join(f"{o.total - cost.estimate(per_request, 0, once).total:>12.2f}" for o in onboarding)
        + "  (once: requests only)"
    )
    lines.append("  per action (counted requests composed; bpjs_sync per message from the queue benchmark):")
    for key, v in per_request.items():
        lines.append(
            f"    {key:<13} {v.invocations:>4g} invocations, {v.api_requests:g} API requests, "
            f"{v.lambda_ms:>5.0f} ms, {v.rru:g} RRU, {v.wru:g} WRU, {v.sqs:g} SQS, {v.s3_put:g} S3 PUT/LIST, "
            f"{v.s3_get:g} S3 GET{'' if v.measured else ' (estimate)'}"
        )
    lines.append(cost.prices_text())
    lines.append("Sources:")
    lines.append(cost.sources_text())
    return "\n".join(lines)


def measure(queue_text: str | None, report_text: str | None, cold_runs: int, warm_runs: int) -> str:
    started = time.perf_counter()
    colds = measure_cold_starts(cold_runs)
    routes = measure_routes(warm_runs)
    text = render(colds, routes, queue_text, _report_figures(report_text))
    return f"{text}\n  ({time.perf_counter() - started:.0f}s)"


def run(
    queue_text: str | None = None,
    report_text: str | None = None,
    cold_runs: int = COLD_RUNS,
    warm_runs: int = WARM_RUNS,
) -> str:
    """`measure` in a fresh interpreter: moto's backends are per process, and bench/aws_calls.py
    has already created the template's tables in this one."""
    done = subprocess.run(  # our own interpreter and module
        [
            sys.executable,
            "-m",
            "bench.table",
            "--stdin",
            "--cold-runs",
            str(cold_runs),
            "--warm-runs",
            str(warm_runs),
        ],
        cwd=ROOT,
        input=json.dumps({"queue_text": queue_text, "report_text": report_text}),
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    text = done.stdout.rstrip()
    if done.returncode != 0:
        text += f"\n  the summary failed (exit {done.returncode}); its errors are above"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.table", description=__doc__.splitlines()[0])
    parser.add_argument("--stdin", action="store_true", help="read {queue_text, report_text} as JSON")
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS)
    parser.add_argument("--warm-runs", type=int, default=WARM_RUNS)
    args = parser.parse_args(argv)
    given = json.loads(sys.stdin.read()) if args.stdin else {}
    print(
        measure(given.get("queue_text"), given.get("report_text"), args.cold_runs, args.warm_runs), flush=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
