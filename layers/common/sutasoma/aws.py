"""boto3 clients, created once per execution environment and only when first needed.

Part of the data-access layer: only store, queue, secrets and idempotency modules use it.
boto3 honours AWS_ENDPOINT_URL, which the local stack sets to its embedded moto server.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Lambda has a few seconds per request: fail fast and let the client retry, rather than hang.
_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between moto instances)."""
    client.cache_clear()
