"""The tamper-evident copy of the audit trail: one S3 object per audit record, under Object Lock.

The domain table's stream carries each new audit item to the archive function; here it is
written once to `audit/<subject_id>/<SK>.json` (a key derived from the item's key alone, so a
redelivered record names the same object) with `If-None-Match: *`: the first write wins, S3
answers 412 to a second one ("already archived"). The bucket's default retention locks every
version; its policy refuses a PUT without `If-None-Match` and a DELETE that would hide one.
Records hold ids and codes only, and nothing here logs their content.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError

from sutasoma.adapters import aws
from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import from_dynamo, to_dynamo
from sutasoma.adapters.dynamo.table import Table
from sutasoma.app.ports import ArchivedVersion, NotAnAuditRecord, StreamBatch
from sutasoma.domain.audit_seal import sealed, unsealed

ARCHIVE_PREFIX = "audit/"
OBJECT_SUFFIX = ".json"
# What S3 answers a conditional PUT whose key exists. A 409 (ConditionalRequestConflict: another
# write of the key in flight, which may still fail) is an error like any other: retried.
_ALREADY_THERE = frozenset({"PreconditionFailed", "412"})
# The stream no longer holds a batch (24 h) or its shard.
_EXPIRED = frozenset({"TrimmedDataAccessException", "ResourceNotFoundException"})


def is_audit_insert(record: Mapping[str, Any]) -> bool:
    """What the event source's filter keeps: a new item whose PK is an audit trail's."""
    pk = ((record.get("dynamodb") or {}).get("Keys") or {}).get("PK", {}).get("S", "")
    return record.get("eventName") == "INSERT" and isinstance(pk, str) and pk.startswith(keys.AUDIT.prefix)


def subject_of(pk: str) -> str:
    subject = pk.removeprefix(keys.AUDIT.prefix)
    if not pk.startswith(keys.AUDIT.prefix) or not subject or "/" in subject:
        raise NotAnAuditRecord("not an audit item key")
    return subject


def subject_prefix(subject_id: str) -> str:
    return f"{ARCHIVE_PREFIX}{subject_id}/"


def object_key(pk: str, sk: str) -> str:
    """`AUDIT#<subject>` / `<at>#<ulid>` -> `audit/<subject>/<at>#<ulid>.json`."""
    if not sk or "/" in sk:
        raise NotAnAuditRecord("an audit sort key is <at>#<ulid>")
    return f"{subject_prefix(subject_of(pk))}{sk}{OBJECT_SUFFIX}"


def sk_of(key: str, subject_id: str) -> str | None:
    prefix = subject_prefix(subject_id)
    if not key.startswith(prefix) or not key.endswith(OBJECT_SUFFIX):
        return None
    return key[len(prefix) : -len(OBJECT_SUFFIX)]


class AuditArchiveStore:
    """The archive bucket, the table's stream and the audit items of the table."""

    s3 = aws.LazyClient("s3")
    streams = aws.LazyClient("dynamodbstreams")
    sqs = aws.LazyClient("sqs")

    def __init__(
        self, bucket: str, table: Table, *, s3: Any | None = None, streams: Any | None = None
    ) -> None:
        self.bucket = bucket
        self.table = table
        self._s3 = s3
        self._streams = streams

    # ------------------------------------------------------------------ the stream
    def audit_item(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The audit item a stream record (Lambda's shape, or GetRecords') carries."""
        if not is_audit_insert(record):
            raise NotAnAuditRecord("not the INSERT of an audit item")
        image = record["dynamodb"].get("NewImage")
        if not image:
            raise NotAnAuditRecord("the stream carries no new image (StreamViewType NEW_IMAGE needed)")
        return from_dynamo(image)

    def batch_records(self, batch: StreamBatch, max_reads: int = 100) -> Iterator[Mapping[str, Any]]:
        """The audit inserts of a batch the event source gave up on, read again from the stream."""
        iterator = self.streams.get_shard_iterator(
            StreamArn=batch.stream_arn, ShardId=batch.shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=str(batch.start),
        )["ShardIterator"]  # fmt: skip
        for _ in range(max_reads):
            answer = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in answer.get("Records", []):
                sequence = int(record["dynamodb"]["SequenceNumber"])
                if sequence > batch.end:
                    return
                if batch.start <= sequence and is_audit_insert(record):
                    yield record
            iterator = answer.get("NextShardIterator")
            if not iterator or not answer.get("Records"):
                return  # the end of a closed shard, or nothing more yet

    def failed_batches(self, queue_url: str, max_messages: int) -> Iterator[tuple[StreamBatch, str]]:
        """(batch, receipt handle) of the failure queue's messages, oldest first."""
        taken = 0
        while taken < max_messages:
            messages = self.sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=min(10, max_messages - taken), VisibilityTimeout=120
            ).get("Messages", [])
            if not messages:
                return
            for message in messages:
                taken += 1
                info = json.loads(message["Body"])["DDBStreamBatchInfo"]
                yield (
                    StreamBatch(
                        info["streamArn"],
                        info["shardId"],
                        int(info["startSequenceNumber"]),
                        int(info["endSequenceNumber"]),
                    ),
                    message["ReceiptHandle"],
                )

    def batch_done(self, queue_url: str, receipt_handle: str) -> None:
        self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt_handle)

    @staticmethod
    def expired(error: Exception) -> str | None:
        """The error code when the stream no longer holds a batch, else None."""
        if isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code")
            return str(code) if code in _EXPIRED else None
        return None

    # ------------------------------------------------------------------ the archive
    def put_once(self, item: Mapping[str, Any]) -> bool:
        """Archive `item` unless its object exists: True when written, False when already there."""
        key = object_key(str(item.get("PK", "")), str(item.get("SK", "")))
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=sealed(item),
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _ALREADY_THERE:
                return False
            raise
        return True

    def versions(self, subject_id: str) -> dict[str, list[ArchivedVersion]]:
        """SK -> every version and delete marker of its object, oldest first."""
        found: dict[str, list[ArchivedVersion]] = {}
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=subject_prefix(subject_id)):
            entries = [(v, False) for v in page.get("Versions", [])] + [
                (m, True) for m in page.get("DeleteMarkers", [])
            ]
            for entry, deleted in entries:
                sk = sk_of(entry["Key"], subject_id)
                if sk is not None:
                    version = ArchivedVersion(
                        str(entry.get("VersionId") or "null"),
                        entry["LastModified"],
                        bool(entry.get("IsLatest")),
                        deleted,
                    )
                    found.setdefault(sk, []).append(version)
        for kept in found.values():
            kept.sort(key=lambda v: (v.last_modified, v.is_latest))
        return found

    def archived_item(self, subject_id: str, sk: str, version: ArchivedVersion) -> dict[str, Any] | None:
        """The item of one archived version, or None when its body does not match its SHA-256."""
        params = {"Bucket": self.bucket, "Key": f"{subject_prefix(subject_id)}{sk}{OBJECT_SUFFIX}"}
        if version.version_id != "null":
            params["VersionId"] = version.version_id
        return unsealed(self.s3.get_object(**params)["Body"].read())

    # ------------------------------------------------------------------ the table
    def trail_items(self, subject_id: str) -> dict[str, dict[str, Any]]:
        """A subject's audit items as stored (keys included), by sort key."""
        items = self.table.query_all(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues=to_dynamo({":pk": keys.audit_trail(subject_id)}),
            ConsistentRead=True,
        )
        return {str(item["SK"]): item for item in items}

    def check_subject(self, subject_id: str) -> None:
        subject_of(keys.audit_trail(subject_id))
