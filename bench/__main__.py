"""`python -m bench` (what `make bench` runs): every benchmark, one readable report.

Figures only, never a pass/fail on time: compare medians and ratios from the same run. The one
failure is a correctness one: the queue benchmark exits 1 if a message was lost or not confirmed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime

from bench import aws_calls, cold_start, imports, queue_throughput, report_scale, table


def machine() -> str:
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores{f' ({cpu})' if cpu else ''}, "
        f"Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=cold_start.DEFAULT_RUNS, help="fresh interpreters per scenario"
    )
    parser.add_argument("--warm", type=int, default=aws_calls.WARM_RUNS, help="warm requests per scenario")
    parser.add_argument(
        "--only", choices=("cold", "calls", "queue", "report", "imports", "table"), help="run one benchmark"
    )
    parser.add_argument(
        "--farmers",
        type=int,
        default=queue_throughput.DEFAULT_FARMERS,
        help="messages per queue throughput scenario",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the -X importtime breakdown")
    parser.add_argument(
        "--import-rows", type=int, default=imports.LARGE, help="members of the large import file (0: skip it)"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    print(f"SUTASOMA benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}", flush=True)
    if args.only in (None, "cold"):
        print()
        print(cold_start.run(args.runs, profile=not args.no_profile), flush=True)
    if args.only in (None, "calls"):
        print()
        print(aws_calls.run(args.warm), flush=True)
    ok = True
    queue_text: str | None = None
    report_text: str | None = None  # bench/report_scale.py's run() text, when it runs: the table reads it
    if args.only in (None, "queue"):
        print(flush=True)
        queue = queue_throughput.run(args.farmers)  # its own interpreter: a moto stack of its own
        print(queue.text, flush=True)
        ok = queue.ok
        queue_text = queue.text
    if args.only in (None, "report"):
        print(flush=True)
        report_text = report_scale.run()  # its own interpreter: a moto stack of its own
        print(report_text, flush=True)
    if args.only in (None, "imports"):
        print(flush=True)
        imports_text, imports_ok = imports.run(large_rows=args.import_rows)  # local stacks of their own
        print(imports_text, flush=True)
        ok = ok and imports_ok
    if args.only in (None, "table"):  # the summary table and monthly cost (bench/table.py, bench/cost.py)
        print("\n" + table.run(queue_text, report_text), flush=True)
    print(f"\ntotal {time.perf_counter() - started:.0f}s")
    return 0 if ok else 1  # timings never fail a run; a lost message or an import row written twice does


if __name__ == "__main__":
    sys.exit(main())
