"""A change-set (domain/changes.py) written as one DynamoDB transaction: all or nothing.

Records become items with their keys (keys.py); an update writes the difference between the
record read and the record decided, under the version it was decided on; counters are ADDs.
A condition that fails names its write (WriteConflict, with the stored record it met); a
transaction that only collided with another one in flight is tried again.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from typing import Any

from sutasoma.adapters.dynamo.codec import to_dynamo, update_expression
from sutasoma.adapters.dynamo.keys import counter, item_keys, population
from sutasoma.adapters.dynamo.table import Table, TransactionCancelled, without_keys
from sutasoma.domain.changes import ChangeSet, Created, Deleted, Updated, Write, WriteConflict
from sutasoma.domain.counters import Count, CounterIncrement
from sutasoma.domain.records import Record

# Another transaction touching one of the items (a busy counter) cancels ours untouched:
# trying the same items again is safe. Beyond this, the caller's own retry takes over.
COLLISION_ATTEMPTS = 4


class DynamoUnitOfWork:
    def __init__(self, table: Table) -> None:
        self.table = table

    def commit(self, changes: ChangeSet) -> None:
        items = [self._write(w) for w in changes.writes]
        items += [self._created(entry) for entry in changes.outbox]
        items += [self._count(count) for count in merged(changes.counts)]
        items += [self._created(record) for record in changes.audit]
        for attempt in range(1, COLLISION_ATTEMPTS + 1):
            try:
                self.table.transact(items)
                return
            except TransactionCancelled as cancelled:
                only_collided = set(cancelled.reasons) <= {"None", "TransactionConflict"}
                if only_collided and attempt < COLLISION_ATTEMPTS:
                    time.sleep(random.uniform(0.02, 0.05) * attempt)  # noqa: S311  # nosec B311 # - jitter between retries, not crypto
                    continue
                raise self._conflict(changes.writes, cancelled) from None

    @staticmethod
    def _conflict(writes: tuple[Write, ...], cancelled: TransactionCancelled) -> Exception:
        index = cancelled.first_failure()
        if index is None or index >= len(writes):
            return cancelled  # an outbox, counter or audit item: not a decision's conflict
        write = writes[index]
        stored = cancelled.items[index]
        record = write.after if isinstance(write, Updated) else write.record
        current = type(record).model_validate(without_keys(stored)) if stored else None
        return WriteConflict(write, current)

    def _write(self, write: Write) -> dict[str, Any]:
        if isinstance(write, Created):
            return self._created(write.record, return_old=True)
        if isinstance(write, Deleted):
            return self._deleted(write.record)
        return self._updated(write)

    def _deleted(self, record: Record) -> dict[str, Any]:
        """Delete the item only if it still holds `record` (its plain fields compared)."""
        _, keys = item_keys(record)
        plain = {
            k: v for k, v in record.stored().items() if isinstance(v, str | int) and not isinstance(v, bool)
        }
        names = {f"#d{i}": name for i, name in enumerate(plain)}
        values = {f":d{i}": value for i, value in enumerate(plain.values())}
        condition = " AND ".join(
            ["attribute_exists(PK)", *(f"{n} = {v}" for n, v in zip(names, values, strict=True))]
        )
        return {
            "Delete": {
                "TableName": self.table.name,
                "Key": to_dynamo({"PK": keys["PK"], "SK": keys["SK"]}),
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_dynamo(values),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _created(self, record: Record, *, return_old: bool = False) -> dict[str, Any]:
        kind, keys = item_keys(record)
        put: dict[str, Any] = {
            "TableName": self.table.name,
            "Item": to_dynamo({**record.stored(), **keys, "type": kind.type}),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
        if return_old:
            put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Put": put}

    def _updated(self, write: Updated) -> dict[str, Any]:
        _, keys_before = item_keys(write.before)
        _, keys_after = item_keys(write.after)
        old, new = write.before.stored() | keys_before, write.after.stored() | keys_after
        assign = {
            name: value for name, value in new.items() if old.get(name) != value and name not in ("PK", "SK")
        }
        remove = tuple(name for name in old if name not in new)
        expression, names, values = update_expression(assign, remove)
        names["#expected_version"] = "version"
        values[":expected_version"] = to_dynamo({"v": write.before.version})["v"]
        return {
            "Update": {
                "TableName": self.table.name,
                "Key": to_dynamo({"PK": keys_before["PK"], "SK": keys_before["SK"]}),
                "UpdateExpression": expression,
                "ConditionExpression": "attribute_exists(PK) AND #expected_version = :expected_version",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _count(self, count: Count) -> dict[str, Any]:
        return {"Update": count_update(self.table.name, count)}


def merged(counts: tuple[Count, ...]) -> list[Count]:
    """One ADD per counter item: a transaction may not touch an item twice, and a decision may
    well count into the same month twice (a month's collection and what it paid for)."""
    sums: dict[tuple[object, ...], Count] = {}
    for count in counts:
        key: tuple[object, ...] = (
            ("c", count.period, count.kecamatan_code, count.agent)
            if isinstance(count, CounterIncrement)
            else ("p", count.kecamatan_code, count.period)
        )
        seen = sums.get(key)
        if seen is None:
            sums[key] = count
            continue
        total = {**seen.amounts}
        for name, amount in count.amounts.items():
            total[name] = total.get(name, 0) + amount
        sums[key] = replace(seen, amounts=total)
    return list(sums.values())


def count_update(table_name: str, count: Count) -> dict[str, Any]:
    """The UpdateItem (or transaction Update) that adds a count to its counter item."""
    if isinstance(count, CounterIncrement):
        key = counter(count.period, count.kecamatan_code, count.agent)
    else:
        key = population(count.kecamatan_code, count.period)
    expression, names, values = update_expression(add=count.amounts)
    return {
        "TableName": table_name,
        "Key": to_dynamo(dict(key)),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
