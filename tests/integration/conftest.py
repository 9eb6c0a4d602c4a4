from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import FunctionInvoker, MotoStack, start_stack


@pytest.fixture(scope="session")
def moto_stack() -> Iterator[MotoStack]:
    server, stack = start_stack()
    yield stack
    server.stop()


@pytest.fixture(scope="session")
def register(moto_stack: MotoStack) -> FunctionInvoker:
    return FunctionInvoker(moto_stack, "RegisterFunction")
