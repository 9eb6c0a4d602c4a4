"""Cold-start cost of the register function, against a bare `import boto3`.

Every sample is a fresh interpreter (`subprocess.run([sys.executable, "-c", ...])`) that imports
the handler the way the Lambda runtime does (`sys.path` starts with the function's code and the
layer, then `import app`), with the function's environment from template.yaml (fake values) and
the variables Lambda sets, and prints the time measured around the import inside the child.
Scenarios run interleaved, round after round, so slow moments of the machine hit all of them.

Figures, never a pass/fail: timings on a small shared machine are noisy; compare medians and
ratios measured in the same run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
FUNCTION_DIR = ROOT / "functions" / "register"
LAYER_DIR = ROOT / "layers" / "common"
TEMPLATE = ROOT / "template.yaml"
HEALTH_EVENT = ROOT / "events" / "health.json"
FUNCTION_ID = "RegisterFunction"
DEFAULT_RUNS = 15

# What the child runs. `{paths}` go first on sys.path, like /var/task and /opt/python in Lambda.
_CHILD = """
import json, sys, time
sys.path[:0] = {paths!r}
out = {{}}
t0 = time.perf_counter()
{import_stmt}
out["import_s"] = time.perf_counter() - t0
{after}
print("BENCH " + json.dumps(out), flush=True)
"""

# After the import: the first request (no AWS call: GET /health), then a second one.
_INVOKE_HEALTH = """
class _Context:
    function_name = "register"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-southeast-3:123456789012:function:register"
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/register"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 10_000
with open({event!r}, encoding="utf-8") as f:
    event = json.load(f)
t0 = time.perf_counter()
assert app.lambda_handler(event, _Context())["statusCode"] == 200
out["first_invoke_s"] = time.perf_counter() - t0
t0 = time.perf_counter()
app.lambda_handler(event, _Context())
out["second_invoke_s"] = time.perf_counter() - t0
"""

# What tracing would cost once code uses `sutasoma.runtime.observability.tracer` (today nothing does, so
# the lazy tracer is never built, whatever POWERTOOLS_TRACE_DISABLED says).
_MATERIALISE_TRACER = """
t0 = time.perf_counter()
from sutasoma.runtime.observability import tracer
tracer.provider
out["tracer_init_s"] = time.perf_counter() - t0
"""


# The boto3 clients a cold registration creates: dynamodb and sqs through sutasoma.adapters.aws.client()
# (a new boto3 Session each), secretsmanager through Powertools' get_secret (a new Session too),
# against the same three from one shared Session. boto3 is imported before the clock starts.
_CLIENTS_AS_TODAY = """
from sutasoma.adapters import aws
from sutasoma.adapters import secrets
t0 = time.perf_counter()
aws.client("dynamodb")
aws.client("sqs")
secrets._provider()  # Powertools' SecretsProvider over our secretsmanager client
out["clients_s"] = time.perf_counter() - t0
"""
_CLIENTS_SESSION_EACH = """
from sutasoma.adapters import aws
t0 = time.perf_counter()
config = getattr(aws, "_CONFIG", None)
for service in ("dynamodb", "sqs", "secretsmanager"):
    boto3.session.Session().client(service, config=config)
out["clients_s"] = time.perf_counter() - t0
"""


@dataclass
class Scenario:
    name: str
    label: str
    import_stmt: str
    after: str = ""
    env: dict[str, str] = field(default_factory=dict)
    unset: tuple[str, ...] = ()
    paths: tuple[str, ...] = (str(FUNCTION_DIR), str(LAYER_DIR))
    section: str = "import"  # "import": the cold-start table; "clients": client creation
    max_runs: int | None = None


@dataclass
class Samples:
    scenario: Scenario
    values: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


# ------------------------------------------------------------------------------ environment


class _CfnLoader(yaml.SafeLoader):
    """Reads template.yaml with its short-form intrinsics (`!Ref X` -> {"Ref": "X"})."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        return {name: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node, deep=True)}
    return {name: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _intrinsic)


