"""Where moto spends CPU that DynamoDB would not spend on our machine, taken out for benchmarks.

The benchmarks run moto in their own process, on the same small machine as the code they measure:
moto's per-request costs land on the CPU the measured code needs, and would be most of what is
measured. Several of them are removed here, each without changing a single answer:

- Requests: moto reads a DynamoDB request by walking its JSON against botocore's input shape; the
  same dict comes from `json.loads` but for binary attributes (`PlainJsonRequests`).
- Responses: moto serializes a DynamoDB result by walking it against botocore's output shape
  (~0.3 ms per attribute value: a BatchGetItem of 20 items costs milliseconds). The result is
  already DynamoDB JSON once moto's `DynamoResult` has converted it, so `json.dumps` of it is the
  same document; the first responses of each operation are also serialized by moto and compared
  (`checked`, `same`), and a result that is not plain JSON (bytes) goes to moto's serializer.
- Writes: a transaction's conditions parsed once per text, an item's size added up once, the
  request dispatch's lookups cached (below), and the update expressions' repeated parses, copies
  and passes (bench/moto_updates.py).

Used by bench/report_scale.py (Query and Scan) and bench/queue_throughput.py (every operation).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

from bench.moto_patching import moto_module, replaced
from bench.moto_updates import (
    cached_traversal_node_types,
    cached_update_expressions,
    class_level_node_checks,
    cloned_update_expression_copies,
    planned_plain_updates,
    static_update_checks_once,
)


class _SpotChecks:
    """The first `CHECKS` uses of a fast path per operation also done moto's way and compared:
    `same` stays True while every one agreed."""

    CHECKS = 1
    WHAT = ""  # what is checked against what, for the summary

    def __init__(self) -> None:
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
        return f"{self.WHAT} ({checked}): same {self.same}"


class PlainJsonResponses(_SpotChecks):
    WHAT = "plain JSON responses checked against moto's serializer"

    def __init__(self, operations: frozenset[str] | None = None) -> None:
        super().__init__()
        self.operations = operations  # None: every DynamoDB operation

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        from moto.dynamodb.responses import DynamoResult

        from local.aws.moto_reads import moto_execute_result

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

        with replaced((DynamoResult, "execute_result", execute_result)):
            yield


class PlainJsonRequests(_SpotChecks):
    """DynamoDB requests read with `json.loads` instead of moto's parser, which walks the body
    against botocore's input shape (~1 ms for a transaction of 24 items, json.loads ~0.1). For
    DynamoDB's JSON protocol the two agree but for binary attributes (B, BS: base64 text that
    the parser decodes), so a body that mentions either goes to moto's parser, as does one that is
    not JSON; the first requests of each operation are parsed both ways and compared (`same`)."""

    CHECKS = 2
    WHAT = "plain JSON requests checked against moto's parser"
    BINARY = (b'"B"', b'"BS"')

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        from moto.dynamodb.responses import DynamoHandler

        original = DynamoHandler.parse_parameters
        plain = self

        def parse_parameters(handler: Any, request: Any) -> None:
            body = request.get_data()
            if not body or any(marker in body for marker in plain.BINARY):
                return original(handler, request)
            try:
                params = json.loads(body)
            except ValueError:
                return original(handler, request)
            if not isinstance(params, dict):
                return original(handler, request)
            if plain._check_next(handler._get_action()):
                original(handler, request)
                plain.same = plain.same and handler.params == params
            handler.params = params
            return None

        with replaced((DynamoHandler, "parse_parameters", parse_parameters)):
            yield


# A name (#n) or value (:v) an expression refers to.
_REFERENCE = re.compile(r"[#:][A-Za-z0-9_]+")


def _referenced(expression: str | None, mapping: dict[str, Any] | None) -> tuple[tuple[str, str], ...] | None:
    """The entries of `mapping` that `expression` names, as a key (None stays None: moto tells the
    two apart)."""
    if mapping is None:
        return None
    used = set(_REFERENCE.findall(expression or ""))
    return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in mapping.items() if k in used))


class _Parsed:
    """What `create_condition_expression_parser` returns, as far as moto's models use it."""

    def __init__(self, op: Any) -> None:
        self._op = op

    def parse(self) -> Any:
        return self._op


