"""Objects created in moto's S3 as the events S3 sends to EventBridge.

local.aws.moto_patches.s3_object_events hands every object event of moto's S3 to the listeners
registered there; `ObjectEvents` is one: for a bucket whose EventBridge notifications are on
(the template's `NotificationConfiguration.EventBridgeConfiguration`, applied to moto by
local/aws/storage.py) it puts an "Object Created" event on the local bus, shaped as S3's
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html): the key as stored (not
URL-encoded, unlike S3's direct notifications), size, etag, version id, `reason` (PutObject,
POST Object, CopyObject, CompleteMultipartUpload). Other events (deletions, tags, restores) are
not sent locally.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from local.aws.moto_patches import add_s3_listener, remove_s3_listener

log = logging.getLogger("local.eventbridge")

# moto's event name -> the `reason` S3 gives EventBridge for an "Object Created" event.
CREATED_REASONS = {
    "s3:ObjectCreated:Put": "PutObject",
    "s3:ObjectCreated:Post": "POST Object",
    "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
}


class EventSink(Protocol):
    def put(self, event: dict[str, Any]) -> None: ...


def object_created_event(
    *,
    bucket: str,
    key: str,
    size: int,
    etag: str = "",
    version_id: str | None = None,
    reason: str = "PutObject",
    region: str = "ap-southeast-3",
    account_id: str = "123456789012",
    source_ip: str = "127.0.0.1",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The EventBridge event S3 sends when an object is created (tests build theirs with it)."""
    moment = now or datetime.now(UTC)
    object_detail: dict[str, Any] = {
        "key": key,
        "size": size,
        "etag": etag,
        "sequencer": secrets.token_hex(9).upper(),
    }
    if version_id and version_id != "null":
        object_detail["version-id"] = version_id
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": account_id,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": object_detail,
            "request-id": secrets.token_hex(8).upper(),
            "requester": account_id,
            "source-ip-address": source_ip,
            "reason": reason,
        },
    }


def event_from_snapshot(snapshot: Mapping[str, Any]) -> dict[str, Any] | None:
    """The EventBridge event of one of moto's object events, or None (not sent locally)."""
    reason = CREATED_REASONS.get(str(snapshot["event_name"]))
    if reason is None:
        return None
    return object_created_event(
        bucket=str(snapshot["bucket"]),
        key=str(snapshot["key"]),
        size=int(snapshot["size"]),
        etag=str(snapshot["etag"]),
        version_id=snapshot.get("version_id"),
        reason=reason,
        region=str(snapshot["region"]),
        account_id=str(snapshot["account_id"]),
    )


class ObjectEvents:
    """Puts an "Object Created" event on `sink` for each object created in a bucket whose
    EventBridge notifications are on. start() listens to moto's S3, stop() no longer."""

    def __init__(self, sink: EventSink) -> None:
        self.sink = sink
        self.sent = 0

    def __call__(self, snapshot: dict[str, Any]) -> None:
        if not snapshot.get("event_bridge"):
            return
        event = event_from_snapshot(snapshot)
        if event is None:
            return
        self.sent += 1
        log.debug("S3 %s: object created (%d bytes)", snapshot["bucket"], snapshot["size"])
        self.sink.put(event)

    def start(self) -> ObjectEvents:
        add_s3_listener(self)
        return self

    def stop(self) -> None:
        remove_s3_listener(self)
