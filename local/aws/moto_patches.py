"""What local/ changes inside moto, and why (moto is pinned exactly in pyproject.toml because of it).

moto's backends are not thread-safe, while the threaded moto server, the threaded gateway, the
SQS and stream pollers and the scheduler all use them at once; and a few of moto's answers cost
far more than AWS's. Each patch here replaces or wraps a method of moto's classes (internals,
not moto's API: a new moto version may rename them, hence the exact pin), is idempotent, and is
listed with its reason in docs/local-stack.md "moto's internals that local/ patches":

- `serialize_moto_dynamodb`: DynamoDB item operations and stream reads one at a time (a lock);
- `item_level_moto_transactions`: TransactWriteItems backs up and restores the items it touches
  instead of deep-copying whole tables, and takes back a cancelled transaction's stream records;
- `forget_used_shard_iterators`: moto keeps every shard iterator; the oldest are forgotten;
- `plain_json_stream_records`: GetRecords answered with json.dumps instead of moto's serializer;
- `partition_scoped_queries`, `plain_json_reads` (local/aws/moto_reads.py, applied with the lock):
  a Query reads its partition, not the sorted table; reads answered with json.dumps;
- `serialize_moto_sqs`, `cheap_sqs_messages` (local/aws/moto_sqs.py): SQS message operations one
  at a time, long polls waiting outside the lock; a send or a receive costs no pass over every
  message of the queue (its settings read without counting them, a receive walking the queue only
  as far as it hands out, a duplicate FIFO deduplication id found in a dict).
- `s3_object_events`: each object S3 would announce (moto's `notifications.send_event`) also handed
  to the local EventBridge (local/eventbridge/), which moto has no way to reach;
- `cognito_pre_token_generation`: tokens moto's Cognito issues pass through the pool's
  pre-token-generation trigger first (local/cognito.py), as Cognito's do.

The `# type: ignore[...]` comments below are for assignments to moto's classes and modules (its
methods, a module global, our idempotency flags): each names what it replaces.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from local.aws.moto_reads import partition_scoped_queries, plain_json_reads

log = logging.getLogger("local.aws")


_DYNAMODB_ITEM_METHODS = (
    "get_item", "put_item", "update_item", "delete_item", "query", "scan",
    "transact_write_items", "transact_get_items", "batch_get_item", "batch_write_item",
)  # fmt: skip
_DYNAMODB_STREAMS_METHODS = ("describe_stream", "list_streams", "get_shard_iterator", "get_records")


def serialize_moto_dynamodb() -> None:
    """One DynamoDB item operation at a time inside moto.

    moto's DynamoDB is not thread-safe (a transaction deep-copies tables that other threads are
    changing), while the threaded moto server and the threaded gateway run requests in
    parallel. Real DynamoDB is safe here; a lock restores that, so concurrent local requests
    exercise our conditions and transactions rather than moto's races. Idempotent; the flag
    name is shared with tests/support so the two never wrap twice.
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    if getattr(DynamoDBBackend, "_sutasoma_serialized", False):
        return
    item_level_moto_transactions()  # first, so that the lock wraps it
    lock = threading.RLock()

    def wrap(backend: type, name: str) -> None:
        original = getattr(backend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        setattr(backend, name, locked)

    for name in _DYNAMODB_ITEM_METHODS:
        wrap(DynamoDBBackend, name)
    # Stream reads take the same lock: a transaction appends its stream records one by one and
    # takes them back if it is cancelled (item_level_moto_transactions); no reader sees them meanwhile.
    for name in _DYNAMODB_STREAMS_METHODS:
        wrap(DynamoDBStreamsBackend, name)
    forget_used_shard_iterators()
    plain_json_stream_records()
    partition_scoped_queries()
    plain_json_reads()
    DynamoDBBackend._sutasoma_serialized = True  # type: ignore[attr-defined]  # our flag on moto's class


# moto keeps every shard iterator it ever handed out (each GetRecords hands out one more, ~1 KB):
# a stream poller asking twice a second would grow that without end. DynamoDB lets an iterator
# expire after 15 minutes; here the oldest are forgotten beyond this many.
SHARD_ITERATORS_KEPT = 1000


def forget_used_shard_iterators() -> None:
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    original = DynamoDBStreamsBackend.get_records

    def get_records(self: Any, iterator_arn: str, limit: int) -> Any:
        result = original(self, iterator_arn, limit)
        iterators = self.shard_iterators
        for stale in list(iterators)[: max(0, len(iterators) - SHARD_ITERATORS_KEPT)]:
            iterators.pop(stale, None)
        return result

    DynamoDBStreamsBackend.get_records = get_records  # type: ignore[method-assign]  # moto's method


def plain_json_stream_records() -> None:
    """GetRecords answered with json.dumps of moto's records (already DynamoDB JSON) instead of
    moto's generic, shape-driven serializer: ~2 ms a record there (a seeded `make run` streams
    ~5,000 records, 10 s of CPU to read them), a few microseconds here. The same answer: the
    creation time as epoch seconds, as DynamoDB Streams' JSON protocol has it."""
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    def epoch(value: Any) -> float:
        if isinstance(value, datetime):
            return value.timestamp()
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    def get_records(self: Any) -> tuple[int, dict[str, str], str]:
        limit = self._get_param("Limit")
        result = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(result, default=epoch)

    # moto's handler method, replaced by one of another signature (moto calls it without arguments).
    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[method-assign,assignment]  # moto's method


def item_level_moto_transactions() -> None:
    """Make moto's TransactWriteItems cost what the transaction touches, not the whole table.

    moto deep-copies every table a transaction names (once per item) to roll back a cancelled
    transaction: ~100 ms per transaction at a few hundred farmers, growing with the table,
    where DynamoDB takes milliseconds whatever its size. Instead copy the items the transaction
    names and put those back if it fails: the same outcome (indexes are computed from items).

    moto also writes a stream record for each item as it goes, and its own rollback (the
    restored table copies) takes them back with the table. Here the stream records a cancelled
    transaction appended are dropped too: DynamoDB streams only committed writes, and without
    this a registration refused for a taken NIK would leave the INSERT of an audit record that
    never existed on the stream (and in the audit archive).
    """
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_sutasoma_item_backup", False):
        return
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        backups = [b for b in (_item_backup(self, entry) for entry in transact_items) if b is not None]
        streamed = _stream_lengths(self, transact_items)
        try:
            return original(self, transact_items)
        except Exception:
            _roll_back(backups, streamed)
            raise

    # moto's models module copies tables with `copy.deepcopy`: it gets a `copy` that does not.
    models.copy = _CopyWithoutTables  # type: ignore[assignment,attr-defined]  # moto's module global
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]  # moto's method
    DynamoDBBackend._sutasoma_item_backup = True  # type: ignore[attr-defined]  # our flag on moto's class


