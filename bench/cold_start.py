"""Cold start of every function, against the boto3 baseline, and the register function in detail.

Every sample is a fresh interpreter (`subprocess.run([sys.executable, "-c", ...])`) that imports
the handler the way the Lambda runtime does (`sys.path` starts with the function's code and the
layer, then `import app`), with the function's environment from template.yaml (fake values,
parameters at their defaults: tracing as deployed) and the variables Lambda sets, and prints the
time measured around the import inside the child. Scenarios run interleaved, round after round,
so slow moments of the machine hit all of them.

The baseline is what any function that touches AWS pays: `import boto3; boto3.client("dynamodb")`
(the issue's definition); `import boto3` alone is printed too. With `--before REF` the same
functions of another commit (extracted with `git archive`, its own template's environment) run
in the same rounds: before and after from one run.

Figures, never a pass/fail: timings on a small shared machine are noisy; compare medians and
ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
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
BASELINE = 'import boto3; boto3.client("dynamodb")'

# What the child runs. `{paths}` go first on sys.path, like /var/task and /opt/python in Lambda.
_CHILD = """
import json, sys, time
sys.path[:0] = {paths!r}
out = {{}}
c0, t0 = time.process_time(), time.perf_counter()
{import_stmt}
out["import_s"] = time.perf_counter() - t0
out["import_cpu_s"] = time.process_time() - c0
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
    base_env: dict[str, str] | None = None  # the whole environment, instead of the run's common one


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


