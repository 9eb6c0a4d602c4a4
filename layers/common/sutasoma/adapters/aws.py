"""boto3 clients, created once per execution environment and only when first needed.

Part of the data-access layer: only store, queue, documents, secrets and idempotency use it.
One shared Session (each new Session reloads botocore's data: ~50 ms a client on a cold
start). boto3 honours AWS_ENDPOINT_URL, which the local stack sets to its moto server.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Lambda has a few seconds per request: fail fast and let the caller retry, rather than hang.
# No client-side parameter validation: our requests are built by code (the repositories), AWS
# validates them again anyway, and botocore's walk of every parameter against its shape cost ~7 %
# of the BPJS consumer's CPU (docs/benchmarks.md); a malformed request still fails, as AWS's
# ValidationException instead of botocore's ParamValidationError.
_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "standard", "total_max_attempts": 3},
    parameter_validation=False,
)

# Answers that mean "AWS is busy or unreachable right now", not "this request is wrong".
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "RequestLimitExceeded",
        "TransactionInProgressException", "InternalServerError", "ServiceUnavailable", "SlowDown",
    }
)  # fmt: skip


def is_transient(error: BaseException) -> bool:
    from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in TRANSIENT_ERROR_CODES
    return isinstance(error, ConnectionError | ReadTimeoutError)


@cache
def session() -> boto3.session.Session:
    return boto3.session.Session()


# A boto3 Session is not thread-safe: clients are created one at a time (the BPJS consumer's
# threads all reach for theirs at once on a cold start); a client once made is thread-safe.
_creating = threading.Lock()


@cache
def _client(service: str) -> Any:
    return session().client(service, config=_CONFIG)  # type: ignore[call-overload]


def client(service: str) -> Any:
    with _creating:
        return _client(service)


class LazyClient:
    """A class attribute: the instance's boto3 client of `service`, created on first use (cold
    starts pay only for the clients a request uses), unless the constructor was given one in
    `_<attribute name>` (tests, benchmarks)."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.slot = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        found = getattr(instance, self.slot, None)
        if found is None:
            found = client(self.service)
            setattr(instance, self.slot, found)
        return found


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between moto instances)."""
    _client.cache_clear()
    session.cache_clear()
