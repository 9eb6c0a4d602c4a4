"""Faults injected below the store, on the functions' real boto3 client, through botocore's
`before-send` event (tests/integration/test_faults.py has the DynamoDB error answers): here,
something else happens between a use case's read and its write."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from local.loader import applied_environment
from tests.support.events import http_event
from tests.support.stack import FunctionInvoker


def dynamodb_client(function: FunctionInvoker) -> Any:
    """The DynamoDB client of a function's store, built as the function builds it (every
    function in this process shares it: a hook on it sees their calls)."""
    from sutasoma.runtime import wiring

    function(http_event("GET", "/health"))  # this function's execution environment
    with applied_environment(function.env):  # its endpoint (moto), never AWS
        return wiring.table(function.settings().table_name).client


@contextmanager
def meanwhile(
    client: Any, operation: str, action: Callable[[], None], *, only_if: str | None = None, times: int = 1
) -> Iterator[list[str]]:
    """Run `action` just before the first `times` `operation` calls of `client` (whose body holds
    `only_if`) are sent: another writer got there between the caller's read and its write. The
    request itself then goes as it was. Yields the bodies it fired on."""
    fired: list[str] = []
    event = f"before-send.dynamodb.{operation}"
    unique_id = f"meanwhile-{uuid.uuid4()}"

    def hook(request: Any, **_: Any) -> None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        if (only_if is not None and only_if not in body) or len(fired) >= times:
            return
        fired.append(body)  # first: the action's own calls through this client pass by
        action()

    client.meta.events.register(event, hook, unique_id=unique_id)
    try:
        yield fired
    finally:
        client.meta.events.unregister(event, unique_id=unique_id)