def function_environment(function_id: str = FUNCTION_ID) -> dict[str, str]:
    """A function's variables per template.yaml, references replaced by fake values."""
    template = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506
    parameters = template.get("Parameters", {})
    variables: dict[str, Any] = {}
    variables.update(template["Globals"]["Function"]["Environment"]["Variables"])
    function = template["Resources"][function_id]["Properties"]
    variables.update((function.get("Environment") or {}).get("Variables") or {})
    env: dict[str, str] = {}
    for name, value in variables.items():
        if isinstance(value, dict) and "Ref" in value:
            default = parameters.get(value["Ref"], {}).get("Default")
            env[name] = str(default) if default is not None else f"fake-{value['Ref']}"
        elif isinstance(value, dict):
            env[name] = f"fake-{name.lower()}"
        else:
            env[name] = str(value)
    if "BPJS_QUEUE_URL" in env:
        env["BPJS_QUEUE_URL"] = "http://127.0.0.1:9/123456789012/fake-bpjs-outbound.fifo"
    if "NIK_HASH_SECRET_ARN" in env:
        env["NIK_HASH_SECRET_ARN"] = (
            "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:fake-nik-hash-key-AbCdEf"  # noqa: S105
        )
    return env


def child_environment() -> dict[str, str]:
    """A Lambda-like environment: fake credentials, no AWS reachable, the function's variables."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_", "_X_AMZN", "PYTHON"))
    }
    base.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": "ap-southeast-3",
            "AWS_DEFAULT_REGION": "ap-southeast-3",
            "AWS_EC2_METADATA_DISABLED": "true",
            # Nothing is called during these runs; if something were, it would go nowhere.
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            # What Lambda sets: Powertools' Tracer only turns on inside Lambda (LAMBDA_TASK_ROOT).
            "LAMBDA_TASK_ROOT": str(FUNCTION_DIR),
            "AWS_LAMBDA_FUNCTION_NAME": "register",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        }
    )
    base.update(function_environment())
    return base


_LIST_LAYER_PACKAGES = """
import json, sys, sysconfig
sys.path[:0] = {paths!r}
import app
site = sysconfig.get_paths()["purelib"]
found = set()
for module in list(sys.modules.values()):
    path = getattr(module, "__file__", None) or ""
    if path.startswith(site + "/"):
        found.add(path[len(site) + 1 :].split("/")[0])
