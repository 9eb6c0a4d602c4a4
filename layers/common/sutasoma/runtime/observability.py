"""Logger, Metrics and Tracer, shared by every function; personal data never reaches a log.

Defence in depth: besides never passing NIK, phone or bank account to the logger, every
serialised log line is scrubbed of digit runs that look like one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

# 16-digit NIK, Indonesian mobile numbers, and long digit runs such as bank accounts.
# Only whole runs count: digits inside a UUID or ULID (bounded by letters or hyphens) do not.
_PERSONAL_DIGITS = re.compile(r"(?<![\w-])(?:\+?62|0)8\d{7,12}(?![\w-])|(?<![\w-])\d{10,20}(?![\w-])")


def redact(text: str) -> str:
    return _PERSONAL_DIGITS.sub("[REDACTED]", text)


class RedactingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: Any) -> str:
        return redact(super().serialize(log))


logger = Logger(logger_formatter=RedactingFormatter(), utc=True)
metrics = Metrics()

F = TypeVar("F", bound=Callable[..., Any])

_TRUTHY = frozenset({"1", "true", "on", "yes", "y", "t"})


def tracing_enabled(environ: Any = None) -> bool:
    """Whether the X-Ray SDK traces this process: inside Lambda (not SAM local) and not switched
    off by POWERTOOLS_TRACE_DISABLED - the rule Powertools' Tracer applies. The template sets
    that variable from its `TraceAwsCalls` parameter (docs/decisions.md "Tracing")."""
    env = os.environ if environ is None else environ
    if env.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUTHY:
        return False
    return (
        bool(env.get("LAMBDA_TASK_ROOT"))
        and not env.get("AWS_SAM_LOCAL")
        and not env.get("AWS_CHALICE_CLI_MODE")
    )


class LazyTracer:
    """Powertools' Tracer, built only where tracing is on.

    Building a Tracer imports the X-Ray SDK even when tracing is disabled, and with tracing on it
    patches botocore (and httpx where the BPJS client asks): tens of milliseconds of every cold
    start. Where tracing is off this object decorates nothing and patches nothing, and the SDK is
    never imported; where it is on, the decorators and patches are Powertools' own.
    """

    def __init__(self, patch_modules: Sequence[str]) -> None:
        self._patch_modules = tuple(patch_modules)
        self._tracer: Tracer | None = None
        self._decided = False

    @property
    def provider(self) -> Tracer | None:
        """The real Tracer (built on first use where tracing is on), else None."""
        if not self._decided:
            self._decided = True
            if tracing_enabled():
                from aws_lambda_powertools import Tracer

                self._tracer = Tracer(patch_modules=self._patch_modules)
        return self._tracer

    @overload
    def capture_lambda_handler(
        self, lambda_handler: F, capture_response: bool | None = None, capture_error: bool | None = None
    ) -> F: ...

    @overload
    def capture_lambda_handler(
        self,
        lambda_handler: None = None,
        capture_response: bool | None = None,
        capture_error: bool | None = None,
    ) -> Callable[[F], F]: ...

    def capture_lambda_handler(
        self,
        lambda_handler: Callable[..., Any] | None = None,
        capture_response: bool | None = None,
        capture_error: bool | None = None,
    ) -> Any:
        """`@tracer.capture_lambda_handler` or `@tracer.capture_lambda_handler(capture_response=False)`."""

        def decorate(handler: F) -> F:
            real = self.provider
            if real is None:
                return handler
            traced = real.capture_lambda_handler(
                handler, capture_response=capture_response, capture_error=capture_error
            )
            return cast(F, traced)

        return decorate(lambda_handler) if lambda_handler is not None else decorate

    def patch(self, modules: Sequence[str]) -> None:
        real = self.provider
        if real is not None:
            real.patch(modules)


# Each DynamoDB, SQS, S3 and Secrets Manager call is a subsegment of the trace (botocore patched).
# Not X-Ray's patch_all: it imports every library it can patch, httpx included, ~60 ms of every
# cold start; sutasoma.adapters.bpjs_client patches httpx itself, in the one function that calls BPJS.
# Nothing at all (not even the SDK's import) outside Lambda and where POWERTOOLS_TRACE_DISABLED=true.
tracer = LazyTracer(patch_modules=("botocore",))
