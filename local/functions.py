"""The template's functions in this process: a warm Lambda execution environment each.

`LocalFunction` imports a function's handler module once (through `local.loader`, with the
function's own environment) and invokes it with a Lambda-like context, one event at a time.
The gateway, the SQS and stream pollers, the scheduler, the history seed and
`python -m local.invoke` all invoke functions through it.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Protocol

from local.loader import load_function
from local.template.specs import FunctionSpec

# Log scans for personal data treat a run of 10+ digits as an account number: ids that land in
# log lines are drawn again until they hold no such run (a uuid4 does about 2% of the time).
_LONG_DIGIT_RUN = re.compile(r"\d{10,}")


def scan_safe(make: Callable[[], str]) -> str:
    """A value of `make()` without a run of 10+ digits (drawn again until it has none)."""
    while True:
        value = make()
        if not _LONG_DIGIT_RUN.search(value):
            return value


def new_lambda_request_id() -> str:
    """Lambda's aws_request_id is a uuid4."""
    return scan_safe(lambda: str(uuid.uuid4()))


class Invocable(Protocol):
    """Something that can be called with an event: a local Lambda function."""

    name: str

    def invoke(self, event: dict[str, Any], aws_request_id: str) -> Any: ...


@dataclass
class LambdaContext:
    """The attributes of the Python runtime's context object that code and Powertools use."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline_ms: int
    identity: Any = None
    client_context: Any = None
    tenant_id: str | None = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


class FunctionLoadError(Exception):
    """The function's module could not be imported (Lambda's Runtime.ImportModuleError)."""


class LocalFunction:
    """A function of the template, imported once (a warm Lambda) and invoked in-process.

    One invocation at a time per function, as one Lambda execution environment handles one
    event at a time: module-level state (Powertools' resolver holds the current event) is safe.
    Concurrent invocations need more instances (`instance=1, 2…`), each importing its own copy
    of the module, as Lambda starts more execution environments.
    """

    def __init__(self, spec: FunctionSpec, instance: int = 0) -> None:
        self.spec = spec
        self.instance = instance
        self.name = spec.function_name
        self._lock = threading.Lock()
        self._handler: Any = None
        self.load_error: str | None = None
        self.module: ModuleType | None = None

    def load(self) -> None:
        """Import the handler module (local.loader); a failure is kept in `load_error`."""
        try:
            module = load_function(self.spec, prefix="sutasoma_local_fn", instance=self.instance)
            self._handler = getattr(module, self.spec.handler_name)
        except Exception:
            self.load_error = traceback.format_exc()
            return
        self.module = module

    def context(self, aws_request_id: str) -> LambdaContext:
        spec = self.spec
        today = datetime.now(UTC).strftime("%Y/%m/%d")
        return LambdaContext(
            function_name=spec.function_name,
            function_version="$LATEST",
            invoked_function_arn=spec.arn,
            memory_limit_in_mb=spec.memory_mb,
            aws_request_id=aws_request_id,
            log_group_name=spec.log_group_name,
            log_stream_name=f"{today}/[$LATEST]{secrets.token_hex(16)}",
            deadline_ms=int(time.time() * 1000) + spec.timeout_s * 1000,
        )

    def invoke(self, event: dict[str, Any], aws_request_id: str) -> Any:
        if self._handler is None:
            raise FunctionLoadError(self.load_error or "not loaded")
        with self._lock:
            context = self.context(aws_request_id)
            started = time.monotonic()
            result = self._handler(event, context)
            elapsed = time.monotonic() - started
        if elapsed > self.spec.timeout_s:
            # Lambda would have stopped the function; its work is done here, but answer as Lambda.
            raise TimeoutError(f"Task timed out after {self.spec.timeout_s:.2f} seconds ({elapsed:.2f} s)")
        return result
