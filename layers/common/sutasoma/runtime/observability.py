"""Logger, Metrics and Tracer, shared by every function; personal data never reaches a log.

Defence in depth: besides never passing NIK, phone or bank account to the logger, every
serialised log line is scrubbed of digit runs that look like one.
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

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


# Each DynamoDB, SQS, S3 and Secrets Manager call is a subsegment of the trace (botocore patched).
# Not X-Ray's patch_all: it imports every library it can patch, httpx included, ~60 ms of every
# cold start; sutasoma.adapters.bpjs_client patches httpx itself, in the one function that calls BPJS.
# Disabled (a no-op) outside Lambda and where POWERTOOLS_TRACE_DISABLED=true.
tracer = Tracer(patch_modules=("botocore",))