class _CopyWithoutTables:
    """`copy` as moto's dynamodb models module sees it: a Table is not copied."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _item_backup(backend: Any, entry: dict[str, Any]) -> tuple[Any, Any, Any, Any] | None:
    """(table, hash key, range key, the item as it is) of one entry of a transaction."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        op_type, op = next(iter(entry.items()))
        table = backend.tables[op["TableName"]]
        attrs = op["Item"] if op_type == "Put" else op["Key"]
        hash_value = DynamoType(attrs[table.hash_key_attr])
        range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
        return table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))
    except Exception:  # malformed: moto's own validation answers it before any change
        return None


def _stream_lengths(backend: Any, transact_items: list[dict[str, Any]]) -> dict[Any, int]:
    """How many records each stream shard of the transaction's tables holds before it."""
    shards = {}
    for entry in transact_items:
        op = next(iter(entry.values()), None) if isinstance(entry, dict) else None
        table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        if table is not None and table.stream_shard is not None:
            shards[table.stream_shard] = len(table.stream_shard.items)
    return shards


def _roll_back(backups: list[tuple[Any, Any, Any, Any]], streamed: dict[Any, int]) -> None:
    """A cancelled transaction: its stream records dropped, the items it named put back."""
    for shard, length in streamed.items():
        del shard.items[length:]
    for table, hash_value, range_value, before in reversed(backups):
        if range_value is None:
            table.items.pop(hash_value, None)
            if before is not None:
                table.items[hash_value] = before
        else:
            partition = table.items.setdefault(hash_value, {})
            partition.pop(range_value, None)
            if before is not None:
                partition[range_value] = before
            elif not partition:
                table.items.pop(hash_value, None)


# ---------------------------------------------------------------------------------- S3 events

# Who hears of objects that land in moto's S3 (local.eventbridge.s3.ObjectEvents registers here).
# Each listener gets a plain snapshot (below), in the thread of the S3 request: it must be quick
# and must not raise (S3's notifications are asynchronous: they never fail the request).
S3Listener = Callable[[dict[str, Any]], None]
_s3_listeners: list[S3Listener] = []
_s3_listeners_lock = threading.Lock()


def add_s3_listener(listener: S3Listener) -> None:
    with _s3_listeners_lock:
        _s3_listeners.append(listener)


def remove_s3_listener(listener: S3Listener) -> None:
    with _s3_listeners_lock:
        if listener in _s3_listeners:
            _s3_listeners.remove(listener)


def _s3_snapshot(event_name: str, bucket: Any, key: Any) -> dict[str, Any]:
    """What S3 tells EventBridge of one object event, read from moto's bucket and key at once."""
    configuration = getattr(bucket, "notification_configuration", None)
    return {
        "event_name": str(getattr(event_name, "value", event_name)),  # s3:ObjectCreated:Post
        "bucket": bucket.name,
        "bucket_arn": bucket.arn,
        "region": bucket.region_name,
        "account_id": bucket.account_id,
        "event_bridge": configuration is not None and configuration.event_bridge is not None,
        "key": key.name,
        "size": key.size,
        "etag": key.etag.replace('"', ""),
        "version_id": key.version_id,
    }


