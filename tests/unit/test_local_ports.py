"""`make run` with a port already held (another `make run` still running) stops at once with a
message naming the port: moto's server thread used to die on its bind and the stack waited for
it for ever."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.stack import LocalStack, PortsInUse, StackOptions, ports_in_use


@pytest.fixture
def held_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_held_port_is_named(held_port: int) -> None:
    options = StackOptions(api_port=0, aws_port=held_port, bpjs_port=0, app_port=0)
    assert ports_in_use(options) == {"AWS": held_port}
    assert ports_in_use(StackOptions(api_port=0, aws_port=0, bpjs_port=0, app_port=0)) == {}


def test_the_stack_refuses_to_start_on_a_held_port(held_port: int, tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text("{}", encoding="utf-8")  # the running stack's descriptor
    stack = LocalStack(
        StackOptions(api_port=held_port, aws_port=0, bpjs_port=0, app_port=0, state_dir=tmp_path)
    )
    with pytest.raises(PortsInUse, match=f"port {held_port} \\(API\\) already in use"):
        stack.start()
    assert (tmp_path / "stack.json").exists()  # left to the stack that holds the ports