@contextlib.contextmanager
def cached_condition_expressions() -> Iterator[None]:
    """moto parses a write's ConditionExpression twice (TransactWriteItems checks it, then the
    write itself parses it again), each time from its text; here once per text and the names and
    values it refers to. The parsed condition is only evaluated (`Op.expr(item)`), never changed.
    Only the parses of moto's models (writes, and Query/Scan filters) are cached: the request
    handlers' own parse that finds unused names and values is untouched."""
    models, table = moto_module("moto.dynamodb.models"), moto_module("moto.dynamodb.models.table")
    original = models.get_filter_expression

    @functools.lru_cache(maxsize=4096)
    def parse(expression: str | None, names: Any, values: Any) -> Any:
        return original(
            expression,
            None if names is None else {k: json.loads(v) for k, v in names},
            None if values is None else {k: json.loads(v) for k, v in values},
        )

    def get_filter_expression(expression: str | None, names: Any, values: Any) -> Any:
        return parse(expression, _referenced(expression, names), _referenced(expression, values))

    def create_condition_expression_parser(expression: str | None, names: Any, values: Any) -> _Parsed:
        return _Parsed(get_filter_expression(expression, names, values))

    with replaced(
        (models, "get_filter_expression", get_filter_expression),
        (models, "create_condition_expression_parser", create_condition_expression_parser),
        (table, "get_filter_expression", get_filter_expression),
    ):
        yield


class _RequestCondition:
    """What moto's request handlers use of a `ConditionExpressionParser`: `parse()`, then the
    names and values it found (lists the handler may extend: each call gets its own)."""

    def __init__(self, expression: str | None, names: Any, values: Any, parse: Any) -> None:
        self._key = (expression, _referenced(expression, names), _referenced(expression, values))
        self._arguments = (expression, names, values)
        self._parse = parse
        self.expr_attr_names_found: list[str] = []
        self.expr_attr_values_found: list[str] = []

    def parse(self) -> Any:
        op, names, values = self._parse(self._key, self._arguments)
        self.expr_attr_names_found, self.expr_attr_values_found = list(names), list(values)
        return op


@contextlib.contextmanager
def cached_request_conditions() -> Iterator[None]:
    """moto's request handlers parse each write's ConditionExpression once more (TransactWriteItems:
    every item's), only to find the names and values it uses: here once per text and the names
    and values it refers to. A parse that raises is not kept: the next one raises again."""
    comparisons, responses = moto_module("moto.dynamodb.comparisons"), moto_module("moto.dynamodb.responses")
    parsers: dict[Any, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {}

    def parse(key: Any, arguments: tuple[Any, Any, Any]) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
        parsed = parsers.get(key)
        if parsed is None:
            parser = comparisons.ConditionExpressionParser(*arguments)
            op = parser.parse()
            parsed = parsers[key] = (
                op,
                tuple(parser.expr_attr_names_found),
                tuple(parser.expr_attr_values_found),
            )
        return parsed

    def create(expression: str | None, names: Any, values: Any) -> _RequestCondition:
        return _RequestCondition(expression, names, values, parse)

    with replaced((responses, "create_condition_expression_parser", create)):
        yield


@contextlib.contextmanager
def linear_item_size_checks() -> Iterator[None]:
    """moto builds an item attribute by attribute, and its size check adds up the whole item again
    at each one (quadratic in the attributes: a farmer's ~40 are ~800 sizes). Here the same limit
    on the same sum, once: sizes are never negative, so the sum passes 405,000 bytes part way
    exactly when it does at the end, and the same ItemSizeTooLarge is raised."""
    dynamo_type = moto_module("moto.dynamodb.models.dynamo_type")
    item_class, limited, wrap = dynamo_type.Item, dynamo_type.LimitedSizeDict, dynamo_type.DynamoType
    bytesize = moto_module("moto.dynamodb.models.utilities").bytesize
    too_large = moto_module("moto.dynamodb.exceptions").ItemSizeTooLarge

    def __init__(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key, self.range_key = hash_key, range_key
        values = {key: wrap(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > 405000:
            raise too_large
        self.attrs = limited.__new__(limited)
        dict.update(self.attrs, values)

    with replaced((item_class, "__init__", __init__)):
        yield


@contextlib.contextmanager
def cached_dispatch_lookups() -> Iterator[None]:
    """For every request moto lists its handler class's methods with `inspect.getmembers` and
    converts the action's name to snake case: both pure, both cached here."""
    responses = moto_module("moto.core.responses")
    with replaced(
        (responses, "method_names_from_class", functools.cache(responses.method_names_from_class)),
        (
            responses,
            "camelcase_to_underscores",
            functools.lru_cache(maxsize=1024)(responses.camelcase_to_underscores),
        ),
    ):
        yield


@contextlib.contextmanager
def faster_writes() -> Iterator[None]:
    """Every speed-up above at once but the plain JSON responses (update and condition parses, the
    validators' copy and passes, the request dispatch's lookups)."""
    with (
        cached_dispatch_lookups(),
        cached_update_expressions(),
        cached_condition_expressions(),
        cached_request_conditions(),
        linear_item_size_checks(),
        cloned_update_expression_copies(),
        cached_traversal_node_types(),
        class_level_node_checks(),
        static_update_checks_once(),
        planned_plain_updates(),
    ):
        yield