def s3_object_events() -> None:
    """Every object event moto's S3 would notify (PUT, POST, copy, multipart, ...) also goes to
    the listeners of add_s3_listener.

    moto delivers a bucket's EventBridge notifications only to rules created in moto's own
    EventBridge; the template's rules are functions' `EventBridgeRule` events, run in this
    process (local/eventbridge/). moto calls `moto.s3.notifications.send_event` wherever S3 would
    notify, whatever the bucket's configuration, and returns early when it has none: the wrapper
    calls moto's function first, then hands a snapshot to each listener (the listener decides,
    from `event_bridge`, whether the bucket sends to EventBridge). Idempotent.
    """
    from moto.s3 import notifications

    if getattr(notifications, "_sutasoma_listened", False):
        return
    original = notifications.send_event

    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        original(account_id, event_name, bucket, key)
        with _s3_listeners_lock:
            listeners = list(_s3_listeners)
        if not listeners:
            return
        try:
            snapshot = _s3_snapshot(event_name, bucket, key)
        except Exception:  # never fail the S3 request (AWS notifies asynchronously)
            log.exception("could not read the S3 event of %s", getattr(key, "name", "?"))
            return
        for listener in listeners:
            try:
                listener(dict(snapshot))
            except Exception:
                log.exception("S3 event listener failed")

    notifications.send_event = send_event
    notifications._sutasoma_listened = True  # type: ignore[attr-defined]  # our flag on moto's module


# ---------------------------------------------------------------------------------- Cognito

# user pool id -> its pre-token-generation trigger (local/cognito.py registers the template's):
# it gets Cognito's V1 event and answers it with `response.claimsOverrideDetails` filled or not.
PreTokenHook = Callable[[dict[str, Any]], dict[str, Any]]
_pre_token_hooks: dict[str, PreTokenHook] = {}


def set_pre_token_hook(user_pool_id: str, hook: PreTokenHook | None) -> None:
    if hook is None:
        _pre_token_hooks.pop(user_pool_id, None)
    else:
        _pre_token_hooks[user_pool_id] = hook


def _pre_token_event(pool: Any, client_id: str, username: str, groups: list[str]) -> dict[str, Any]:
    user = pool._get_user(username)
    attributes = {a["Name"]: a["Value"] for a in user.attributes}
    attributes.setdefault("sub", user.id)
    return {
        "version": "1",
        "triggerSource": "TokenGeneration_Authentication",
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": username,
        "callerContext": {"awsSdkVersion": "local", "clientId": client_id},
        "request": {
            "userAttributes": attributes,
            "groupConfiguration": {
                "groupsToOverride": groups,
                "iamRolesToOverride": [],
                "preferredRole": None,
            },
        },
        "response": {"claimsOverrideDetails": None},
    }


def _overridden(answer: dict[str, Any], token_use: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The token's claims as the trigger's V1 answer changes them: claims added, overridden or
    suppressed in the ID token; `cognito:groups` replaced in both tokens (none: no claim)."""
    override = ((answer or {}).get("response") or {}).get("claimsOverrideDetails") or {}
    changed = dict(extra)
    groups = (override.get("groupOverrideDetails") or {}).get("groupsToOverride")
    if groups is not None:
        changed.pop("cognito:groups", None)
        if groups:
            changed["cognito:groups"] = list(groups)
    if token_use == "id":  # nosec B105 # - the token_use "id" of an ID token, not a password
        changed.update(override.get("claimsToAddOrOverride") or {})
        for claim in override.get("claimsToSuppress") or []:
            changed.pop(claim, None)
    return changed


def cognito_pre_token_generation() -> None:
    """moto's Cognito ignores a pool's Lambda triggers: every ID and access token moto signs goes
    through the pool's hook first (set_pre_token_hook), which runs the template's trigger function
    (Cognito would: at sign-in and at every refresh) and changes the claims as Cognito does. A
    failing trigger fails the sign-in, as in Cognito. Idempotent."""
    from moto.cognitoidp.models import CognitoIdpUserPool

    if getattr(CognitoIdpUserPool, "_sutasoma_triggers", False):
        return
    original = CognitoIdpUserPool.create_jwt

    def create_jwt(
        self: Any, client_id: str, username: str, token_use: str, expires_in: int = 3600,
        extra_data: dict[str, Any] | None = None,
    ) -> Any:  # fmt: skip
        hook = _pre_token_hooks.get(self.id)
        if hook is not None and token_use in ("id", "access"):
            extra = dict(extra_data or {})
            event = _pre_token_event(self, client_id, username, list(extra.get("cognito:groups") or []))
            extra_data = _overridden(hook(event), token_use, extra)
        return original(self, client_id, username, token_use, expires_in, extra_data)

    CognitoIdpUserPool.create_jwt = create_jwt  # type: ignore[method-assign]  # moto's method
    CognitoIdpUserPool._sutasoma_triggers = True  # type: ignore[attr-defined]  # our flag on moto's class
