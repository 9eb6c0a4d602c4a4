"""moto's DynamoDB reads at about the cost DynamoDB's have (listed in docs/local-stack.md
"moto's internals that local/ patches"; moto is pinned exactly because of them).

Two costs of moto's grow with the whole table, not with what a request reads, and made a
kecamatan of a few thousand imported members time out on the local stack (its export, its
worklist, an admin's name search: 20-50 s) where DynamoDB answers in well under a second:

- `partition_scoped_queries`: moto answers every Query by sorting the whole table
  (`Table.all_items`, DynamoType comparisons in Python) and keeping the partition; here moto's
  own Query runs over the partition only: for the base table the partition's items, for an index
  the items whose index hash key attributes equal the query's. The same items in the same order
  (moto's `all_items` order), so the same pages, filters and `LastEvaluatedKey`.
- `plain_json_reads`: moto writes a response by walking it against botocore's output shape
  (~1 ms per item read); a read's result is DynamoDB JSON already, so `json.dumps` of it is the
  same document. Only GetItem, BatchGetItem, Query and Scan (the reads that return many items);
  a result that is not plain JSON (a Binary attribute) still goes to moto's serializer.

Each is idempotent; `moto_as_shipped` puts moto's own methods back for a while (a benchmark
that shows what they cost)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

PLAIN_JSON_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan"})
_JSON = {"Content-Type": "application/x-amz-json-1.0"}


def _moto_classes() -> tuple[Any, Any]:
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoResult

    return Table, DynamoResult


def moto_query() -> Any:
    """moto's own `Table.query` (the one this module wraps)."""
    table, _ = _moto_classes()
    return table.__dict__.get("_sutasoma_moto_query", table.query)


def moto_execute_result() -> Any:
    """moto's own `DynamoResult.execute_result` (its shape-driven serializer)."""
    _, result = _moto_classes()
    return result.__dict__.get("_sutasoma_moto_execute_result", result.execute_result)


def _table_items(table: Any) -> Iterator[Any]:
    for hash_set in table.items.values():
        if table.range_key_attr:
            yield from hash_set.values()
        else:
            yield hash_set


def _equal(attribute: Any, value: Any) -> bool:
    return attribute is not None and attribute == value  # moto's DynamoType cannot compare with None


def _partition(table: Any, hash_key: Any, index_name: str | None, conditions: list[Any]) -> list[Any] | None:
    """The items moto's Query would keep, in `all_items` order; None when this cannot tell."""
    if index_name is None:
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return (
            sorted(partition.values(), key=lambda item: item.range_key)
            if table.range_key_attr
            else [partition]
        )
    if not conditions:
        return None
    kept = [
        item
        for item in _table_items(table)
        if all(_equal(item.attrs.get(name), value) for name, value in conditions)
    ]
    return sorted(kept, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)


def partition_scoped_queries() -> None:
    table_class, _ = _moto_classes()
    if "_sutasoma_moto_query" in table_class.__dict__:
        return
    original = table_class.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        items = _partition(self, hash_key, index_name, kwargs.get("hash_key_conditions") or [])
        if items is None:
            return original(self, hash_key, *args, **kwargs)
        # The instance attribute hides `all_items` for this call only; moto's DynamoDB
        # operations run one at a time (moto_patches.serialize_moto_dynamodb).
        self.all_items = lambda: items
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    table_class._sutasoma_moto_query = original
    table_class.query = query


def plain_json_reads() -> None:
    _, result_class = _moto_classes()
    if "_sutasoma_moto_execute_result" in result_class.__dict__:
        return
    original = result_class.execute_result

    def execute_result(result: Any, context: Any) -> Any:
        if context.operation_model.name not in PLAIN_JSON_OPERATIONS or not isinstance(result.result, dict):
            return original(result, context)
        try:
            body = json.dumps(result.result)
        except TypeError:  # bytes (a Binary attribute): moto's serializer encodes them
            return original(result, context)
        return 200, dict(_JSON), body

    result_class._sutasoma_moto_execute_result = original
    result_class.execute_result = execute_result


@contextlib.contextmanager
def moto_as_shipped() -> Iterator[None]:
    """moto's own Query and serializer for the duration (nothing else may use moto meanwhile)."""
    table_class, result_class = _moto_classes()
    patched = table_class.query, result_class.execute_result
    table_class.query, result_class.execute_result = moto_query(), moto_execute_result()
    try:
        yield
    finally:
        table_class.query, result_class.execute_result = patched
