"""Private document buckets (KTP copies, claim documents, report files): presigned uploads and
downloads, and what the check of an upload reads (app/uploads.py).

Signing is local (no AWS call): a presigned POST is a policy document, base64-encoded and signed
with the function's credentials, that S3 enforces when the file arrives. Ours allows exactly one
key (the farmer's or the claim's prefix, a new ULID), one content type, and a size range.
"""

from __future__ import annotations

from typing import Any

from sutasoma.adapters import aws
from sutasoma.app.ports import PresignedPost, StoredObject

_MISSING = ("404", "NoSuchKey", "NotFound", "NoSuchVersion")


def post_conditions(object_key: str, content_type: str, min_bytes: int, max_bytes: int) -> list[Any]:
    """The POST policy's conditions (besides the bucket and the signature's, which boto3 adds):
    the exact key, the exact content type, the size range S3 checks before it stores anything."""
    return [
        {"key": object_key},
        {"Content-Type": content_type},
        ["content-length-range", min_bytes, max_bytes],
    ]


class DocumentBucket:
    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self._client = client

    client = aws.LazyClient("s3")

    def presign_post(
        self, object_key: str, content_type: str, min_bytes: int, max_bytes: int, expires_in: int
    ) -> PresignedPost:
        signed = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=object_key,
            Fields={"Content-Type": content_type},
            Conditions=post_conditions(object_key, content_type, min_bytes, max_bytes),
            ExpiresIn=expires_in,
        )
        return PresignedPost(url=str(signed["url"]), fields={k: str(v) for k, v in signed["fields"].items()})

    def presign_get(self, object_key: str, expires_in: int) -> str:
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": object_key}, ExpiresIn=expires_in
        )
        return url

    def head(self, object_key: str) -> StoredObject | None:
        from botocore.exceptions import ClientError

        try:
            found = self.client.head_object(Bucket=self.bucket, Key=object_key)
        except ClientError as error:
            if error.response["Error"]["Code"] in _MISSING:
                return None
            raise
        return StoredObject(
            size=int(found["ContentLength"]),
            content_type=found.get("ContentType"),
            version_id=found.get("VersionId"),
        )

    def read_head(self, object_key: str, length: int, version_id: str | None = None) -> bytes:
        """The first `length` bytes of the object (of that version)."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": object_key, "Range": f"bytes=0-{length - 1}"}
        if version_id and version_id != "null":
            params["VersionId"] = version_id
        body = self.client.get_object(**params)["Body"]
        try:
            data: bytes = body.read(length)
        finally:
            body.close()
        return data

    def delete(self, object_key: str, version_id: str | None = None) -> None:
        """Gone for good when a version is named (a versioned bucket keeps the bytes otherwise)."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": object_key}
        if version_id and version_id != "null":
            params["VersionId"] = version_id
        self.client.delete_object(**params)

    def put(self, object_key: str, body: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=object_key, Body=body, ContentType=content_type)
