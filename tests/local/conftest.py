"""Fixtures of the emulator's own tests (tests/local)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from local.aws.server import Clients, start_moto
from local.template.specs import REGION


@dataclass
class Moto:
    """A moto server (patched as the local stack patches it) and boto3 clients bound to it."""

    url: str
    clients: Clients

    def __call__(self, service: str) -> Any:
        return self.clients(service)


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    """A moto server of the module's own. moto's backends belong to the process, not to a server:
    what a module creates in it is named uniquely (other tests' resources are there too)."""
    server, url = start_moto(0)  # serialises moto's DynamoDB, SQS and its transactions' streams
    try:
        yield Moto(url, Clients(url, REGION))
    finally:
        server.stop()
