"""Handlers on moto: one moto server for the session, the BPJS road for a module.

- `moto_stack`: the template's resources in an embedded moto server (tests/support/stack.py);
- `register`: the register function on it;
- `road` (per module): moto emptied and filled again, a BPJS simulator of the module's own and
  the functions between them (tests/support/road.py);
- `calm_bpjs`: between tests, BPJS back to normal and nothing left in the queue (`Road.calm`);
  modules that want it say `pytestmark = pytest.mark.usefixtures("calm_bpjs")`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.road import Road, open_road
from tests.support.stack import FunctionInvoker, MotoStack, start_stack


@pytest.fixture(scope="session")
def moto_stack() -> Iterator[MotoStack]:
    server, stack = start_stack()
    yield stack
    server.stop()


@pytest.fixture(scope="session")
def register(moto_stack: MotoStack) -> FunctionInvoker:
    return FunctionInvoker(moto_stack, "RegisterFunction")


@pytest.fixture(scope="module")
def road(moto_stack: MotoStack) -> Iterator[Road]:
    yield from open_road(moto_stack)


@pytest.fixture
def calm_bpjs(road: Road) -> None:
    road.calm()
