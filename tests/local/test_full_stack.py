"""The complete local stack itself (the session's full stack, tests/conftest.py): the simulator,
event sources and schedules it names and runs, the functions pointed at the simulator, and
`python -m local.invoke` against it. (Moved from tests/e2e/test_local_bpjs.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest

from local.template.template import Template
from tests.support.local_stack import REPO_ROOT, StackProcess, stack_environment

pytestmark = pytest.mark.e2e


def test_the_descriptor_names_the_simulator_event_sources_and_schedules(
    full_stack: StackProcess, simulator: httpx.Client
) -> None:
    stack = full_stack.descriptor
    assert httpx.URL(stack["bpjs_simulator_url"]).host == "127.0.0.1"
    assert simulator.get("/_sim/health").json() == {"status": "ok"}
    assert simulator.get("/_sim/config").json()["callback_url"] == f"{stack['api_url']}/bpjs/callbacks"
    sources = {(source["function"], source["event"]) for source in stack["event_sources"]}
    assert sources == {
        ("BpjsSyncFunction", "Outbound"), ("ImportChunkFunction", "Chunks"), ("ImportChunkFunction", "Failed"),
        ("ReconcileFunction", "Segments"),
    }  # fmt: skip
    for source in stack["event_sources"]:
        assert (
            source["polled"] and source["report_batch_item_failures"] and source["maximum_concurrency"] >= 2
        )
    assert stack["schedules"]["OutboxSweeperFunction.Sweep"]["local_every_seconds"] == 2
    assert {"BpjsDlqNotEmptyAlarm", "BpjsFailureRateAlarm", "ReportNotGeneratedAlarm"} <= set(stack["alarms"])
    assert set(stack["topics"]) == {"AlarmTopic"}


def test_the_functions_call_the_simulator_not_bpjs(full_stack: StackProcess) -> None:
    stack = full_stack.descriptor
    functions = json.loads((full_stack.state_dir / "functions.json").read_text())["functions"]
    assert functions["BpjsSyncFunction"]["environment"]["BPJS_BASE_URL"] == stack["bpjs_simulator_url"]


def test_the_outbox_sweeper_schedule_fires(full_stack: StackProcess) -> None:
    deadline = time.monotonic() + 10
    while "OutboxSweeperFunction.Sweep fired for" not in full_stack.log_text():
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_invoke_runs_a_function_once_against_the_running_stack(full_stack: StackProcess) -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "local.invoke",
            "DlqRedriveFunction",
            "--state-dir",
            str(full_stack.state_dir),
        ],
        cwd=REPO_ROOT,
        env=stack_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout[result.stdout.rindex("{\n") :]) == {"moved": 0}

    unknown = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "local.invoke", "NoSuchFunction", "--state-dir", str(full_stack.state_dir)],
        cwd=REPO_ROOT,
        env=stack_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert unknown.returncode == 2 and "DlqRedriveFunction" in unknown.stderr


def test_sam_env_points_every_function_at_the_running_stack(full_stack: StackProcess) -> None:
    """`make sam-env`: each function's variables as the running stack resolved them, moto as the
    endpoint; a handler started with them alone (as `sam local invoke` starts it in its container)
    runs against the stack."""
    out = full_stack.state_dir / "sam-env.json"
    made = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "local.sam_env", "--state-dir", str(full_stack.state_dir), "--out", str(out)],
        cwd=REPO_ROOT, env=stack_environment(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    variables = json.loads(out.read_text())
    stack = full_stack.descriptor
    functions = json.loads((full_stack.state_dir / "functions.json").read_text())["functions"]
    assert set(variables) == set(functions)
    template = Template(REPO_ROOT / "template.yaml")
    for name, env in variables.items():
        assert env["AWS_ENDPOINT_URL"] == stack["aws_endpoint_url"], name
        assert env["TABLE_NAME"] == stack["tables"]["DomainTable"], name
        assert env["POWERTOOLS_TRACE_DISABLED"] == "true", name
        # SAM applies a value only to a variable the template declares (Globals or the function's).
        declared = set((template.properties(name).get("Environment") or {}).get("Variables") or {})
        assert set(env) <= declared, (name, set(env) - declared)
    # The container's view as SAM builds it: the file's values of the declared variables, and
    # the credentials and region (AWS_REGION and AWS_DEFAULT_REGION) of the shell that runs
    # `sam local` (fake ones; moto's region by `--region`).
    region = stack["region"]
    shell = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    shell |= {"AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    code = (
        "import json, sys; sys.path[:0] = ['functions/report', 'layers/common']; import app; "
        "print(json.dumps(app.lambda_handler(json.load(open('events/report_watchdog.json')), None)))"
    )
    ran = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], cwd=REPO_ROOT, env={"PATH": "/usr/bin:/bin", **shell, **variables["ReportFunction"]},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert json.loads(ran.stdout.strip().splitlines()[-1]) == {"period": "2026-11", "report_present": False}
    hosted = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "local.sam_env", "--state-dir", str(full_stack.state_dir), "--out", str(out),
         "--host", "host.docker.internal"],
        cwd=REPO_ROOT, env=stack_environment(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert hosted.returncode == 0
    sync = json.loads(out.read_text())["BpjsSyncFunction"]
    assert sync["AWS_ENDPOINT_URL"].startswith("http://host.docker.internal:")
    assert sync["BPJS_BASE_URL"].startswith("http://host.docker.internal:")
