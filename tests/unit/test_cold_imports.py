"""What each function imports at cold start: libraries a function's routes never use stay out.

Times are measured by bench/cold_start.py, never asserted here; what is asserted is which modules
the import of each handler loads, in a fresh interpreter set up the way Lambda does it (the
function's code and the layer first on sys.path, LAMBDA_TASK_ROOT set so that Powertools' Tracer
is on and X-Ray patches what it is told to).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bench.cold_start import function_environment

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())

EVENT_CONSUMERS = {"audit_archive", "document_check", "import_chunk"}

# Module -> the functions allowed to import it at cold start, and why it is heavy.
HEAVY = {
    # The X-Ray SDK: only where TraceAwsCalls=true (POWERTOOLS_TRACE_DISABLED=false), never by default.
    "aws_xray_sdk": set(),
    # Claim shapes and rules: only the claim function answers with them (api.presenters is lazy).
    "sutasoma.api.models.claims": {"claim"},
    "sutasoma.app.claims": {"claim"},
    # The ULID library reads its package metadata at import: ids are made on request.
    "ulid": set(),
    # Powertools' other resolvers (and asyncio with them): the event handler package is lazy
    # (sutasoma.api.http), an HTTP function loads the HTTP API resolver only.
    "aws_lambda_powertools.event_handler.appsync": set(),
    "aws_lambda_powertools.event_handler.bedrock_agent": set(),
    "aws_lambda_powertools.event_handler.vpc_lattice": set(),
    "httpx": {"bpjs_sync"},  # the BPJS client's HTTP library: only the queue consumer calls BPJS
    "xlsxwriter": set(),  # the XLSX report file, written on request by the report function
    "aws_lambda_powertools.event_handler.openapi.models": set(),  # OpenAPI models: /docs only
    "aws_lambda_powertools.utilities.batch": {
        "bpjs_sync",
        "audit_archive",
        "import_chunk",
    },  # batch consumers
    "openpyxl": set(),  # reads an uploaded workbook: import_validate, once a file is checked
    # The data classes of every other event source: an HTTP function loads the HTTP API's only (the
    # package is lazy there: sutasoma.runtime.lazy_packages); the event consumers that take the
    # batch utility or the S3 event class load the package whole.
    "aws_lambda_powertools.utilities.data_classes.appsync_resolver_event": EVENT_CONSUMERS,
    "aws_lambda_powertools.utilities.data_classes.kafka_event": EVENT_CONSUMERS,
}

LOGICAL_IDS = {
    "audit_archive": "AuditArchiveFunction", "bpjs_callback": "BpjsCallbackFunction", "bpjs_sync": "BpjsSyncFunction",
    "claim": "ClaimFunction", "dlq_redrive": "DlqRedriveFunction", "document_check": "DocumentCheckFunction",
    "outbox_sweeper": "OutboxSweeperFunction", "pay": "PayFunction", "reconcile": "ReconcileFunction",
    "register": "RegisterFunction", "report": "ReportFunction",
    "imports": "ImportsFunction", "import_validate": "ImportValidateFunction", "import_chunk": "ImportChunkFunction",
    "token_gate": "TokenGateFunction",
}  # fmt: skip

_CHILD = """
import json, sys
sys.path[:0] = {paths!r}
import app
{then}
print(json.dumps(sorted(sys.modules)))
"""


def imported_by(function: str, parameters: dict[str, str] | None = None, then: str = "") -> set[str]:
    code_dir = ROOT / "functions" / function
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="ap-southeast-3",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",  # nothing is called; if it were, it would go nowhere
        LAMBDA_TASK_ROOT=str(code_dir),
        AWS_LAMBDA_FUNCTION_NAME=function,
        AWS_XRAY_CONTEXT_MISSING="IGNORE_ERROR",
        POWERTOOLS_SERVICE_NAME="sutasoma",
    )
    # The function's variables (fake values): its settings are validated when it starts.
    env.update(function_environment(LOGICAL_IDS[function], parameters=parameters))
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [
            sys.executable,
            "-c",
            _CHILD.format(paths=[str(code_dir), str(ROOT / "layers" / "common")], then=then),
        ],
        env=env,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def modules() -> dict[str, set[str]]:
    return {function: imported_by(function) for function in FUNCTIONS}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_cold_start_imports_only_what_the_function_uses(function: str, modules: dict[str, set[str]]) -> None:
    loaded = modules[function]
    assert "app" in loaded and "sutasoma" in loaded
    unexpected = {name for name, allowed in HEAVY.items() if name in loaded and function not in allowed}
    assert not unexpected, f"{function} imports {sorted(unexpected)} at cold start"


def test_every_function_imports_boto3_at_init(modules: dict[str, set[str]]) -> None:
    """Each function calls AWS in its first request: boto3 is imported in the init phase (as the
    benchmark's baseline), not deferred into that request."""
    assert [f for f in FUNCTIONS if "boto3" not in modules[f]] == []


def test_the_queue_consumer_loads_its_use_case_at_init(modules: dict[str, set[str]]) -> None:
    """Every batch runs BpjsSync: loaded in the init phase, not left to the first batch (which would
    make the init look cheaper and the first batch slower by as much)."""
    assert {"sutasoma.app.bpjs_sync", "sutasoma.app.bpjs_batch"} <= modules["bpjs_sync"]


@pytest.mark.parametrize("function", ["register", "bpjs_sync"])
def test_trace_aws_calls_loads_the_sdk_and_patches(function: str) -> None:
    """TraceAwsCalls=true: Powertools' Tracer is built at init and patches botocore, so every AWS
    call is a subsegment; the BPJS client patches httpx when it is loaded (the first message)."""
    loaded = imported_by(function, {"TraceAwsCalls": "true"}, then="import sutasoma.adapters.bpjs_client")
    assert "aws_xray_sdk.core" in loaded and "aws_xray_sdk.ext.botocore.patch" in loaded
    assert "aws_xray_sdk.ext.httpx.patch" in loaded
    untraced = imported_by(function, then="import sutasoma.adapters.bpjs_client")
    assert not {m for m in untraced if m.startswith("aws_xray_sdk")}


def test_no_function_looks_for_pydantic_plugins() -> None:
    """PYDANTIC_DISABLE_PLUGINS (the template's Globals): otherwise the first model built at cold
    start reads every installed distribution's metadata, looking for plugins we do not use."""
    probe = (
        "from pydantic import BaseModel\n"
        "class Probe(BaseModel):\n    n: int\n"
        "Probe(n=1)\n"
        "from pydantic.plugin import _loader\n"
        "assert _loader._plugins is None, 'installed distributions were searched for plugins'"
    )
    imported_by("register", then=probe)


def test_every_function_is_checked() -> None:
    assert sorted(LOGICAL_IDS) == FUNCTIONS
    assert (
        sorted(
            [
                "audit_archive",
                "bpjs_callback",
                "bpjs_sync",
                "claim",
                "dlq_redrive",
                "document_check",
                "import_chunk",
                "import_validate",
                "imports",
                "outbox_sweeper",
                "pay",
                "reconcile",
                "register",
                "report",
                "token_gate",
            ]
        )
        == FUNCTIONS
    )