print(json.dumps({{"site": site, "entries": sorted(found)}}))
"""


def _layer_dependencies(env: dict[str, str]) -> tuple[Path, list[str]]:
    """site-packages and the entries in it (packages, single-file modules) the handler imports."""
    code = _LIST_LAYER_PACKAGES.format(paths=[str(FUNCTION_DIR), str(LAYER_DIR)])
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "POWERTOOLS_TRACE_DISABLED": "true"},
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Path(found["site"]), [e for e in found["entries"] if not e.endswith(".pth")]


@dataclass(frozen=True)
class NoBytecodeCopies:
    function: str  # functions/register, no .pyc
    own: str  # only the sutasoma package, no .pyc (dependencies keep theirs from the venv)
    layer: str  # sutasoma and every dependency the handler imports, no .pyc anywhere


@contextmanager
def _copies_without_bytecode(env: dict[str, str]) -> Iterator[NoBytecodeCopies]:
    """Copies of the code with no __pycache__ anywhere, first on sys.path in the child.

    With PYTHONDONTWRITEBYTECODE the child compiles them at every start, like a read-only
    Lambda file system that was shipped no bytecode.
    """
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    site, entries = _layer_dependencies(env)
    with tempfile.TemporaryDirectory(prefix="sutasoma-bench-") as tmp:
        copies = NoBytecodeCopies(f"{tmp}/function", f"{tmp}/own", f"{tmp}/layer")
        shutil.copytree(FUNCTION_DIR, copies.function, ignore=ignore)
        shutil.copytree(LAYER_DIR / "sutasoma", f"{copies.own}/sutasoma", ignore=ignore)
        shutil.copytree(LAYER_DIR / "sutasoma", f"{copies.layer}/sutasoma", ignore=ignore)
        for entry in entries:
            source = site / entry
            if source.is_dir():
                shutil.copytree(source, f"{copies.layer}/{entry}", ignore=ignore)
            elif source.suffix == ".py":
                shutil.copy2(source, f"{copies.layer}/{entry}")
            # a top-level compiled extension (.so) has nothing to compile: left to the venv
        yield copies


def scenarios(copies: NoBytecodeCopies) -> list[Scenario]:
    health = _INVOKE_HEALTH.format(event=str(HEALTH_EVENT))
    return [
        Scenario("boto3", "import boto3 (baseline)", "import boto3"),
        Scenario(
            "handler_trace_off",
            "handler, POWERTOOLS_TRACE_DISABLED=true",
            "import app",
            after=health,
            env={"POWERTOOLS_TRACE_DISABLED": "true"},
        ),
        Scenario(
            "handler_trace_on",
            "handler, tracing on (as deployed)",
            "import app",
            after=health + _MATERIALISE_TRACER,
            unset=("POWERTOOLS_TRACE_DISABLED",),
        ),
        Scenario(
            "handler_no_pyc_own",
            "handler, no .pyc for sutasoma + app.py",
            "import app",
            after=health,
            env={"POWERTOOLS_TRACE_DISABLED": "true", "PYTHONDONTWRITEBYTECODE": "1"},
            paths=(copies.function, copies.own),
        ),
        Scenario(
            "handler_no_pyc_layer",
            "handler, no .pyc in the whole layer",
            "import app",
            after=health,
            env={"POWERTOOLS_TRACE_DISABLED": "true", "PYTHONDONTWRITEBYTECODE": "1"},
            paths=(copies.function, copies.layer),
            max_runs=8,  # ~1.3 s a run: enough for a median
        ),
        Scenario(
            "clients_today",
            "sutasoma.adapters.aws: one Session, 3 clients + SecretsProvider",
            "import boto3",
            after=_CLIENTS_AS_TODAY,
            section="clients",
        ),
        Scenario(
            "clients_each",
            "reference: a new boto3 Session per client",
            "import boto3",
            after=_CLIENTS_SESSION_EACH,
            section="clients",
        ),
    ]


# ------------------------------------------------------------------------------ running


def _run_child(scenario: Scenario, env: dict[str, str]) -> dict[str, float]:
    code = _CHILD.format(paths=list(scenario.paths), import_stmt=scenario.import_stmt, after=scenario.after)
    child_env = {k: v for k, v in {**env, **scenario.env}.items() if k not in scenario.unset}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=child_env,
        cwd=tempfile.gettempdir(),  # nothing of the repository importable by accident
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            return {k: float(v) for k, v in json.loads(line[len("BENCH ") :]).items()}
    raise RuntimeError(f"{scenario.name}: child failed (rc {done.returncode}):\n{done.stderr[-2000:]}")


def measure(runs: int = DEFAULT_RUNS) -> dict[str, Samples]:
    env = child_environment()
    with _copies_without_bytecode(env) as copies:
        plan = scenarios(copies)
        results = {s.name: Samples(s) for s in plan}
        for scenario in plan:  # one discarded warm-up each: fills the OS file cache
            _run_child(scenario, env)
        for round_number in range(runs):
            for scenario in plan:
                if scenario.max_runs is not None and round_number >= scenario.max_runs:
                    continue
                for key, value in _run_child(scenario, env).items():
                    results[scenario.name].values[key].append(value)
    return results


# ------------------------------------------------------------------------------ -X importtime

_IMPORTTIME_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


@dataclass
class ImportProfile:
    total_us: int
    top_cumulative: list[tuple[str, int]]  # (module, cumulative µs), nested modules included
    by_package: list[tuple[str, int]]  # (top-level package, summed self µs)


def import_profile(top: int = 10) -> ImportProfile:
    """`python -X importtime` of the handler import: where the time goes (inflated by the tracing)."""
    env = {**child_environment(), "POWERTOOLS_TRACE_DISABLED": "true"}
    code = f"import sys; sys.path[:0] = {[str(FUNCTION_DIR), str(LAYER_DIR)]!r}; import app"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows: list[tuple[str, int, int, int]] = []  # name, self, cumulative, depth
    for line in done.stderr.splitlines():
        match = _IMPORTTIME_LINE.match(line)
        if match:
            self_us, cumulative_us, indent, name = match.groups()
            rows.append((name, int(self_us), int(cumulative_us), (len(indent) - 1) // 2))
    total = sum(cumulative for _, _, cumulative, depth in rows if depth == 0)
    # Nested chains repeat the same cost at every level (app > sutasoma.api.resolver > powertools ...):
    # the list shows them all, which is how -X importtime reads; the package sums do not overlap.
    cumulative = sorted(((name, cum) for name, _, cum, _ in rows if name != "app"), key=lambda r: -r[1])
    packages: dict[str, int] = defaultdict(int)
    for name, self_us, _, _ in rows:
        packages[name.split(".")[0]] += self_us
    return ImportProfile(
        total_us=total,
        top_cumulative=cumulative[:top],
        by_package=sorted(packages.items(), key=lambda r: -r[1])[:top],
    )


# ------------------------------------------------------------------------------ report


def median(values: list[float]) -> float:
    return statistics.median(values)


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.9 * len(ordered)) - 1))]


def report(results: dict[str, Samples], profile: ImportProfile | None, runs: int) -> str:
    ms = 1000.0
    lines = [f"Cold start, register function (n fresh interpreters per scenario, interleaved, {runs} rounds)"]
    header = f"  {'scenario':<42} {'n':>3} {'import med':>10} {'p90':>8} {'x boto3':>8} {'1st req':>8} {'2nd req':>8}"
    lines.append(header)
    lines.append("  " + "-" * (len(header) - 2))
    base = median(results["boto3"].values["import_s"])
    for samples in results.values():
        if samples.scenario.section != "import":
            continue
        imports = samples.values["import_s"]
        first = samples.values.get("first_invoke_s")
        second = samples.values.get("second_invoke_s")
        lines.append(
            f"  {samples.scenario.label:<42} {len(imports):>3} {median(imports) * ms:>8.0f}ms "
            f"{p90(imports) * ms:>6.0f}ms "
            f"{median(imports) / base:>7.2f}x "
            + (f"{median(first) * ms:>6.1f}ms " if first else f"{'-':>8} ")
            + (f"{median(second) * ms:>6.1f}ms" if second else f"{'-':>8}")
        )
    tracer = results["handler_trace_on"].values.get("tracer_init_s")
    if tracer:
        lines.append(
            f"  + building Powertools Tracer (X-Ray SDK, patching) if code used it: "
            f"{median(tracer) * ms:.0f}ms median, {p90(tracer) * ms:.0f}ms p90"
        )
    lines.append("  (1st/2nd req: GET /health through lambda_handler right after the import; no AWS call)")

    clients = [s for s in results.values() if s.scenario.section == "clients"]
    if clients:
        lines.append("")
        lines.append(
            "  Creating the dynamodb + sqs + secretsmanager clients of a cold registration (boto3 imported)"
        )
        for samples in clients:
            values = samples.values["clients_s"]
            lines.append(
                f"  {samples.scenario.label:<52} {median(values) * ms:>6.0f}ms {p90(values) * ms:>6.0f}ms p90"
            )
        today, each = (median(s.values["clients_s"]) for s in clients[:2])
        lines.append(f"  {'difference (what the shared Session saves)':<52} {(each - today) * ms:>6.0f}ms")

    if profile is not None:
        lines.append("")
        lines.append(
            f"  -X importtime of `import app` (total {profile.total_us / 1000:.0f}ms, inflated by "
            "the measurement itself)"
        )
        lines.append(f"  {'top cumulative (nested: a parent includes its children)':<58} {'ms':>7}")
        for name, cumulative in profile.top_cumulative:
            lines.append(f"    {name:<56} {cumulative / 1000:>7.1f}")
        lines.append(f"  {'self time summed by top-level package':<58} {'ms':>7}")
        for name, self_us in profile.by_package:
            lines.append(f"    {name:<56} {self_us / 1000:>7.1f}")
    return "\n".join(lines)


def run(runs: int = DEFAULT_RUNS, profile: bool = True) -> str:
    started = time.perf_counter()
    results = measure(runs)
    text = report(results, import_profile() if profile else None, runs)
    return f"{text}\n  ({time.perf_counter() - started:.0f}s)"


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_RUNS))
