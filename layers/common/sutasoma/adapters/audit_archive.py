"""The tamper-evident copy of the audit trail: one S3 object per audit record, under Object Lock.

Audit records live in the domain table (audit.py), where anyone allowed to write the table
could change or delete one. The table's stream carries each new record (an INSERT of an
`AUDIT#` item) to the archive function, which writes it here once:

- key `audit/<subject_id>/<SK>.json`, derived from the item's key alone, so a record
  delivered twice (a retried batch) names the same object;
- body: the canonical JSON of the item (sorted keys, no spaces) with its SHA-256, as
  `{"item": {...}, "sha256": "<hex>"}`;
- `PutObject` with `If-None-Match: *`: the first write wins; S3 answers 412 to a second one,
  which means "already archived" (a redelivery), not a failure. The bucket's default retention
  locks every version for `AuditRetentionDays`, and its policy refuses a PUT without
  `If-None-Match` and a DELETE that would only hide an object.

`verify(subject_id)` compares a subject's trail in the table with the archive: records missing
from the archive, records altered in the table since they were archived, records missing from
the table, and archive keys with more than one version (someone rewrote or hid one). Records
hold ids and codes, never a NIK, phone or bank account, and nothing here logs their content.

Store layer: the only module that touches the archive bucket (through sutasoma.adapters.aws).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from sutasoma.adapters import aws
from sutasoma.adapters.dynamo import from_dynamo, to_dynamo
from sutasoma.domain.clock import now_utc
from sutasoma.runtime.observability import logger

AUDIT_PK_PREFIX = "AUDIT#"
ARCHIVE_PREFIX = "audit/"
OBJECT_SUFFIX = ".json"
WRITTEN = "written"
ALREADY_ARCHIVED = "already archived"
# Missing-from-the-archive records younger than this are reported apart: the archive follows
# the table by seconds (the stream's batching window and retries), not at once.
DEFAULT_GRACE_SECONDS = 300
# What S3 answers a conditional PUT whose key exists. A 409 (ConditionalRequestConflict: another
# write of the key in flight, which may still fail) is an error like any other: retried.
_ALREADY_THERE = frozenset({"PreconditionFailed", "412"})


class NotAnAuditRecord(ValueError):
    """A stream record that is not the INSERT of an audit item (the event filter lets none through)."""


def is_audit_insert(record: Mapping[str, Any]) -> bool:
    """What the event source's filter keeps: a new item whose PK begins with AUDIT#."""
    keys = (record.get("dynamodb") or {}).get("Keys") or {}
    pk = (keys.get("PK") or {}).get("S", "")
    return record.get("eventName") == "INSERT" and isinstance(pk, str) and pk.startswith(AUDIT_PK_PREFIX)


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, sets as sorted lists, UTF-8 kept as is."""

    def plain(v: Any) -> Any:
        if isinstance(v, set | frozenset):
            return sorted(plain(x) for x in v)
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        return v

    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(item: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(item).encode("utf-8")).hexdigest()


def subject_of(pk: str) -> str:
    if not pk.startswith(AUDIT_PK_PREFIX) or len(pk) == len(AUDIT_PK_PREFIX):
        raise NotAnAuditRecord("not an audit item key")
    subject = pk[len(AUDIT_PK_PREFIX) :]
    if "/" in subject:
        raise NotAnAuditRecord("an audit subject id has no '/'")
    return subject


def object_key(pk: str, sk: str) -> str:
    """`AUDIT#<subject>` / `<at>#<ulid>` -> `audit/<subject>/<at>#<ulid>.json` (and back: sk_of)."""
    if not sk or "/" in sk:
        raise NotAnAuditRecord("an audit sort key is <at>#<ulid>")
    return f"{subject_prefix(subject_of(pk))}{sk}{OBJECT_SUFFIX}"


def subject_prefix(subject_id: str) -> str:
    return f"{ARCHIVE_PREFIX}{subject_id}/"


def sk_of(key: str, subject_id: str) -> str | None:
    prefix = subject_prefix(subject_id)
    if not key.startswith(prefix) or not key.endswith(OBJECT_SUFFIX):
        return None
    return key[len(prefix) : -len(OBJECT_SUFFIX)]


def archive_body(item: Mapping[str, Any]) -> bytes:
    return canonical_json({"item": dict(item), "sha256": digest(item)}).encode("utf-8")


@dataclass
class Verification:
    """What verify found for one subject; `ok` when the table and the archive agree."""

    subject_id: str
    in_table: int = 0
    in_archive: int = 0
    matching: int = 0
    missing_from_archive: list[str] = field(default_factory=list)
    not_yet_archived: list[str] = field(default_factory=list)
    altered_in_table: list[dict[str, Any]] = field(default_factory=list)
    missing_from_table: list[str] = field(default_factory=list)
    rewritten_in_archive: list[str] = field(default_factory=list)
    corrupt_in_archive: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.missing_from_archive or self.altered_in_table or self.missing_from_table
            or self.rewritten_in_archive or self.corrupt_in_archive
        )  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "ok": self.ok,
            "in_table": self.in_table,
            "in_archive": self.in_archive,
            "matching": self.matching,
            "missing_from_archive": self.missing_from_archive,
            "not_yet_archived": self.not_yet_archived,
            "altered_in_table": self.altered_in_table,
            "missing_from_table": self.missing_from_table,
            "rewritten_in_archive": self.rewritten_in_archive,
            "corrupt_in_archive": self.corrupt_in_archive,
        }


class AuditArchive:
    def __init__(
        self,
        bucket: str,
        table_name: str,
        *,
        s3: Any | None = None,
        dynamodb: Any | None = None,
        streams: Any | None = None,
    ) -> None:
        self.bucket = bucket
        self.table_name = table_name
        self._s3 = s3
        self._dynamodb = dynamodb
        self._streams = streams

    s3 = aws.LazyClient("s3")

    dynamodb = aws.LazyClient("dynamodb")

    streams = aws.LazyClient("dynamodbstreams")

    # ------------------------------------------------------------------ archiving

    def archive_record(self, record: Mapping[str, Any]) -> str:
        """One stream record (Lambda's shape, or GetRecords'): WRITTEN or ALREADY_ARCHIVED.

        Raises on anything else (the batch then reports this record as its first failure).
        """
        if not is_audit_insert(record):
            raise NotAnAuditRecord("not the INSERT of an audit item")
        image = record["dynamodb"].get("NewImage")
        if not image:
            raise NotAnAuditRecord("the stream carries no new image (StreamViewType NEW_IMAGE needed)")
        return self.archive_item(from_dynamo(image))

    def archive_item(self, item: Mapping[str, Any]) -> str:
        key = object_key(str(item.get("PK", "")), str(item.get("SK", "")))
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=archive_body(item),
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _ALREADY_THERE:
                return ALREADY_ARCHIVED
            raise
        return WRITTEN

    # ------------------------------------------------------------------ replaying a failed batch

    def replay(self, batch_info: Mapping[str, Any], max_reads: int = 100) -> dict[str, int]:
        """Archive the audit records of a batch the event source gave up on, from the stream.

        `batch_info` is the `DDBStreamBatchInfo` of the failure queue's message (shard, first
        and last sequence numbers). Raises if the stream no longer holds them (24 h): verify the
        subjects of that day instead (docs/operations.md).
        """
        start, end = int(batch_info["startSequenceNumber"]), int(batch_info["endSequenceNumber"])
        iterator = self.streams.get_shard_iterator(
            StreamArn=batch_info["streamArn"],
            ShardId=batch_info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=str(start),
        )["ShardIterator"]
        counts = {"records": 0, WRITTEN: 0, ALREADY_ARCHIVED: 0}
        for _ in range(max_reads):
            answer = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in answer.get("Records", []):
                sequence = int(record["dynamodb"]["SequenceNumber"])
                if sequence > end:
                    return counts
                if start <= sequence and is_audit_insert(record):
                    counts["records"] += 1
                    counts[self.archive_record(record)] += 1
            iterator = answer.get("NextShardIterator")
            if not iterator or not answer.get("Records"):
                return counts  # the end of a closed shard, or nothing more yet
        return counts

    def replay_failures(self, queue_url: str, max_messages: int = 100) -> dict[str, int]:
        """Replay each batch the failure queue names (oldest first); a message goes once its
        batch is archived. A batch the stream no longer holds stays, counted as `expired`."""
        sqs = aws.client("sqs")
        totals = {"batches": 0, "expired": 0, "records": 0, WRITTEN: 0, ALREADY_ARCHIVED: 0}
        while totals["batches"] + totals["expired"] < max_messages:
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=min(10, max_messages - totals["batches"] - totals["expired"]),
                VisibilityTimeout=120,
            ).get("Messages", [])  # fmt: skip
            if not messages:
                break
            for message in messages:
                info = json.loads(message["Body"])["DDBStreamBatchInfo"]
                try:
                    counts = self.replay(info)
                except ClientError as error:
                    code = error.response.get("Error", {}).get("Code")
                    if code not in ("TrimmedDataAccessException", "ResourceNotFoundException"):
                        raise
                    totals["expired"] += 1
                    logger.error(
                        "audit batch no longer in the stream",
                        extra={
                            "shard": info.get("shardId"),
                            "start": info.get("startSequenceNumber"),
                            "code": code,
                        },
                    )
                    continue
                for name, count in counts.items():
                    totals[name] += count
                totals["batches"] += 1
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        logger.info("audit failures replayed", extra=totals)
        return totals

    # ------------------------------------------------------------------ verifying

    def verify(self, subject_id: str, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> Verification:
        subject_of(AUDIT_PK_PREFIX + subject_id)  # the same rules as the keys
        table = {str(item["SK"]): item for item in self._trail(subject_id)}
        versions = self._archive_versions(subject_id)
        result = Verification(subject_id, in_table=len(table), in_archive=len(versions))
        recent_from = now_utc() - timedelta(seconds=grace_seconds)

        for sk, item in sorted(table.items()):
            if sk not in versions:
                recent = _written_after(sk, recent_from)
                (result.not_yet_archived if recent else result.missing_from_archive).append(sk)
                continue
            archived = self._archived_item(subject_id, sk, versions[sk])
            if archived is None:
                result.corrupt_in_archive.append(sk)
            elif digest(archived) == digest(item):
                result.matching += 1
            else:
                # Names of the fields that differ, never their values.
                changed = sorted(
                    k
                    for k in set(item) | set(archived)
                    if canonical_json(item.get(k)) != canonical_json(archived.get(k))
                )
                result.altered_in_table.append({"sk": sk, "fields": changed})
        for sk, kept in sorted(versions.items()):
            if sk not in table:
                result.missing_from_table.append(sk)
            if len(kept) > 1:
                result.rewritten_in_archive.append(sk)
        logger.info(
            "audit trail verified",
            extra={
                "subject_id": subject_id, "ok": result.ok, "in_table": result.in_table,
                "in_archive": result.in_archive, "matching": result.matching,
            },
        )  # fmt: skip
        return result

    def _trail(self, subject_id: str) -> Iterable[dict[str, Any]]:
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": to_dynamo({":pk": AUDIT_PK_PREFIX + subject_id}),
            "ConsistentRead": True,
        }
        while True:
            page = self.dynamodb.query(**params)
            yield from (from_dynamo(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _archive_versions(self, subject_id: str) -> dict[str, list[dict[str, Any]]]:
        """SK -> every version and delete marker of its object, oldest first."""
        found: dict[str, list[dict[str, Any]]] = {}
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=subject_prefix(subject_id)):
            entries = [
                *page.get("Versions", []),
                *({**m, "DeleteMarker": True} for m in page.get("DeleteMarkers", [])),
            ]
            for entry in entries:
                sk = sk_of(entry["Key"], subject_id)
                if sk is not None:
                    found.setdefault(sk, []).append(entry)
        for kept in found.values():
            kept.sort(key=lambda v: (v["LastModified"], bool(v.get("IsLatest"))))
        return found

    def _archived_item(self, subject_id: str, sk: str, kept: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The item as first archived (the oldest version; a later one is reported anyway), or
        None when there is none, or its body does not match its own SHA-256."""
        first = next((v for v in kept if not v.get("DeleteMarker")), None)
        if first is None:
            return None
        params = {"Bucket": self.bucket, "Key": f"{subject_prefix(subject_id)}{sk}{OBJECT_SUFFIX}"}
        if first.get("VersionId") and first["VersionId"] != "null":
            params["VersionId"] = first["VersionId"]
        try:
            body = json.loads(self.s3.get_object(**params)["Body"].read())
            item: dict[str, Any] = body["item"]
            if body["sha256"] != digest(item):
                return None
        except (ValueError, KeyError, TypeError):
            return None
        return item


def _written_after(sk: str, moment: datetime) -> bool:
    try:
        written = datetime.fromisoformat(sk.split("#", 1)[0])
    except ValueError:
        return False
    return written.tzinfo is not None and written >= moment