def _load_template(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # type: ignore[no-any-return]  # noqa: S506


def _condition(template: dict[str, Any], node: Any, parameters: dict[str, Any]) -> Any:
    """A condition of the template, on parameter values (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Ref)."""
    if isinstance(node, dict) and len(node) == 1:
        ((name, arg),) = node.items()
        if name == "Ref":
            return parameters.get(arg, f"fake-{arg}")
        if name == "Condition":
            return _condition(template, template["Conditions"][arg], parameters)
        if name == "Fn::Equals":
            return str(_condition(template, arg[0], parameters)) == str(
                _condition(template, arg[1], parameters)
            )
        if name == "Fn::Not":
            return not _condition(template, arg[0], parameters)
        if name == "Fn::And":
            return all(_condition(template, a, parameters) for a in arg)
        if name == "Fn::Or":
            return any(_condition(template, a, parameters) for a in arg)
    return node


def _value(template: dict[str, Any], name: str, value: Any, parameters: dict[str, Any]) -> str:
    if isinstance(value, dict) and "Fn::If" in value:
        condition, when_true, when_false = value["Fn::If"]
        chosen = (
            when_true if _condition(template, template["Conditions"][condition], parameters) else when_false
        )
        return _value(template, name, chosen, parameters)
    if isinstance(value, dict) and "Ref" in value:
        given = parameters.get(value["Ref"])
        return str(given) if given is not None else f"fake-{value['Ref']}"
    if isinstance(value, dict):
        return f"fake-{name.lower()}"
    return str(value)


def function_environment(
    function_id: str = FUNCTION_ID, template_path: Path = TEMPLATE, parameters: dict[str, str] | None = None
) -> dict[str, str]:
    """A function's variables per template.yaml: parameters at their defaults (or `parameters`),
    conditions evaluated on them, other references replaced by fake values."""
    template = _load_template(template_path)
    values = {name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()}
    values.update(parameters or {})
    variables: dict[str, Any] = {}
    variables.update(template["Globals"]["Function"]["Environment"]["Variables"])
    function = template["Resources"][function_id]["Properties"]
    variables.update((function.get("Environment") or {}).get("Variables") or {})
    # AWS_ENDPOINT_URL stays the child's own (nowhere), not the template's empty one (AWS).
    variables.pop("AWS_ENDPOINT_URL", None)
    env = {name: _value(template, name, value, values) for name, value in variables.items()}
    for name in [n for n in env if n.endswith("_QUEUE_URL") or n.endswith("_DLQ_URL")]:
        env[name] = f"http://127.0.0.1:9/123456789012/fake-{name.lower().replace('_', '-')}"
    for name in [n for n in env if n.endswith("_SECRET_ARN")]:
        env[name] = f"arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:fake-{name.lower()}-AbCdEf"
    return env


def template_functions(template_path: Path = TEMPLATE) -> dict[str, str]:
    """folder name under functions/ -> logical id, for every function of the template."""
    resources = _load_template(template_path)["Resources"]
    found = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::Serverless::Function":
            code = str(resource["Properties"].get("CodeUri", ""))
            if code.startswith("functions/"):
                found[code.removeprefix("functions/").strip("/")] = logical_id
    return dict(sorted(found.items()))


def child_environment(
    function_id: str = FUNCTION_ID,
    code_dir: Path = FUNCTION_DIR,
    template_path: Path = TEMPLATE,
    parameters: dict[str, str] | None = None,
) -> dict[str, str]:
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
            "LAMBDA_TASK_ROOT": str(code_dir),
            "AWS_LAMBDA_FUNCTION_NAME": code_dir.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        }
    )
    base.update(function_environment(function_id, template_path, parameters))
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
            "handler, as deployed (no X-Ray SDK)",
            "import app",
            after=health,
            env={"POWERTOOLS_TRACE_DISABLED": "true"},
        ),
        Scenario(
            "handler_trace_on",
            "handler, TraceAwsCalls=true (X-Ray SDK)",
            "import app",
            after=health,
            env={"POWERTOOLS_TRACE_DISABLED": "false"},
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
    base = scenario.base_env if scenario.base_env is not None else env
    child_env = {k: v for k, v in {**base, **scenario.env}.items() if k not in scenario.unset}
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


# ------------------------------------------------------------------------------ every function


@dataclass(frozen=True)
class Tree:
    """A checkout whose functions are measured: this one, or another commit's (`--before`)."""

    key: str  # "after" or "before"
    label: str
    root: Path


@contextmanager
def trees(before: str | None) -> Iterator[list[Tree]]:
    """This tree, and `before` (a commit) extracted with `git archive` into a temporary folder."""
    found = [Tree("after", "this tree", ROOT)]
    if not before:
        yield found
        return
    git = shutil.which("git") or "git"
    commit = subprocess.run(
        [git, "rev-parse", "--short", before], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="sutasoma-before-") as tmp:
        archive = subprocess.run([git, "archive", commit], cwd=ROOT, capture_output=True, check=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tree:
            tree.extractall(tmp, filter="data")
        yield [Tree("before", f"before ({commit})", Path(tmp)), *found]


BASELINES = (
    Scenario("boto3", "import boto3", "import boto3", paths=()),
    Scenario("baseline", BASELINE, BASELINE, paths=()),
)


def function_scenarios(tree: Tree, sdk: bool) -> list[Scenario]:
    """`import app` of every function of `tree`, parameters at their defaults (or TraceAwsCalls=true)."""
    template = tree.root / "template.yaml"
    layer = tree.root / "layers" / "common"
    plan = []
    for name, logical_id in template_functions(template).items():
        code_dir = tree.root / "functions" / name
        parameters = {"TraceAwsCalls": "true"} if sdk else None
        plan.append(
            Scenario(
                f"{tree.key}{'+sdk' if sdk else ''}:{name}",
                name,
                "import app",
                paths=(str(code_dir), str(layer)),
                base_env=child_environment(logical_id, code_dir, template, parameters),
            )
        )
    return plan


@dataclass
class FunctionColds:
    samples: dict[str, list[float]]  # scenario name -> import seconds (wall clock)
    cpu: dict[str, list[float]]  # scenario name -> import seconds of CPU (the child's process time)
    trees: list[Tree]
    runs: int

    def median_ms(self, name: str, cpu: bool = False) -> float | None:
        values = (self.cpu if cpu else self.samples).get(name)
        return statistics.median(values) * 1000 if values else None

    def functions(self) -> list[str]:
        return sorted({name.split(":", 1)[1] for name in self.samples if ":" in name})

    def medians(self) -> dict[str, float]:
        """scenario name -> median ms (what bench/table.py reads)."""
        return {name: statistics.median(v) * 1000 for name, v in self.samples.items() if v}


def measure_functions(runs: int = DEFAULT_RUNS, before: str | None = None, sdk: bool = True) -> FunctionColds:
    """The baselines and every function (as deployed; with the SDK; `before`'s), interleaved."""
    with trees(before) as chosen:
        plan = list(BASELINES)
        for tree in chosen:
            plan += function_scenarios(tree, sdk=False)
        if sdk:
            plan += function_scenarios(chosen[-1], sdk=True)
        common = child_environment()
        for scenario in plan:  # one discarded warm-up each: fills the OS file cache
            _run_child(scenario, common)
        samples: dict[str, list[float]] = {s.name: [] for s in plan}
        cpu: dict[str, list[float]] = {s.name: [] for s in plan}
        for _ in range(runs):
            for scenario in plan:
                measured = _run_child(scenario, common)
                samples[scenario.name].append(measured["import_s"])
                cpu[scenario.name].append(measured["import_cpu_s"])
        return FunctionColds(samples, cpu, chosen, runs)


def _cell(value: float | None, base: float, width: int) -> str:
    return f"{value:>{width - 9}.0f}ms {value / base:>6.2f}x" if value else f"{'-':>{width}}"


def functions_report(colds: FunctionColds) -> str:
    base, boto3_only = colds.median_ms("baseline") or 1.0, colds.median_ms("boto3") or 1.0
    base_cpu = colds.median_ms("baseline", cpu=True) or 1.0
    before = next((t for t in colds.trees if t.key == "before"), None)
    lines = [
        f"Cold start of every function: `import app`, median of {colds.runs} fresh interpreters each, "
        "interleaved; template parameters at their defaults (TraceAwsCalls=false: no X-Ray SDK)",
        f"  baseline `{BASELINE}`: {base:.0f} ms (CPU {base_cpu:.0f} ms);  `import boto3` alone: "
        f"{boto3_only:.0f} ms.  x = times the baseline; CPU = the child's process time, steadier on a busy machine",
    ]
    head = f"  {'function':<16}" + (f" {before.label:>17}" if before else "")
    head += f" {'as deployed':>17} {'x import boto3':>14} {'CPU x':>6} {'TraceAwsCalls=true':>19}"
    lines += [head, "  " + "-" * (len(head) - 2)]
    for name in colds.functions():
        now = colds.median_ms(f"after:{name}")
        cpu = colds.median_ms(f"after:{name}", cpu=True)
        row = f"  {name:<16}" + (f" {_cell(colds.median_ms(f'before:{name}'), base, 17)}" if before else "")
        row += f" {_cell(now, base, 17)} {(now or 0) / boto3_only:>13.2f}x {(cpu or 0) / base_cpu:>5.2f}x"
        row += f" {_cell(colds.median_ms(f'after+sdk:{name}'), base, 19)}"
        lines.append(row)
    afters = {n: colds.median_ms(f"after:{n}") or 0.0 for n in colds.functions()}
    if afters:
        worst = max(afters, key=afters.__getitem__)
        lines.append(
            f"  worst as deployed: {worst} {afters[worst] / base:.2f}x the baseline (target 1.5x, aim 1.3x)"
        )
    return "\n".join(lines)


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
    lines = [
        f"Cold start, the register function in detail (n fresh interpreters per scenario, interleaved, {runs} rounds)"
    ]
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


def run(
    runs: int = DEFAULT_RUNS, profile: bool = True, before: str | None = None, detail: bool = True
) -> str:
    """Every function's cold start (with `before`'s in the same rounds), then the register function
    in detail; the medians of every function are also printed as one JSON line for bench/table.py."""
    started = time.perf_counter()
    colds = measure_functions(runs, before)
    parts = [functions_report(colds)]
    if detail:
        results = measure(runs)
        parts.append(report(results, import_profile() if profile else None, runs))
    parts.append(f"{MEDIANS_PREFIX}{json.dumps(colds.medians())}")
    return "\n\n".join(parts) + f"\n  ({time.perf_counter() - started:.0f}s)"


MEDIANS_PREFIX = "  cold-start medians (ms): "


def medians_from(text: str | None) -> dict[str, float] | None:
    """The JSON line `run` prints, read back (bench/table.py takes the figures of the same run)."""
    for line in (text or "").splitlines():
        if line.startswith(MEDIANS_PREFIX):
            return {k: float(v) for k, v in json.loads(line[len(MEDIANS_PREFIX) :]).items()}
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="fresh interpreters per scenario")
    parser.add_argument("--before", help="a commit whose functions run in the same rounds (git archive)")
    parser.add_argument("--no-profile", action="store_true", help="skip the -X importtime breakdown")
    parser.add_argument(
        "--no-detail", action="store_true", help="every function only, not the register detail"
    )
    args = parser.parse_args(argv)
    print(run(args.runs, profile=not args.no_profile, before=args.before, detail=not args.no_detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
