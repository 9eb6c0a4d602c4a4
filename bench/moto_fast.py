"""Where moto spends CPU that DynamoDB would not spend on our machine, taken out for benchmarks.

The benchmarks run moto in their own process, on the same small machine as the code they measure:
moto's per-request costs land on the CPU the measured code needs, and would be most of what is
measured. Two of them are removed here, each without changing a single answer:

- Responses: moto serializes a DynamoDB result by walking it against botocore's output shape
  (~0.3 ms per attribute value: a BatchGetItem of 20 items costs milliseconds). The result is
  already DynamoDB JSON once moto's `DynamoResult` has converted it, so `json.dumps` of it is the
  same document; the first responses of each operation are also serialized by moto and compared
  (`checked`, `same`), and a result that is not plain JSON (bytes) goes to moto's serializer.
- Update expressions: moto parses the same `UpdateExpression` string twice per update item (to
  validate, then to apply); each parse is cached by its text. moto's validator deep-copies the
  tree before it changes anything, so the cached tree is never altered.

Used by bench/report_scale.py (Query and Scan) and bench/queue_throughput.py (every operation).
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any


class PlainJsonResponses:
    CHECKS = 1

    def __init__(self, operations: frozenset[str] | None = None) -> None:
        self.operations = operations  # None: every DynamoDB operation
        self.checked: Counter[str] = Counter()
        self.same = True
        self._lock = threading.Lock()

    def _check_next(self, operation: str) -> bool:
        with self._lock:
            if self.checked[operation] >= self.CHECKS:
                return False
            self.checked[operation] += 1
            return True

    def summary(self) -> str:
        checked = ", ".join(f"{op} {n}" for op, n in sorted(self.checked.items()))
        return f"plain JSON responses checked against moto's serializer ({checked}): same {self.same}"

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        from moto.dynamodb.responses import DynamoResult

        from local.aws.moto_reads import moto_execute_result

        patched = DynamoResult.execute_result
        original = moto_execute_result()  # moto's own serializer, what every answer is checked against
        plain = self

        def execute_result(result: Any, context: Any) -> Any:
            operation = context.operation_model.name
            wanted = plain.operations is None or operation in plain.operations
            if not wanted or not isinstance(result.result, dict):
                return original(result, context)
            try:
                body = json.dumps(result.result)
            except TypeError:  # bytes (a Binary attribute): moto's own serializer
                return original(result, context)
            headers = {"Content-Type": "application/x-amz-json-1.0"}
            if plain._check_next(operation):
                status, shipped_headers, shipped = original(result, context)
                plain.same = (
                    plain.same
                    and status == 200
                    and dict(shipped_headers) == headers
                    and json.loads(shipped) == result.result
                )
            return 200, headers, body

        DynamoResult.execute_result = execute_result  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            DynamoResult.execute_result = patched  # type: ignore[method-assign]


@contextlib.contextmanager
def cached_update_expressions() -> Iterator[None]:
    from moto.dynamodb.parsing import expressions

    parser: Any = expressions.UpdateExpressionParser  # type: ignore[attr-defined]  # moto's, not re-exported
    original = parser.__dict__["make"]
    parse: Any = functools.lru_cache(maxsize=1024)(original.__func__)
    parser.make = classmethod(lambda cls, text: parse(cls, text))
    try:
        yield
    finally:
        parser.make = original
